//! Ranked stock searches under the stock list's own filters: by meaning (nearest vectors in the
//! HNSW index), by words (the list's trigram-indexed text), and both fused by reciprocal rank.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::{exists, sql};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Double, Integer, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pgvector::sql_types::HalfVector as HalfVectorType;
use pgvector::{HalfVector, VectorExpressionMethods};
use shared::stock::{MAX_RANKED_RESULTS, RankedVehicle, StockFilter, Vehicle};
use uuid::Uuid;

use crate::db::schema::{embedding_model, passage_embeddings, vehicles};
use crate::stock::filters::{
    BoxedVehicles, FilterVehicles, SortField, SortKey, VehicleQuery, escape_like, reference_names,
};
use crate::stock::index::{Candidate, StockTable};
use crate::stock::records::{ReferenceNames, VehicleRow};

/// Reciprocal rank fusion's constant: the usual 60 keeps one list's top from drowning the other.
const RRF_K: f64 = 60.0;
/// Candidates the index visits per search; with iterative scans it goes on past filtered-out rows.
const EF_SEARCH: i32 = 160;
/// Words that say nothing about a car; the any-word pass ignores them.
const STOPWORDS: &[&str] = &[
    "con", "para", "los", "las", "del", "una", "unos", "unas", "que", "por", "muy", "algo", "coche", "coches", "the",
    "and", "for", "with", "car", "cars", "una", "mas", "menos", "poco", "mucho", "quiero", "busco",
];

/// A vehicle's VIN and its score in one ranking, best first.
pub type Scored = (String, f64);

/// A vehicle's place in the answer, before its row is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub vin: String,
    pub relevance: f64,
    pub semantic_rank: Option<i64>,
    pub text_rank: Option<i64>,
}

/// What a similar-vehicles search leaves out.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    pub vin: Option<String>,
    pub sold: bool,
}

fn restrict<'a, ST, GB>(mut query: BoxedVehicles<'a, ST, GB>, exclusions: &'a Exclusions) -> BoxedVehicles<'a, ST, GB> {
    if let Some(vin) = &exclusions.vin {
        query = query.filter(vehicles::vin.ne(vin));
    }
    if exclusions.sold {
        query = query.filter(vehicles::status.ne("sold"));
    }
    query
}

/// What a meaning ranking compares with, and how.
pub struct Meaning<'a> {
    /// The query's (or a vehicle's) vector.
    pub target: &'a [f32],
    /// The model that made it: only its vectors are compared.
    pub model: &'a str,
    pub limit: i64,
    /// Under this many matching vehicles, compare with each instead of walking the index.
    pub exact_below: i64,
    /// The stock index, when it is current: its codes choose the candidates
    /// ([`crate::search::codes`]) and the HNSW index is not walked.
    pub stock_index: Option<&'a StockTable>,
}

/// The candidates whose exact distance is asked for: the codes' order is an estimate, and
/// PostgreSQL reads and compares a hundred vectors in about a millisecond (docs/BENCHMARKS.md
/// has the recall this gives).
fn rescored_for(wanted: usize) -> usize {
    (wanted * 2).max(100)
}

