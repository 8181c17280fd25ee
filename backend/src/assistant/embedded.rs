//! The embedded planner as a [`ChatModel`]: the default when no language model is configured.
//! It reads the conversation like any model: a new question gets tool calls, tool results
//! get the answer, written by [`super::planner`] from those results only.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::BoxFuture;

use super::chat::typed_result;
use super::model::{ChatModel, Completion, ModelError, ModelMessage, RequestedCall, Tokens, estimate_tokens};
use super::planner::{self, Plan, Vocabulary};
use super::tools::ToolRequest;
use crate::config::Config;
use crate::db::DbPool;
use crate::db::schema::{dealers, provinces, vehicles};

pub const NAME: &str = "embedded-planner";
/// Brands, dealers and provinces change rarely; a new one is recognised within this.
const VOCABULARY_TTL: Duration = Duration::from_secs(60);

pub struct EmbeddedPlanner {
    pool: DbPool,
    config: Arc<Config>,
    vocabulary: Mutex<Option<(Instant, Arc<Vocabulary>)>>,
}

impl EmbeddedPlanner {
    pub fn new(pool: DbPool, config: Arc<Config>) -> Self {
        EmbeddedPlanner { pool, config, vocabulary: Mutex::new(None) }
    }

    async fn vocabulary(&self) -> Result<Arc<Vocabulary>, ModelError> {
        if let Some((loaded, vocabulary)) = &*self.vocabulary.lock().expect("not poisoned")
            && loaded.elapsed() < VOCABULARY_TTL
        {
            return Ok(vocabulary.clone());
        }
        let unavailable = |e: &dyn std::fmt::Display| ModelError::Unavailable(format!("the stock is unreachable: {e}"));
        let mut conn = self.pool.get().await.map_err(|e| unavailable(&e))?;
        let vocabulary = Arc::new(load_vocabulary(&mut conn).await.map_err(|e| unavailable(&e))?);
        *self.vocabulary.lock().expect("not poisoned") = Some((Instant::now(), vocabulary.clone()));
        Ok(vocabulary)
    }
}

/// Sends a written answer word by word, as a model would stream it.
fn stream(text: &str, tokens: &Tokens) {
    for piece in text.split_inclusive(' ') {
        let _ = tokens.send(piece.to_owned());
    }
}

/// The calls of the last round of tool calls in `messages`, parsed.
fn calls_of(messages: &[ModelMessage]) -> Vec<ToolRequest> {
    messages
        .iter()
        .rev()
        .find_map(|m| match m {
            ModelMessage::Assistant { tool_calls, .. } if !tool_calls.is_empty() => Some(tool_calls),
            _ => None,
        })
        .map(|calls| calls.iter().filter_map(|c| ToolRequest::parse(&c.name, &c.arguments).ok()).collect())
        .unwrap_or_default()
}

impl ChatModel for EmbeddedPlanner {
    fn name(&self) -> &str {
        NAME
    }

    fn complete<'a>(
        &'a self,
        messages: &'a [ModelMessage],
        tokens: &'a Tokens,
    ) -> BoxFuture<'a, Result<Completion, ModelError>> {
        Box::pin(async move {
            let asked = messages.iter().rposition(|m| matches!(m, ModelMessage::User(_))).unwrap_or(0);
            let question = match &messages.get(asked) {
                Some(ModelMessage::User(question)) => question.as_str(),
                _ => "",
            };
            let language = planner::detect_language(question);
            let since_question = &messages[asked + 1..];
            let answered = |text: String| {
                stream(&text, tokens);
                let tokens = estimate_tokens(&text);
                Completion { text, tool_calls: Vec::new(), model: NAME.into(), tokens }
            };
            // Tool results are in: write the answer from them.
            if since_question.iter().any(|m| matches!(m, ModelMessage::Tool { .. })) {
                let mut results = Vec::new();
                for message in since_question {
                    if let ModelMessage::Assistant { tool_calls, .. } = message {
                        for call in tool_calls {
                            let Ok(request) = ToolRequest::parse(&call.name, &call.arguments) else { continue };
                            let result = since_question.iter().find_map(|m| match m {
                                ModelMessage::Tool { call_id, content } if *call_id == call.id => Some(content),
                                _ => None,
                            });
                            let output = match result.map(|r| serde_json::from_str(r)) {
                                Some(Ok(value)) => typed_result(&call.name, &value),
                                _ => Err("no result".to_owned()),
                            };
                            results.push((request, output));
                        }
                    }
                }
                return Ok(answered(planner::answer(language, question, &results)));
            }
            let previous = calls_of(&messages[..asked]);
            let vocabulary = self.vocabulary().await?;
            match planner::plan(question, &previous, &vocabulary, self.config.today()) {
                Plan::Calls { calls, .. } => Ok(Completion {
                    text: String::new(),
                    tool_calls: calls
                        .iter()
                        .enumerate()
                        .map(|(i, call)| RequestedCall {
                            id: format!("call_{}", i + 1),
                            name: call.name().to_owned(),
                            arguments: call.arguments().to_string(),
                        })
                        .collect(),
                    model: NAME.into(),
                    tokens: estimate_tokens(question),
                }),
                Plan::NotUnderstood { language } => Ok(answered(planner::not_understood(language))),
            }
        })
    }
}

/// The names the embedded planner recognises in questions.
async fn load_vocabulary(conn: &mut AsyncPgConnection) -> QueryResult<Vocabulary> {
    // A loose index scan over (brand, model): one index probe per distinct pair, not per vehicle.
    let models: Vec<(String, String)> = diesel::sql_query(
        "WITH RECURSIVE pairs(brand, model) AS ( \
             (SELECT brand, model FROM vehicles ORDER BY brand, model LIMIT 1) \
             UNION ALL \
             SELECT n.brand, n.model FROM pairs p CROSS JOIN LATERAL ( \
                 SELECT v.brand, v.model FROM vehicles v WHERE (v.brand, v.model) > (p.brand, p.model) \
                 ORDER BY v.brand, v.model LIMIT 1) n) \
         SELECT brand, model FROM pairs",
    )
    .load::<BrandModel>(conn)
    .await?
    .into_iter()
    .map(|row| (row.brand, row.model))
    .collect();
    let mut brands: Vec<String> = models.iter().map(|(brand, _)| brand.clone()).collect();
    brands.dedup();
    let vehicle_types: Vec<Option<String>> =
        vehicles::table.select(vehicles::vehicle_type).distinct().load(conn).await?;
    let dealers: Vec<(i64, String)> = dealers::table.select((dealers::id, dealers::name)).load(conn).await?;
    let provinces: Vec<(String, String)> =
        provinces::table.select((provinces::code, provinces::name)).load(conn).await?;
    Ok(Vocabulary { brands, models, vehicle_types: vehicle_types.into_iter().flatten().collect(), dealers, provinces })
}

#[derive(QueryableByName)]
struct BrandModel {
    #[diesel(sql_type = Text)]
    brand: String,
    #[diesel(sql_type = Text)]
    model: String,
}
