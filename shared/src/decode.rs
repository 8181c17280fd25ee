//! How some answers are decoded. serde's internally tagged enums (`#[serde(tag = "type")]`) and
//! `#[serde(flatten)]` buffer the whole value into a generic `Content` first, and build a second
//! decoder for every type inside it: that cost the web app's download 10–15 KB per type. Those
//! types are read instead through a plain struct of their fields, then checked and assembled by
//! a `TryFrom` or `From`: the events sent as Server-Sent Events (`{"type": "token", ...}`, each
//! read as its `type` and every field any event has) and a conversation with its messages. A
//! ranked vehicle, whose vehicle has too many fields to repeat, is read by the vehicle's own
//! decoder with its ranking's three fields taken aside on the way. Their JSON is unchanged.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::stock::{RankedVehicle, Vehicle};

/// A field an event's `type` requires.
pub(crate) fn required<T>(value: Option<T>, field: &'static str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}`"))
}

/// The ranking's fields of a ranked vehicle, read aside.
#[derive(Default)]
struct Ranking {
    relevance: Option<f64>,
    semantic_rank: Option<i64>,
    text_rank: Option<i64>,
}

/// The object of a ranked vehicle as the vehicle's decoder sees it: every key but the
/// ranking's, which go into `ranking`.
struct WithoutRanking<'a, A> {
    map: A,
    ranking: &'a mut Ranking,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutRanking<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.map.next_key::<String>()? {
            match key.as_str() {
                "relevance" => self.ranking.relevance = Some(self.map.next_value()?),
                "semantic_rank" => self.ranking.semantic_rank = self.map.next_value()?,
                "text_rank" => self.ranking.text_rank = self.map.next_value()?,
                _ => return seed.deserialize(StringDeserializer::new(key)).map(Some),
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

impl<'de> Deserialize<'de> for RankedVehicle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Ranked;

        impl<'de> Visitor<'de> for Ranked {
            type Value = RankedVehicle;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a vehicle with its relevance")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RankedVehicle, A::Error> {
                let mut ranking = Ranking::default();
                let without = WithoutRanking { map, ranking: &mut ranking };
                let vehicle = Vehicle::deserialize(MapAccessDeserializer::new(without))?;
                let Ranking { relevance, semantic_rank, text_rank } = ranking;
                let relevance = relevance.ok_or_else(|| de::Error::missing_field("relevance"))?;
                Ok(RankedVehicle { vehicle, relevance, semantic_rank, text_rank })
            }
        }

        deserializer.deserialize_map(Ranked)
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use crate::assistant::{
        ChatMessage, ChatRole, Conversation, ConversationDetail, MessageStatus, StreamEvent, ToolCall,
    };
    use crate::stock::{ImportEvent, ImportMode, ImportProgress, ImportReport, RankedVehicle, Vehicle};
    use crate::{ErrorBody, ErrorCode};

    fn round_trip<E: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(event: E) {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<E>(&json).unwrap(), event, "{json}");
    }

    #[test]
    fn every_event_and_conversation_reads_back_as_written() {
        let message = ChatMessage {
            id: 3,
            role: ChatRole::Assistant,
            content: "Hay **12** SEAT.".into(),
            status: MessageStatus::Complete,
            tool_calls: vec![],
            unverified: vec!["12".into()],
            model: Some("embedded-planner".into()),
            created_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        };
        let call = ToolCall {
            id: "call_1".into(),
            name: "search_vehicles".into(),
            arguments: serde_json::json!({"brand": "SEAT"}),
            stock_query: None,
            vehicles: Some(12),
            rows: Some(12),
            error: None,
        };
        round_trip(StreamEvent::Question { message: ChatMessage { role: ChatRole::User, ..message.clone() } });
        round_trip(StreamEvent::Token { text: "Hay".into() });
        round_trip(StreamEvent::ToolCall { call: call.clone() });
        round_trip(StreamEvent::ToolResult { call });
        round_trip(StreamEvent::Done { message: message.clone() });
        round_trip(StreamEvent::Error { error: ErrorCode::ServiceUnavailable, detail: "x".into(), message: None });
        round_trip(StreamEvent::Error {
            error: ErrorCode::Internal,
            detail: "y".into(),
            message: Some(message.clone()),
        });
        let at = message.created_at;
        let conversation = Conversation { id: 9, title: "SEAT".into(), created_at: at, updated_at: at };
        round_trip(ConversationDetail { conversation, messages: vec![message] });

        let progress = ImportProgress { bytes_read: 10, rows_read: 2, rows_rejected: 1, rows_applied: 1 };
        round_trip(ImportEvent::Progress { progress });
        let report = ImportReport {
            mode: ImportMode::SkipInvalid,
            rows: 2,
            created: 1,
            updated: 0,
            unchanged: 0,
            rejected: vec![],
            rejected_total: 1,
            rejected_rows: 1,
            committed: true,
        };
        round_trip(ImportEvent::Done { report });
        let error =
            ErrorBody { error: ErrorCode::PayloadTooLarge, message: "too large".into(), fields: Default::default() };
        round_trip(ImportEvent::Failed { status: 413, error });
    }

    #[test]
    fn a_ranked_vehicle_reads_its_ranking_wherever_it_stands() {
        let vehicle = serde_json::json!({
            "vin": "VF1AAAAAAAA000001", "legacy_vin": false, "brand": "Renault", "model": "Clio",
            "reception_date": "2026-11-02", "mileage_km": 30000, "stock_type": "VO", "status": "available",
            "reserved": false, "published": true, "sale_price": "12990.00", "online_visits": 1,
            "online_calls": 0, "online_leads": 0, "days_in_stock": 31,
            "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-03T10:00:00Z"
        });
        let mut json = serde_json::json!({"relevance": 0.75, "semantic_rank": 2, "text_rank": null});
        json.as_object_mut().unwrap().extend(vehicle.as_object().unwrap().clone());
        let ranked: RankedVehicle = serde_json::from_value(json).unwrap();
        assert_eq!((ranked.relevance, ranked.semantic_rank, ranked.text_rank), (0.75, Some(2), None));
        assert_eq!(ranked.vehicle, serde_json::from_value::<Vehicle>(vehicle.clone()).unwrap());
        // Written flat as before, and read back the same from text.
        let written = serde_json::to_value(&ranked).unwrap();
        assert_eq!(written["vin"], "VF1AAAAAAAA000001");
        assert_eq!(written["relevance"], 0.75);
        round_trip(ranked);
        let error = serde_json::from_value::<RankedVehicle>(vehicle).unwrap_err();
        assert!(error.to_string().contains("missing field `relevance`"), "{error}");
    }

    #[test]
    fn an_event_without_what_its_type_needs_is_refused() {
        let error = serde_json::from_str::<StreamEvent>(r#"{"type":"token"}"#).unwrap_err();
        assert!(error.to_string().contains("missing field `text`"), "{error}");
        assert!(serde_json::from_str::<StreamEvent>(r#"{"type":"shout","text":"a"}"#).is_err());
        let error = serde_json::from_str::<ImportEvent>(r#"{"type":"failed","status":500}"#).unwrap_err();
        assert!(error.to_string().contains("missing field `error`"), "{error}");
    }
}