/// Vehicles under `filter` (its words ignored) nearest to the target, best first, with their
/// cosine similarity. None are found while another model's vectors are stored.
pub async fn by_meaning(
    conn: &mut AsyncPgConnection,
    filter: &StockFilter,
    exclusions: &Exclusions,
    today: NaiveDate,
    meaning: &Meaning<'_>,
) -> QueryResult<Vec<Scored>> {
    let Meaning { target, model, limit, exact_below, stock_index } = *meaning;
    let filter = StockFilter { q: None, ..filter.clone() };
    let wanted = usize::try_from(limit).unwrap_or(0);
    let candidates =
        stock_index.and_then(|index| index.nearest(&filter, exclusions, today, (target, model), rescored_for(wanted)));
    let target = HalfVector::from_f32_slice(target);
    if let Some(candidates) = candidates {
        return rescored(conn, candidates, target, model, wanted).await;
    }
    // A selective filter leaves few vehicles: comparing with each of them is exact and cheaper
    // than walking the graph past thousands of filtered-out neighbours.
    // (Asked as "is there a vehicle past the limit", so PostgreSQL stops there and sends one bool.)
    let beyond = restrict(filter.apply(vehicles::table.select(vehicles::vin).into_boxed(), today, None), exclusions)
        .offset(exact_below);
    let exact = !diesel::select(exists(beyond)).get_result::<bool>(conn).await?;
    let nearest: Vec<(Uuid, f64)> = conn
        .transaction(async |conn| {
            // Filtered scans keep walking the graph until `limit` rows pass (pgvector 0.8).
            // (One round trip for both settings, local to this transaction.)
            // An exact search reads each candidate's vector by key, never the whole table.
            diesel::sql_query(format!(
                "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), \
                 set_config('hnsw.ef_search', '{EF_SEARCH}', true), \
                 set_config('enable_seqscan', '{}', true)",
                if exact { "off" } else { "on" }
            ))
            .execute(conn)
            .await?;
            let candidates = restrict(
                filter.apply(vehicles::table.select(vehicles::passage_key).into_boxed(), today, None),
                exclusions,
            );
            let distance = || passage_embeddings::embedding.cosine_distance(target.clone());
            let query = passage_embeddings::table
                .filter(passage_embeddings::passage_key.nullable().eq_any(candidates))
                .filter(exists(embedding_model::table.filter(embedding_model::model.eq(model))))
                .select((passage_embeddings::passage_key, distance()))
                .limit(limit)
                .into_boxed();
            let ordered = if exact {
                // `+ 0` is not the index's operator: PostgreSQL sorts the few candidates instead.
                query.order(
                    sql::<Double>("(passage_embeddings.embedding <=> ")
                        .bind::<HalfVectorType, _>(target.clone())
                        .sql(") + 0"),
                )
            } else {
                query.order(distance())
            };
            ordered.load(conn).await
        })
        .await?;
    if nearest.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<Uuid> = nearest.iter().map(|(key, _)| *key).collect();
    let distances: HashMap<Uuid, f64> = nearest.into_iter().collect();
    // Vehicles sharing a text share its distance: the newest arrival first among them.
    let rows: Vec<(String, Option<Uuid>)> =
        restrict(filter.apply(vehicles::table.into_boxed(), today, None), exclusions)
            .filter(vehicles::passage_key.eq_any(keys.clone()))
            .order(sql::<Integer>("array_position(").bind::<Array<SqlUuid>, _>(keys).sql(", vehicles.passage_key)"))
            .then_order_by(vehicles::reception_date.desc())
            .then_order_by(vehicles::vin)
            .select((vehicles::vin, vehicles::passage_key))
            .limit(limit)
            .load(conn)
            .await?;
    let mut ranked: Vec<Scored> = rows
        .into_iter()
        .map(|(vin, key)| (vin, 1.0 - key.and_then(|k| distances.get(&k).copied()).unwrap_or(1.0)))
        .collect();
    // The relaxed iterative scan may return neighbours slightly out of order.
    ranked.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(Ordering::Equal));
    Ok(ranked)
}

/// The candidates' exact similarity to the target, best first: at most `limit`. Only their
/// texts' vectors are read (by key), each once.
async fn rescored(
    conn: &mut AsyncPgConnection,
    candidates: Vec<Candidate<'_>>,
    target: HalfVector,
    model: &str,
    limit: usize,
) -> QueryResult<Vec<Scored>> {
    let mut texts: Vec<Uuid> = candidates.iter().map(|c| c.text).collect();
    texts.sort_unstable();
    texts.dedup();
    let distances: HashMap<Uuid, f64> = passage_embeddings::table
        .filter(passage_embeddings::passage_key.eq_any(texts))
        .filter(exists(embedding_model::table.filter(embedding_model::model.eq(model))))
        .select((passage_embeddings::passage_key, passage_embeddings::embedding.cosine_distance(target)))
        .load::<(Uuid, f64)>(conn)
        .await?
        .into_iter()
        .collect();
    let mut ranked: Vec<(Candidate, f64)> =
        candidates.into_iter().filter_map(|c| distances.get(&c.text).copied().map(|d| (c, d))).collect();
    // Vehicles sharing a text share its distance: the newest arrival first among them.
    ranked.sort_by(|(a, x), (b, y)| x.total_cmp(y).then(b.reception_day.cmp(&a.reception_day)).then(a.vin.cmp(b.vin)));
    ranked.truncate(limit);
    Ok(ranked.into_iter().map(|(c, distance)| (c.vin.to_owned(), 1.0 - distance)).collect())
}

