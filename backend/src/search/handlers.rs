use std::sync::Arc;

use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use pgvector::HalfVector;
use serde::Deserialize;
use shared::stock::Vin;
use shared::stock::{MAX_RANKED_RESULTS, RankedVehicle, SearchMode, SearchPage, StockFilter, StockQuery};
use shared::{ErrorBody, FieldProblem, Permission};

use super::ranking::{self, Exclusions, Meaning};
use crate::auth::CurrentUser;
use crate::db::schema::{embedding_model, passage_embeddings, vehicles};
use crate::error::{ApiError, ApiResult, Problems};
use crate::state::AppState;
use crate::stock::filters::Sort;
use crate::stock::index::{StockTable, from_index};
use crate::stock::page_params;

/// The stock ranked by how well each vehicle matches `q`: by meaning, by words, or both fused
/// (the default). Every filter of the stock list applies; without `sort` the answer is in
/// relevance order, with one the ranked set (at most 100 vehicles) is re-sorted by it.
#[utoipa::path(
    get, tag = "stock", security(("bearer" = [])),
    params(
        ("q" = String, Query, min_length = 1, max_length = 500,
            description = "What the customer asks for, in Spanish or English", example = "familiar diésel con maletero grande"),
        ("sort" = Option<String>, Query, description = "As in the list; absent means relevance order"),
        StockQuery,
    ),
    responses(
        (status = 200, body = SearchPage),
        (status = 403, body = ErrorBody),
        (status = 422, description = "A missing or too long `q`, an unknown `mode`, or a bad filter", body = ErrorBody),
        (status = 503, description = "`mode=semantic` while no embedding model is available", body = ErrorBody),
    )
)]
#[get("/search")]
pub async fn search_vehicles(
    state: web::Data<AppState>,
    caller: CurrentUser,
    query: web::Query<StockQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::ReadStock)?;
    let page = page_params(&query)?.resolve_default()?;
    let Ranking { ranked, mode, sort, mut conn, in_memory } = rank(&state, &query).await?;
    let today = state.config.today();
    let total = ranked.len() as i64;
    let (offset, size) = (page.offset() as usize, page.page_size as usize);
    // Only the rows shown are read, unless a sort needs every ranked vehicle's values.
    let items: Vec<RankedVehicle> = match &sort {
        Some(keys) => {
            let mut all = ranking::load(&mut conn, ranked, today).await?;
            ranking::sort_ranked(&mut all, keys.keys());
            all.into_iter().skip(offset).take(size).collect()
        }
        None => ranking::load(&mut conn, ranked.into_iter().skip(offset).take(size).collect(), today).await?,
    };
    let response = HttpResponse::Ok().json(SearchPage {
        items,
        total,
        page: page.page,
        page_size: page.page_size,
        mode,
        semantic_available: state.semantic.embedder().is_ok(),
    });
    Ok(if in_memory { from_index(response) } else { response })
}