/// Vehicles under `filter` whose text holds the query's words: those with every word first
/// (in the list's default order), then those with the most of them. The relevance is the share
/// of words found.
pub async fn by_words(
    conn: &mut AsyncPgConnection,
    filter: &StockFilter,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<Scored>> {
    let words = filter.words();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let all_words: Vec<String> = newest_first(filter.apply(vehicles::table.into_boxed(), today, None))
        .select(vehicles::vin)
        .limit(limit)
        .load(conn)
        .await?;
    let mut ranked: Vec<Scored> = all_words.into_iter().map(|vin| (vin, 1.0)).collect();

    let meaningful: Vec<&String> =
        words.iter().filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str())).collect();
    let room = limit - ranked.len() as i64;
    if meaningful.len() > 1 && room > 0 {
        let any_word = meaningful
            .iter()
            .map(|word| -> Box<dyn BoxableExpression<vehicles::table, Pg, SqlType = Bool>> {
                Box::new(vehicles::search_text.like(format!("%{}%", escape_like(word))))
            })
            .reduce(|a, b| Box::new(a.or(b)))
            .expect("at least two words");
        let found: Vec<String> = ranked.iter().map(|(vin, _)| vin.clone()).collect();
        let without_words = StockFilter { q: None, ..filter.clone() };
        // Read a generous slice and rank it here: counting matches in SQL would not use the index.
        let some_words: Vec<(String, String)> =
            newest_first(without_words.apply(vehicles::table.into_boxed(), today, None))
                .filter(any_word)
                .filter(vehicles::vin.ne_all(found))
                .select((vehicles::vin, vehicles::search_text))
                .limit(room * 5)
                .load(conn)
                .await?;
        let mut partial: Vec<Scored> = some_words
            .into_iter()
            .map(|(vin, text)| {
                let matched = words.iter().filter(|w| text.contains(w.as_str())).count();
                (vin, matched as f64 / words.len() as f64)
            })
            .collect();
        partial.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(Ordering::Equal));
        ranked.extend(partial.into_iter().take(room as usize));
    }
    Ok(ranked)
}

/// The list's default order: newest arrivals first.
fn newest_first(query: VehicleQuery<'_>) -> VehicleQuery<'_> {
    query.order((vehicles::reception_date.desc(), vehicles::vin.desc()))
}

/// Reciprocal rank fusion of the two rankings (each best first), scaled so a vehicle first in
/// both scores 1. Ties keep the meaning ranking's order.
pub fn fuse(by_meaning: Vec<Scored>, by_words: Vec<Scored>) -> Vec<Ranked> {
    let best = 2.0 / (RRF_K + 1.0);
    let mut fused: Vec<Ranked> = Vec::with_capacity(by_meaning.len() + by_words.len());
    let mut position: HashMap<String, usize> = HashMap::new();
    for (rank, (vin, _)) in by_meaning.into_iter().enumerate() {
        position.insert(vin.clone(), fused.len());
        fused.push(Ranked { vin, relevance: 0.0, semantic_rank: Some(rank as i64 + 1), text_rank: None });
    }
    for (rank, (vin, _)) in by_words.into_iter().enumerate() {
        match position.get(&vin) {
            Some(&at) => fused[at].text_rank = Some(rank as i64 + 1),
            None => fused.push(Ranked { vin, relevance: 0.0, semantic_rank: None, text_rank: Some(rank as i64 + 1) }),
        }
    }
    for item in &mut fused {
        let score: f64 =
            [item.semantic_rank, item.text_rank].into_iter().flatten().map(|rank| 1.0 / (RRF_K + rank as f64)).sum();
        item.relevance = score / best;
    }
    fused.sort_by(|a, b| b.relevance.partial_cmp(&a.relevance).unwrap_or(Ordering::Equal));
    fused.truncate(MAX_RANKED_RESULTS as usize);
    fused
}

/// One ranking on its own, its own relevance kept.
pub fn single(ranking: Vec<Scored>, semantic: bool) -> Vec<Ranked> {
    ranking
        .into_iter()
        .take(MAX_RANKED_RESULTS as usize)
        .enumerate()
        .map(|(rank, (vin, relevance))| {
            let rank = Some(rank as i64 + 1);
            Ranked {
                vin,
                relevance,
                semantic_rank: if semantic { rank } else { None },
                text_rank: if semantic { None } else { rank },
            }
        })
        .collect()
}

/// The vehicles of a ranked slice, in its order (primary-key lookups; a vehicle removed since
/// it was ranked drops out).
pub async fn load(
    conn: &mut AsyncPgConnection,
    ranked: Vec<Ranked>,
    today: NaiveDate,
) -> QueryResult<Vec<RankedVehicle>> {
    let vins: Vec<&str> = ranked.iter().map(|r| r.vin.as_str()).collect();
    let rows: Vec<(VehicleRow, ReferenceNames)> = vehicles::table
        .filter(vehicles::vin.eq_any(vins))
        .select((VehicleRow::as_select(), reference_names()))
        .load(conn)
        .await?;
    let mut by_vin: HashMap<String, Vehicle> =
        rows.into_iter().map(|(row, names)| (row.vin.clone(), row.to_api(names, today))).collect();
    Ok(ranked
        .into_iter()
        .filter_map(|r| {
            let vehicle = by_vin.remove(&r.vin)?;
            Some(RankedVehicle {
                vehicle,
                relevance: r.relevance,
                semantic_rank: r.semantic_rank,
                text_rank: r.text_rank,
            })
        })
        .collect())
}

/// Re-sorts a ranked set by the list's sort keys (stable: equal keys keep the relevance order).
pub fn sort_ranked(items: &mut [RankedVehicle], keys: &[SortKey]) {
    items.sort_by(|a, b| {
        keys.iter()
            .map(|key| {
                let order = compare_by(&a.vehicle, &b.vehicle, key.field);
                if key.descending { order.reverse() } else { order }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
}

fn compare_by(a: &Vehicle, b: &Vehicle, field: SortField) -> Ordering {
    match field {
        SortField::Vin => a.vin.cmp(&b.vin),
        SortField::Plate => a.plate.cmp(&b.plate),
        SortField::Brand => a.brand.cmp(&b.brand),
        SortField::Model => a.model.cmp(&b.model),
        SortField::RegistrationYear => a.registration_year.cmp(&b.registration_year),
        SortField::ReceptionDate => a.reception_date.cmp(&b.reception_date),
        SortField::DaysInStock => a.days_in_stock.cmp(&b.days_in_stock),
        SortField::MileageKm => a.mileage_km.cmp(&b.mileage_km),
        SortField::PowerCv => a.power_cv.cmp(&b.power_cv),
        SortField::SalePrice => a.sale_price.cmp(&b.sale_price),
        SortField::EstimatedMargin => a.estimated_margin.cmp(&b.estimated_margin),
        SortField::PriceDifference => a.price_difference.cmp(&b.price_difference),
        SortField::UpdatedAt => a.updated_at.cmp(&b.updated_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vehicle(vin: &str) -> Vehicle {
        serde_json::from_value(serde_json::json!({
            "vin": vin, "legacy_vin": false, "brand": "SEAT", "model": "Ibiza", "reception_date": "2026-01-01",
            "mileage_km": 0, "stock_type": "VO", "status": "available", "reserved": false, "published": false,
            "sale_price": "10000.00", "online_visits": 0, "online_calls": 0, "online_leads": 0, "days_in_stock": 1,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "plate": null, "version": null, "registration_year": null, "registration_date": null, "colour": null,
            "fuel": null, "transmission": null, "power_cv": null, "vehicle_type": null, "reserved_at": null,
            "listing_url": null, "dealer_id": null, "dealer_name": null, "province_id": null, "province_code": null,
            "province_name": null, "location": null, "purchase_price": null, "total_cost": null,
            "previous_price": null, "description": null, "estimated_margin": null, "price_difference": null
        }))
        .unwrap()
    }

    fn scored(vin: &str, score: f64) -> Scored {
        (vin.to_owned(), score)
    }

    #[test]
    fn fusion_rewards_agreement_and_keeps_both_rankings() {
        let meaning = vec![scored("A", 0.9), scored("B", 0.8), scored("C", 0.7)];
        let words = vec![scored("C", 1.0), scored("D", 0.5)];
        let fused = fuse(meaning, words);
        let order: Vec<&str> = fused.iter().map(|r| r.vin.as_str()).collect();
        // C is in both lists, so it beats A (first by meaning only).
        assert_eq!(order, ["C", "A", "B", "D"]);
        assert_eq!((fused[0].semantic_rank, fused[0].text_rank), (Some(3), Some(1)));
        assert!(fused.iter().all(|r| r.relevance > 0.0 && r.relevance <= 1.0));
        let first_in_both = fuse(vec![scored("A", 0.9)], vec![scored("A", 1.0)]);
        assert!((first_in_both[0].relevance - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_sort_reorders_the_ranked_set_stably() {
        let mut items: Vec<RankedVehicle> = single(vec![scored("B", 0.9), scored("A", 0.8), scored("C", 0.7)], true)
            .into_iter()
            .map(|r| RankedVehicle {
                vehicle: vehicle(&r.vin),
                relevance: r.relevance,
                semantic_rank: r.semantic_rank,
                text_rank: r.text_rank,
            })
            .collect();
        sort_ranked(&mut items, &[SortKey { field: SortField::Vin, descending: false }]);
        let order: Vec<&str> = items.iter().map(|r| r.vehicle.vin.as_str()).collect();
        assert_eq!(order, ["A", "B", "C"]);
        sort_ranked(&mut items, &[SortKey { field: SortField::Brand, descending: true }]);
        assert_eq!(items[0].vehicle.vin, "A", "equal keys keep their order");
    }
}