/// Every vehicle a ranked search finds (at most 100), in its order, as a CSV or XLSX file with
/// the export's columns: what the table shows in a search by meaning.
#[utoipa::path(
    get, tag = "stock", security(("bearer" = [])),
    params(
        ("q" = String, Query, min_length = 1, max_length = 500),
        ("sort" = Option<String>, Query, description = "As in the search; absent means relevance order"),
        StockQuery,
        crate::stock::export::ExportParams,
    ),
    responses(
        (status = 200, description = "The file: CSV, or XLSX with `format=xlsx`", content(
            (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
#[get("/search/export")]
pub async fn export_ranked(
    state: web::Data<AppState>,
    caller: CurrentUser,
    query: web::Query<StockQuery>,
    params: web::Query<crate::stock::export::ExportParams>,
) -> ApiResult<actix_web::HttpResponse> {
    caller.require(Permission::ReadStock)?;
    let Ranking { ranked, sort, mut conn, .. } = rank(&state, &query).await?;
    let today = state.config.today();
    let mut all = ranking::load(&mut conn, ranked, today).await?;
    if let Some(keys) = &sort {
        ranking::sort_ranked(&mut all, keys.keys());
    }
    let vehicles: Vec<_> = all.into_iter().map(|r| r.vehicle).collect();
    crate::stock::export::file_of(&params, &vehicles, today)
}

/// A search's ranking, before any row is read.
struct Ranking {
    ranked: Vec<ranking::Ranked>,
    /// The mode that answered (`text` when meaning is unavailable to a hybrid search).
    mode: SearchMode,
    sort: Option<Sort>,
    conn: crate::db::DbConn,
    /// Ranked by meaning from the stock index's codes.
    in_memory: bool,
}

async fn rank(state: &AppState, query: &StockQuery) -> ApiResult<Ranking> {
    let prepared = prepare(state, query).await?;
    let mut conn = state.pool.get().await?;
    let ranked = rank_on(&mut conn, state, &prepared, MAX_RANKED_RESULTS).await?;
    let in_memory = prepared.ranks_in_memory();
    Ok(Ranking { ranked, mode: prepared.mode, sort: prepared.sort, conn, in_memory })
}

/// A search checked and its text embedded: everything before the database is asked.
pub(crate) struct PreparedSearch {
    filter: StockFilter,
    sort: Option<Sort>,
    /// The mode that will answer (`text` when meaning is unavailable to a hybrid search).
    pub mode: SearchMode,
    target: Option<(Arc<Vec<f32>>, String)>,
    /// The stock index as it was when the search was prepared, if current.
    stock_index: Option<Arc<StockTable>>,
}

impl PreparedSearch {
    /// Whether the ranking by meaning comes from the stock index's codes.
    fn ranks_in_memory(&self) -> bool {
        let Some((vector, model)) = &self.target else { return false };
        self.stock_index.as_ref().is_some_and(|index| index.has_codes_of(model, vector.len()))
    }
}

pub(crate) async fn prepare(state: &AppState, query: &StockQuery) -> ApiResult<PreparedSearch> {
    let mut problems = Problems::default();
    let mode = query.mode().map_err(|problem| problems.add("mode", problem)).unwrap_or(SearchMode::Hybrid);
    let filter = query.filter(state.config.today().year()).map_err(|bad| problems.add_all(bad)).unwrap_or_default();
    // Without a sort the answer stays in relevance order.
    let sort = match query.sort.as_deref().is_some_and(|sort| !sort.trim().is_empty()) {
        true => query.sort().map_err(|problem| problems.add("sort", problem)).ok(),
        false => None,
    };
    let text = filter.q.clone().unwrap_or_default();
    if text.is_empty() {
        problems.add("q", FieldProblem::Required);
    }
    problems.into_result()?;
    // Meaning needs the query's vector; without a model a hybrid search answers from words.
    let target = match (mode, state.semantic.embedder()) {
        (SearchMode::Text, _) => None,
        (SearchMode::Semantic, Err(error)) => return Err(error),
        (SearchMode::Hybrid, Err(_)) => None,
        (_, Ok(embedder)) => match state.semantic.embed_query(&text).await {
            Ok(vector) => Some((vector, embedder.model_id().to_owned())),
            Err(error) if mode == SearchMode::Hybrid => {
                tracing::warn!(%error, "query not embedded; answering from words");
                None
            }
            Err(error) => {
                tracing::warn!(%error, "query not embedded");
                return Err(ApiError::Unavailable("semantic search"));
            }
        },
    };
    let mode = if target.is_none() { SearchMode::Text } else { mode };
    let stock_index = if target.is_some() { state.stock_index.fresh() } else { None };
    Ok(PreparedSearch { filter, sort, mode, target, stock_index })
}

/// The ranking of a prepared search: at most `limit` vehicles, best first.
pub(crate) async fn rank_on(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    prepared: &PreparedSearch,
    limit: i64,
) -> diesel::QueryResult<Vec<ranking::Ranked>> {
    let PreparedSearch { filter, mode, target, stock_index, .. } = prepared;
    let today = state.config.today();
    let by_meaning = match target {
        Some((vector, model)) => {
            let meaning = Meaning {
                target: vector,
                model,
                limit,
                exact_below: state.config.semantic_exact_below,
                stock_index: stock_index.as_deref(),
            };
            ranking::by_meaning(conn, filter, &Exclusions::default(), today, &meaning).await?
        }
        None => Vec::new(),
    };
    let by_words = match mode {
        SearchMode::Semantic => Vec::new(),
        _ => ranking::by_words(conn, filter, today, limit).await?,
    };
    Ok(match mode {
        SearchMode::Hybrid => ranking::fuse(by_meaning, by_words),
        SearchMode::Semantic => ranking::single(by_meaning, true),
        SearchMode::Text => ranking::single(by_words, false),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarParams {
    /// How many vehicles (1 to 50, default 8).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<i64>,
}

/// The vehicles nearest in meaning to this one (sold ones and itself left out), best first.
/// Empty while its text has not been embedded yet.
#[utoipa::path(
    get, tag = "stock", security(("bearer" = [])),
    params(("vin" = String, Path), SimilarParams),
    responses(
        (status = 200, body = Vec<RankedVehicle>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
#[get("/{vin}/similar")]
pub async fn similar_vehicles(
    state: web::Data<AppState>,
    caller: CurrentUser,
    vin: web::Path<Vin>,
    params: web::Query<SimilarParams>,
) -> ApiResult<web::Json<Vec<RankedVehicle>>> {
    caller.require(Permission::ReadStock)?;
    let limit = params.limit.unwrap_or(8);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::field("limit", if limit < 1 { FieldProblem::TooShort } else { FieldProblem::TooLong }));
    }
    let embedder = state.semantic.embedder()?;
    let vin = vin.into_inner();
    let mut conn = state.pool.get().await?;
    let found: Option<(Option<HalfVector>, Option<String>)> = vehicles::table
        .left_join(passage_embeddings::table.on(passage_embeddings::passage_key.nullable().eq(vehicles::passage_key)))
        .filter(vehicles::vin.eq(vin.as_str()))
        .select((
            passage_embeddings::embedding.nullable(),
            embedding_model::table.select(embedding_model::model).single_value(),
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((embedding, stored_model)) = found else {
        return Err(ApiError::NotFound("vehicle"));
    };
    let target: Vec<f32> = match embedding {
        Some(vector) if stored_model.as_deref() == Some(embedder.model_id()) => {
            vector.to_vec().into_iter().map(f32::from).collect()
        }
        _ => return Ok(web::Json(Vec::new())),
    };
    let exclusions = Exclusions { vin: Some(vin.into()), sold: true };
    let index = state.stock_index.fresh();
    let meaning = Meaning {
        target: &target,
        model: embedder.model_id(),
        limit,
        exact_below: state.config.semantic_exact_below,
        stock_index: index.as_deref(),
    };
    let filter = StockFilter::default();
    let today = state.config.today();
    let nearest = ranking::by_meaning(&mut conn, &filter, &exclusions, today, &meaning).await?;
    Ok(web::Json(ranking::load(&mut conn, ranking::single(nearest, true), today).await?))
}
