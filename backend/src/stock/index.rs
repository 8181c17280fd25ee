//! The stock's filter and sort columns, held in this process's memory, so the list's count,
//! its page order and the facets are computed without PostgreSQL: with varied filters the
//! database spent ~15 ms of CPU per list request (a page walk and an exact count) and over a
//! second per facets request under load, while a scan of 100,000 compact rows here takes about
//! a millisecond. PostgreSQL then only fetches the page's rows by primary key.
//!
//! The index answers exactly what the SQL of [`super::filters`] answers (the API tests run both
//! over the same random queries). It is trusted under the same rule as the answers kept in
//! memory ([`crate::cache::memory`]): it was loaded at the current generation, which moves on
//! with every stock, dealer or province change anyone makes (the `cache_invalidated`
//! notification) and every write this process serves. A stale index is dropped and rebuilt in
//! the background while requests fall back to SQL.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryStreamExt;
use memchr::memmem::Finder;
use pgvector::HalfVector;
use tokio::sync::Notify;

use super::filters::{Facet, SortField, SortKey};
use crate::cache::memory::{Generation, Stamp};
use crate::db::DbPool;
use crate::db::schema::{dealers, embedding_model, passage_embeddings, provinces, vehicles};
use crate::search::codes::{Codes, QueryTables};
use crate::search::ranking::Exclusions;
use shared::stock::StockFilter;

/// Writes come in bursts (an import, a bulk edit): a rebuild waits for a quiet moment.
const SETTLE: Duration = Duration::from_millis(100);
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(5);
/// How often vectors the worker stored since are looked for, while some vehicle has none.
const CODES_POLL: Duration = Duration::from_secs(2);
/// Vectors this much older than the last look are read again: a worker's batch is stamped as
/// it is written, a moment before its commit, so one committed after a look may carry an
/// earlier time.
const CODES_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// The vectors sampled for the mean that centres the codes.
const MEAN_SAMPLE: i64 = 4096;
/// No such value (a NULL column, or a filter value no vehicle has).
const NONE: u32 = u32::MAX;

/// The index of this process, its rebuilds and the rule for trusting it.
pub struct StockIndex {
    generation: Arc<Generation>,
    current: RwLock<Option<Arc<StockTable>>>,
    wake: Notify,
    max_vehicles: i64,
    /// The embedding model this process searches with: its vectors are kept as codes.
    model: Option<String>,
}

impl StockIndex {
    /// Follows `generation` (the cached answers' one); above `max_vehicles` no index is kept.
    /// With a `model`, each vehicle's vector of that model is kept too, as a code.
    pub fn new(generation: Arc<Generation>, max_vehicles: i64, model: Option<String>) -> Self {
        StockIndex { generation, current: RwLock::new(None), wake: Notify::new(), max_vehicles, model }
    }

    /// The index, if it holds the stock as this process last heard of it; otherwise `None`
    /// (answer from SQL) and a rebuild is asked for.
    pub fn fresh(&self) -> Option<Arc<StockTable>> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner()).clone();
        match (current, self.generation.stamp()) {
            (Some(table), Some(now)) if table.stamp == now => Some(table),
            _ => {
                self.wake.notify_one();
                None
            }
        }
    }

    /// Rebuilds the index whenever it is asked for, for as long as the process runs.
    pub async fn keep_current(self: Arc<Self>, pool: DbPool) {
        self.wake.notify_one();
        loop {
            self.wake.notified().await;
            tokio::time::sleep(SETTLE).await;
            let Some(stamp) = self.generation.stamp() else { continue };
            if self.fresh_at(stamp) {
                continue;
            }
            // The old index is out of date: its memory goes before the new one is loaded.
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = None;
            let started = std::time::Instant::now();
            match load(&pool, stamp, self.max_vehicles, self.model.as_deref()).await {
                Ok(Some(table)) if self.generation.stamp() == Some(stamp) => {
                    let elapsed_ms = started.elapsed().as_millis();
                    tracing::debug!(vehicles = table.rows.len(), elapsed_ms, "stock index loaded");
                    *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(table));
                }
                // Changed while loading: the next request asks again.
                Ok(Some(_)) => {}
                Ok(None) => tracing::debug!(max = self.max_vehicles, "stock too large for the in-memory index"),
                Err(error) => {
                    tracing::warn!(%error, "could not load the stock index; answering from SQL");
                    tokio::time::sleep(RETRY_AFTER_ERROR).await;
                }
            }
        }
    }

    fn fresh_at(&self, stamp: Stamp) -> bool {
        self.current.read().unwrap_or_else(|p| p.into_inner()).as_ref().is_some_and(|t| t.stamp == stamp)
    }

    /// Gives the current index's vehicles the vectors the embedding worker (of any replica)
    /// stores after it was loaded, for as long as the process runs.
    pub async fn keep_codes_current(self: Arc<Self>, pool: DbPool) {
        loop {
            tokio::time::sleep(CODES_POLL).await;
            let current = self.current.read().unwrap_or_else(|p| p.into_inner()).clone();
            let Some(table) = current else { continue };
            match table.fill_codes(&pool).await {
                Ok(false) => {}
                // Made again at once, centred on enough vectors.
                Ok(true) => {
                    *self.current.write().unwrap_or_else(|p| p.into_inner()) = None;
                    self.wake.notify_one();
                }
                Err(error) => tracing::warn!(%error, "could not read the new vectors"),
            }
        }
    }
}

/// Marks an answer computed from the in-memory index (browsers' developer tools show it; the
/// benchmarks and tests check it).
pub fn from_index(mut response: actix_web::HttpResponse) -> actix_web::HttpResponse {
    let value = actix_web::http::header::HeaderValue::from_static("stock-index");
    response.headers_mut().insert(actix_web::http::header::HeaderName::from_static("server-timing"), value);
    response
}

/// One vehicle's filter and sort columns. Text is interned (`u32` ids, [`NONE`] for NULL),
/// nullable numbers use their type's minimum as NULL: 96 bytes a vehicle.
#[derive(Debug, Clone, Copy)]
struct Row {
    sale_price: i64,
    margin: i64,
    price_difference: i64,
    updated_at: i64,
    mileage_km: i32,
    reception_day: i32,
    registration_year: i32,
    power_cv: i32,
    brand: u32,
    model: u32,
    vehicle_type: u32,
    fuel: u32,
    transmission: u32,
    stock_type: u32,
    status: u32,
    plate: u32,
    dealer: u32,
    province: u32,
    reserved: bool,
    published: bool,
}

const NULL_I64: i64 = i64::MIN;
const NULL_I32: i32 = i32::MIN;

/// Many strings in one buffer.
#[derive(Default)]
struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    fn push(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len() as u32);
    }

    fn get(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] as usize };
        &self.text[start..self.ends[index] as usize]
    }

    /// The index of `value` in strings held in byte order.
    fn find_sorted(&self, value: &str) -> Option<usize> {
        let (mut low, mut high) = (0, self.ends.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.get(middle).as_bytes().cmp(value.as_bytes()) {
                Ordering::Less => low = middle + 1,
                Ordering::Greater => high = middle,
                Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// The indices, ascending, of the strings that contain every one of `words` (all of them
    /// when there are none). The first word is searched for through the whole buffer at once
    /// (a vectorised scan, far cheaper than asking each string in turn), the others only in
    /// the strings it was found in.
    fn containing_all(&self, words: &[String]) -> Vec<u32> {
        let Some((first, others)) = words.split_first() else { return (0..self.ends.len() as u32).collect() };
        let others: Vec<Finder> = others.iter().map(|word| Finder::new(word.as_bytes())).collect();
        let mut found = Vec::new();
        let (text, first) = (self.text.as_bytes(), Finder::new(first.as_bytes()));
        let mut from = 0;
        while let Some(at) = first.find(&text[from..]).map(|hit| from + hit) {
            // The string the hit starts in: the first one ending after it.
            let index = self.ends.partition_point(|&end| end as usize <= at);
            let Some(&end) = self.ends.get(index) else { break };
            let end = end as usize;
            if at + first.needle().len() > end {
                // The hit runs into the next string: not a match, look again just after it.
                from = at + 1;
                continue;
            }
            if others.iter().all(|word| word.find(self.get(index).as_bytes()).is_some()) {
                found.push(index as u32);
            }
            from = end;
        }
        found
    }
}

/// Distinct values, each with an id and its rank in byte order (the database's order under
/// the C collation).
#[derive(Default)]
struct Values {
    ids: HashMap<String, u32>,
    values: Vec<String>,
    ranks: Vec<u32>,
}

impl Values {
    fn intern(&mut self, value: Option<&str>) -> u32 {
        let Some(value) = value else { return NONE };
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.to_owned());
        self.ids.insert(value.to_owned(), id);
        id
    }

    fn id(&self, value: &str) -> u32 {
        self.ids.get(value).copied().unwrap_or(NONE)
    }

    fn rank(&self, id: u32) -> i64 {
        if id == NONE { NULL_I64 } else { i64::from(self.ranks[id as usize]) }
    }

    fn finish(&mut self) {
        let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.values[*a as usize].as_bytes().cmp(self.values[*b as usize].as_bytes()));
        self.ranks = vec![0; order.len()];
        for (rank, id) in order.into_iter().enumerate() {
            self.ranks[id as usize] = rank as u32;
        }
    }
}

/// The stock as loaded at one generation, rows in VIN order.
pub struct StockTable {
    stamp: Stamp,
    rows: Vec<Row>,
    vins: Strings,
    texts: Strings,
    /// Brands, models, vehicle types (lower-cased) and enumerations.
    values: Values,
    /// Only the plates' ranks are kept (ids are ranks' indexes).
    plates: Values,
    /// The rows of each brand, in order: most lists name a brand, and then only its rows
    /// are looked at.
    rows_by_brand: HashMap<u32, Vec<u32>>,
    /// Dealer and province ids, interned.
    dealer_ids: Vec<i64>,
    province_ids: Vec<i64>,
    province_by_code: HashMap<String, i64>,
    dealer_names: HashMap<i64, String>,
    /// Code and name by id.
    province_names: HashMap<i64, (String, String)>,
    /// Whether the database orders text byte by byte, as this index does.
    bytewise_text_order: bool,
    /// Each row's vector, as a code ([`crate::search::codes`]), when semantic search is on.
    codes: Option<RwLock<Codes>>,
    /// Vectors stored after this (database clock) may not be in `codes` yet.
    codes_since: tokio::sync::Mutex<chrono::DateTime<chrono::Utc>>,
}

/// Which filters a row fails, as bits: the facets count rows failing only their own.
type Failed = u8;
const OTHER: Failed = 1;
const BRAND: Failed = 2;
const MODEL: Failed = 4;
const FUEL: Failed = 8;
const PROVINCE: Failed = 16;
const DEALER: Failed = 32;
const STOCK_TYPE: Failed = 64;

fn facet_bits(facet: Facet) -> Failed {
    match facet {
        // Counting brands leaves out the model too (a model belongs to one brand).
        Facet::Brand => BRAND | MODEL,
        Facet::Model => MODEL,
        Facet::Fuel => FUEL,
        Facet::Province => PROVINCE,
        Facet::Dealer => DEALER,
        Facet::StockType => STOCK_TYPE,
    }
}

/// A [`StockFilter`] in the index's terms.
struct Compiled {
    /// The rows whose search text holds every word, ascending (`None`: no words asked).
    text_rows: Option<Vec<u32>>,
    brand: Option<u32>,
    model: Option<u32>,
    vehicle_type: Option<u32>,
    fuel: Option<u32>,
    transmission: Option<u32>,
    stock_type: Option<u32>,
    status: Option<u32>,
    dealer: Option<i64>,
    /// `Some(None)`: a province code no province has (the SQL sub-select is NULL: no rows).
    province: Option<Option<i64>>,
    reserved: Option<bool>,
    published: Option<bool>,
    price: (i64, i64),
    km: (i32, i32),
    year: Option<(i32, i32)>,
    reception: (i32, i32),
}

/// A vehicle a ranking by meaning may return.
pub struct Candidate<'a> {
    pub vin: &'a str,
    /// Its text's key, the key of its vector.
    pub text: uuid::Uuid,
    /// Its reception date ([`day_number`]): the newest first among vehicles of one text.
    pub reception_day: i32,
}

/// Counts per value of one facet column.
pub type FacetCounts = Vec<(String, i64)>;

/// The facets' counts, by column; provinces and dealers by id.
pub struct IndexFacets {
    pub brands: FacetCounts,
    pub models: FacetCounts,
    pub fuels: FacetCounts,
    pub stock_types: FacetCounts,
    pub provinces: Vec<(i64, i64)>,
    pub dealers: Vec<(i64, i64)>,
}

impl StockTable {
    pub fn dealer_name(&self, id: i64) -> Option<&str> {
        self.dealer_names.get(&id).map(String::as_str)
    }

    /// A province's code and name.
    pub fn province(&self, id: i64) -> Option<(&str, &str)> {
        self.province_names.get(&id).map(|(code, name)| (code.as_str(), name.as_str()))
    }

    fn compile(&self, filter: &StockFilter, today: NaiveDate) -> Compiled {
        let value = |v: Option<&str>| v.map(|v| self.values.id(v));
        let day = |days: Option<i32>| days.map(|d| day_number(super::filters::days_before(today, d)));
        let words = filter.words();
        Compiled {
            text_rows: (!words.is_empty()).then(|| self.texts.containing_all(&words)),
            brand: value(filter.brand.as_deref()),
            model: value(filter.model.as_deref()),
            vehicle_type: filter.vehicle_type.as_deref().map(|v| self.values.id(&v.to_lowercase())),
            fuel: value(filter.fuel.map(|f| f.as_str())),
            transmission: value(filter.transmission.map(|t| t.as_str())),
            stock_type: value(filter.stock_type.map(|s| s.as_str())),
            status: value(filter.status.map(|s| s.as_str())),
            dealer: filter.dealer_id,
            province: filter.province.as_deref().map(|code| self.province_by_code.get(code).copied()),
            reserved: filter.reserved,
            published: filter.published,
            price: (filter.price_min.map_or(i64::MIN, |m| m.cents()), filter.price_max.map_or(i64::MAX, |m| m.cents())),
            km: (filter.km_min.unwrap_or(i32::MIN), filter.km_max.unwrap_or(i32::MAX)),
            year: (filter.year_min.is_some() || filter.year_max.is_some())
                .then(|| (filter.year_min.unwrap_or(i32::MIN + 1), filter.year_max.unwrap_or(i32::MAX))),
            // More days in stock is an earlier reception.
            reception: (
                day(filter.days_in_stock_max).unwrap_or(i32::MIN),
                day(filter.days_in_stock_min).unwrap_or(i32::MAX),
            ),
        }
    }

    /// The filters row `i` fails, but for the words: only rows that hold them are visited
    /// ([`Self::visited`]).
    fn failed(&self, filter: &Compiled, i: usize) -> Failed {
        let row = &self.rows[i];
        let mut failed = 0;
        let differs = |wanted: Option<u32>, id: u32| wanted.is_some_and(|w| w == NONE || w != id);
        if differs(filter.brand, row.brand) {
            failed |= BRAND;
        }
        if differs(filter.model, row.model) {
            failed |= MODEL;
        }
        if differs(filter.fuel, row.fuel) {
            failed |= FUEL;
        }
        if differs(filter.stock_type, row.stock_type) {
            failed |= STOCK_TYPE;
        }
        if filter.dealer.is_some_and(|d| row.dealer == NONE || self.dealer_ids[row.dealer as usize] != d) {
            failed |= DEALER;
        }
        if filter.province.is_some_and(|p| row.province == NONE || p != Some(self.province_ids[row.province as usize]))
        {
            failed |= PROVINCE;
        }
        let other = differs(filter.vehicle_type, row.vehicle_type)
            || differs(filter.transmission, row.transmission)
            || differs(filter.status, row.status)
            || filter.reserved.is_some_and(|r| r != row.reserved)
            || filter.published.is_some_and(|p| p != row.published)
            || !(filter.price.0..=filter.price.1).contains(&row.sale_price)
            || !(filter.km.0..=filter.km.1).contains(&row.mileage_km)
            || filter.year.is_some_and(|(min, max)| {
                row.registration_year == NULL_I32 || !(min..=max).contains(&row.registration_year)
            })
            || !(filter.reception.0..=filter.reception.1).contains(&row.reception_day);
        if other {
            failed |= OTHER;
        }
        failed
    }

    /// The rows worth asking [`Self::failed`] about, in VIN order: those holding the words,
    /// else (unless `all` are needed, as facets are) the named brand's, else all of them.
    fn visited<'a>(&'a self, filter: &'a Compiled, all: bool) -> Box<dyn Iterator<Item = usize> + 'a> {
        match (&filter.text_rows, filter.brand) {
            (Some(rows), _) => Box::new(rows.iter().map(|&i| i as usize)),
            (None, Some(brand)) if !all => {
                Box::new(self.rows_by_brand.get(&brand).into_iter().flatten().map(|&i| i as usize))
            }
            _ => Box::new(0..self.rows.len()),
        }
    }

    /// The rows matching `filter`, in VIN order.
    fn matching(&self, filter: &Compiled) -> Vec<u32> {
        self.visited(filter, false).filter(|&i| self.failed(filter, i) == 0).map(|i| i as u32).collect()
    }

    /// The total and the VINs of one page, in the order of `sort` (then VIN), or `None` when
    /// this database orders text differently from this index.
    pub fn page(
        &self,
        filter: &StockFilter,
        sort: &[SortKey],
        today: NaiveDate,
        offset: i64,
        limit: i64,
    ) -> Option<(i64, Vec<&str>)> {
        if !self.bytewise_text_order {
            return None;
        }
        let mut matches = self.matching(&self.compile(filter, today));
        // More days in stock is an earlier reception: that key's direction is flipped.
        let sort: Vec<(Column, bool)> = sort
            .iter()
            .map(|key| (Column::of(key.field), key.descending != (key.field == SortField::DaysInStock)))
            .collect();
        let last_descending = sort.last().is_some_and(|(_, descending)| *descending);
        let total = matches.len() as i64;
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(matches.len());
        let end = start.saturating_add(usize::try_from(limit).unwrap_or(0)).min(matches.len());
        let order = |a: &u32, b: &u32| self.compare(*a as usize, *b as usize, &sort, last_descending);
        if end < matches.len() && end > 0 {
            matches.select_nth_unstable_by(end - 1, order);
            matches.truncate(end);
        }
        matches.sort_unstable_by(order);
        Some((total, matches[start..end].iter().map(|i| self.vins.get(*i as usize)).collect()))
    }

    /// PostgreSQL's order: each key ascending with NULLs last (descending: reversed, NULLs
    /// first), then the VIN in the direction of the last key ([`super::filters::apply_sort`]).
    fn compare(&self, a: usize, b: usize, sort: &[(Column, bool)], last_descending: bool) -> Ordering {
        for &(column, descending) in sort {
            let (x, y) = (self.sort_value(a, column), self.sort_value(b, column));
            let order = match (x == NULL_I64, y == NULL_I64) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => x.cmp(&y),
            };
            let order = if descending { order.reverse() } else { order };
            if order != Ordering::Equal {
                return order;
            }
        }
        // Rows are in VIN order.
        if last_descending { b.cmp(&a) } else { a.cmp(&b) }
    }

    fn sort_value(&self, i: usize, column: Column) -> i64 {
        let row = &self.rows[i];
        let nullable = |v: i32| if v == NULL_I32 { NULL_I64 } else { i64::from(v) };
        match column {
            Column::Vin => i as i64,
            Column::Plate => self.plates.rank(row.plate),
            Column::Brand => self.values.rank(row.brand),
            Column::Model => self.values.rank(row.model),
            Column::Year => nullable(row.registration_year),
            Column::Reception => i64::from(row.reception_day),
            Column::Mileage => i64::from(row.mileage_km),
            Column::Power => nullable(row.power_cv),
            Column::Price => row.sale_price,
            Column::Margin => row.margin,
            Column::PriceDifference => row.price_difference,
            Column::Updated => row.updated_at,
        }
    }

    /// Whether [`Self::nearest`] answers for `model`'s vectors of `dimensions`.
    pub fn has_codes_of(&self, model: &str, dimensions: usize) -> bool {
        self.codes.as_ref().is_some_and(|codes| {
            let codes = codes.read().unwrap_or_else(|p| p.into_inner());
            codes.model() == model && codes.dimensions() == dimensions
        })
    }

    /// The `count` vehicles under `filter` (its words ignored, `exclusions` left out) whose
    /// vectors score best against `target` by their codes, best first; `None` without codes
    /// of `model`. Vehicles whose text has no vector yet are not found, as in SQL.
    pub fn nearest(
        &self,
        filter: &StockFilter,
        exclusions: &Exclusions,
        today: NaiveDate,
        (target, model): (&[f32], &str),
        count: usize,
    ) -> Option<Vec<Candidate<'_>>> {
        let codes = self.codes.as_ref()?.read().unwrap_or_else(|p| p.into_inner());
        if codes.model() != model {
            return None;
        }
        let query = QueryTables::new(target, &codes)?;
        let compiled = self.compile(&StockFilter { q: None, ..filter.clone() }, today);
        let mut rows = self.matching(&compiled);
        let except = exclusions.vin.as_deref().and_then(|vin| self.vins.find_sorted(vin));
        let sold = self.values.id("sold");
        rows.retain(|&i| Some(i as usize) != except && !(exclusions.sold && self.rows[i as usize].status == sold));
        let best = codes.best(&query, &rows, count);
        Some(
            best.into_iter()
                .map(|i| {
                    let i = i as usize;
                    // Only rows with a vector are ranked.
                    let text = codes.key(i).unwrap_or_default();
                    Candidate { vin: self.vins.get(i), text, reception_day: self.rows[i].reception_day }
                })
                .collect(),
        )
    }

    /// Reads the vectors stored since the last look into the codes of the vehicles that have
    /// none; `true` when the codes should be made again (their mean came from too few vectors).
    async fn fill_codes(&self, pool: &DbPool) -> anyhow::Result<bool> {
        let Some(codes) = &self.codes else { return Ok(false) };
        let (model, missing, poorly_centred) = {
            let codes = codes.read().unwrap_or_else(|p| p.into_inner());
            (codes.model().to_owned(), codes.missing(), codes.mean_from() < MEAN_SAMPLE / 16)
        };
        if missing == 0 {
            return Ok(false);
        }
        let mut since = self.codes_since.lock().await;
        let mut conn = pool.get().await?;
        if poorly_centred && stored_vectors(&mut conn, MEAN_SAMPLE / 16).await? >= MEAN_SAMPLE / 16 {
            return Ok(true);
        }
        let now: chrono::DateTime<chrono::Utc> =
            diesel::select(sql::<Timestamptz>("clock_timestamp()")).get_result(&mut conn).await?;
        let found: Vec<(String, uuid::Uuid, HalfVector)> = passage_embeddings::table
            .inner_join(vehicles::table.on(vehicles::passage_key.eq(passage_embeddings::passage_key.nullable())))
            .filter(passage_embeddings::embedded_at.gt(*since))
            .filter(diesel::dsl::exists(embedding_model::table.filter(embedding_model::model.eq(&model))))
            .select((vehicles::vin, passage_embeddings::passage_key, passage_embeddings::embedding))
            .load(&mut conn)
            .await?;
        *since = now - CODES_OVERLAP;
        let mut codes = codes.write().unwrap_or_else(|p| p.into_inner());
        for (vin, key, vector) in found {
            if let Some(row) = self.vins.find_sorted(&vin) {
                codes.set(row, key, &to_f32(&vector));
            }
        }
        Ok(false)
    }

    /// Each facet's values with their counts, each honouring the other filters.
    pub fn facets(&self, filter: &StockFilter, today: NaiveDate) -> IndexFacets {
        let compiled = self.compile(filter, today);
        let values = self.values.values.len();
        let (mut brands, mut models, mut fuels, mut stock_types) =
            (vec![0i64; values], vec![0i64; values], vec![0i64; values], vec![0i64; values]);
        let mut provinces = vec![0i64; self.province_ids.len()];
        let mut dealers = vec![0i64; self.dealer_ids.len()];
        let counts = |failed: Failed, facet: Facet| failed & !facet_bits(facet) == 0;
        for i in self.visited(&compiled, true) {
            let row = &self.rows[i];
            let failed = self.failed(&compiled, i);
            if failed & OTHER != 0 {
                continue;
            }
            if counts(failed, Facet::Brand) {
                brands[row.brand as usize] += 1;
            }
            // Models are only listed for the chosen brand.
            if filter.brand.is_some() && counts(failed, Facet::Model) {
                models[row.model as usize] += 1;
            }
            if counts(failed, Facet::Fuel) && row.fuel != NONE {
                fuels[row.fuel as usize] += 1;
            }
            if counts(failed, Facet::StockType) {
                stock_types[row.stock_type as usize] += 1;
            }
            if counts(failed, Facet::Province) && row.province != NONE {
                provinces[row.province as usize] += 1;
            }
            if counts(failed, Facet::Dealer) && row.dealer != NONE {
                dealers[row.dealer as usize] += 1;
            }
        }
        let named = |counts: Vec<i64>| -> FacetCounts {
            counts
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .map(|(id, n)| (self.values.values[id].clone(), n))
                .collect()
        };
        let by_id = |counts: Vec<i64>, ids: &[i64]| -> Vec<(i64, i64)> {
            counts.into_iter().enumerate().filter(|(_, n)| *n > 0).map(|(i, n)| (ids[i], n)).collect()
        };
        IndexFacets {
            brands: named(brands),
            models: named(models),
            fuels: named(fuels),
            stock_types: named(stock_types),
            provinces: by_id(provinces, &self.province_ids),
            dealers: by_id(dealers, &self.dealer_ids),
        }
    }
}

/// What a sort key orders by (resolved once per request, not per comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Vin,
    Plate,
    Brand,
    Model,
    Year,
    Reception,
    Mileage,
    Power,
    Price,
    Margin,
    PriceDifference,
    Updated,
}

impl Column {
    fn of(field: SortField) -> Column {
        match field {
            SortField::Vin => Column::Vin,
            SortField::Plate => Column::Plate,
            SortField::Brand => Column::Brand,
            SortField::Model => Column::Model,
            SortField::RegistrationYear => Column::Year,
            SortField::ReceptionDate | SortField::DaysInStock => Column::Reception,
            SortField::MileageKm => Column::Mileage,
            SortField::PowerCv => Column::Power,
            SortField::SalePrice => Column::Price,
            SortField::EstimatedMargin => Column::Margin,
            SortField::PriceDifference => Column::PriceDifference,
            SortField::UpdatedAt => Column::Updated,
        }
    }
}

/// Days since the common era: dates compare as numbers.
fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

/// How many vectors are stored, counting up to `up_to`.
async fn stored_vectors(conn: &mut AsyncPgConnection, up_to: i64) -> QueryResult<i64> {
    diesel::select(sql::<BigInt>(&format!(
        "(SELECT count(*) FROM (SELECT 1 FROM passage_embeddings LIMIT {up_to}) sample)"
    )))
    .get_result(conn)
    .await
}

fn to_f32(vector: &HalfVector) -> Vec<f32> {
    vector.as_slice().iter().map(|value| f32::from(*value)).collect()
}

/// Empty codes for `model`'s vectors, centred on a sample of them; `None` while the stored
/// vectors are another model's.
async fn empty_codes(conn: &mut AsyncPgConnection, model: &str, rows: usize) -> QueryResult<Option<Codes>> {
    let stored: Option<(String, i32)> = embedding_model::table
        .select((embedding_model::model, embedding_model::dimensions))
        .first(conn)
        .await
        .optional()?;
    let Some((_, dimensions)) = stored.filter(|(stored, _)| stored == model) else { return Ok(None) };
    let sample: Vec<HalfVector> =
        passage_embeddings::table.select(passage_embeddings::embedding).limit(MEAN_SAMPLE).load(conn).await?;
    let sample: Vec<Vec<f32>> = sample.iter().map(to_f32).collect();
    let dimensions = usize::try_from(dimensions).unwrap_or(0);
    Ok(Some(Codes::new(model.to_owned(), dimensions, &sample, rows)))
}

/// Loads the stock as of `stamp`, or `None` when it has more than `max_vehicles` vehicles;
/// with a `model`, the vehicles' vectors of that model too.
async fn load(
    pool: &DbPool,
    stamp: Stamp,
    max_vehicles: i64,
    model: Option<&str>,
) -> anyhow::Result<Option<StockTable>> {
    let mut conn = pool.get().await?;
    let total: i64 = vehicles::table.count().get_result(&mut conn).await?;
    if total > max_vehicles {
        return Ok(None);
    }
    let capacity = usize::try_from(total).unwrap_or(0);
    let codes_since: chrono::DateTime<chrono::Utc> =
        diesel::select(sql::<Timestamptz>("clock_timestamp()")).get_result(&mut conn).await?;
    let mut codes = match model {
        Some(model) => empty_codes(&mut conn, model, capacity).await?,
        None => None,
    };
    // Without codes, no vectors are read.
    let with_vectors = codes.is_some();
    // ICU collations never order byte by byte, whatever `datcollate` says.
    let collation: String = diesel::select(sql::<Text>(
        "(SELECT CASE WHEN datlocprovider = 'i' THEN 'icu' ELSE datcollate::text END \
          FROM pg_database WHERE datname = current_database())",
    ))
    .get_result(&mut conn)
    .await?;
    let province_names: Vec<(i64, String, String)> =
        provinces::table.select((provinces::id, provinces::code, provinces::name)).load(&mut conn).await?;
    let dealer_names: Vec<(i64, String)> = dealers::table.select((dealers::id, dealers::name)).load(&mut conn).await?;

    let mut table = StockTable {
        stamp,
        rows: Vec::with_capacity(capacity),
        vins: Strings { text: String::with_capacity(capacity * 17), ends: Vec::with_capacity(capacity) },
        texts: Strings::default(),
        values: Values::default(),
        plates: Values::default(),
        rows_by_brand: HashMap::new(),
        dealer_ids: Vec::with_capacity(dealer_names.len()),
        province_ids: Vec::new(),
        province_by_code: province_names.iter().map(|(id, code, _)| (code.clone(), *id)).collect(),
        dealer_names: dealer_names.into_iter().collect(),
        province_names: province_names.into_iter().map(|(id, code, name)| (id, (code, name))).collect(),
        bytewise_text_order: matches!(collation.as_str(), "C" | "POSIX" | "C.UTF-8" | "C.utf8" | "ucs_basic"),
        codes: None,
        codes_since: tokio::sync::Mutex::new(codes_since - CODES_OVERLAP),
    };
    let mut dealer_index: HashMap<i64, u32> = HashMap::new();
    let mut province_index: HashMap<i64, u32> = HashMap::new();
    let intern_id = |ids: &mut Vec<i64>, index: &mut HashMap<i64, u32>, id: Option<i64>| {
        id.map_or(NONE, |id| {
            *index.entry(id).or_insert_with(|| {
                ids.push(id);
                (ids.len() - 1) as u32
            })
        })
    };

    let margin = sql::<Nullable<BigInt>>("sale_price - coalesce(total_cost, purchase_price)");
    let price_difference = sql::<Nullable<BigInt>>("sale_price - previous_price");
    let vehicle_type = sql::<Nullable<Text>>("lower(vehicle_type)");
    let updated_at = sql::<BigInt>("(extract(epoch FROM updated_at) * 1000000)::bigint");
    // Streamed: the rows are never all held as strings at once.
    let vectors = passage_embeddings::passage_key
        .nullable()
        .eq(vehicles::passage_key)
        .and(sql::<diesel::sql_types::Bool>("").bind::<diesel::sql_types::Bool, _>(with_vectors));
    let mut rows = vehicles::table
        .left_join(passage_embeddings::table.on(vectors))
        .select((
            (vehicles::vin, vehicles::search_text, vehicles::plate, vehicles::brand, vehicles::model),
            (vehicle_type, vehicles::fuel, vehicles::transmission, vehicles::stock_type, vehicles::status),
            (vehicles::dealer_id, vehicles::province_id, vehicles::reserved, vehicles::published),
            (vehicles::sale_price, margin, price_difference, updated_at),
            (vehicles::mileage_km, vehicles::reception_date, vehicles::registration_year, vehicles::power_cv),
            (vehicles::passage_key, passage_embeddings::embedding.nullable()),
        ))
        .order(sql::<Text>("vin COLLATE \"C\""))
        .load_stream::<(
            (String, String, Option<String>, String, String),
            (Option<String>, Option<String>, Option<String>, String, String),
            (Option<i64>, Option<i64>, bool, bool),
            (i64, Option<i64>, Option<i64>, i64),
            (i32, NaiveDate, Option<i32>, Option<i32>),
            (Option<uuid::Uuid>, Option<HalfVector>),
        )>(&mut conn)
        .await?;
    while let Some(row) = rows.try_next().await? {
        let (
            (vin, search_text, plate, brand, model),
            (vehicle_type, fuel, transmission, stock_type, status),
            (dealer_id, province_id, reserved, published),
            (sale_price, margin, price_difference, updated_at),
            (mileage_km, reception_date, registration_year, power_cv),
            (text, vector),
        ) = row;
        if let Some(codes) = &mut codes {
            codes.push(text.unwrap_or_default(), vector.as_ref().map(to_f32).as_deref());
        }
        table.vins.push(&vin);
        table.texts.push(&search_text);
        let values = &mut table.values;
        table.rows.push(Row {
            sale_price,
            margin: margin.unwrap_or(NULL_I64),
            price_difference: price_difference.unwrap_or(NULL_I64),
            updated_at,
            mileage_km,
            reception_day: day_number(reception_date),
            registration_year: registration_year.unwrap_or(NULL_I32),
            power_cv: power_cv.unwrap_or(NULL_I32),
            brand: values.intern(Some(&brand)),
            model: values.intern(Some(&model)),
            vehicle_type: values.intern(vehicle_type.as_deref()),
            fuel: values.intern(fuel.as_deref()),
            transmission: values.intern(transmission.as_deref()),
            stock_type: values.intern(Some(&stock_type)),
            status: values.intern(Some(&status)),
            plate: table.plates.intern(plate.as_deref()),
            dealer: intern_id(&mut table.dealer_ids, &mut dealer_index, dealer_id),
            province: intern_id(&mut table.province_ids, &mut province_index, province_id),
            reserved,
            published,
        });
        let brand = table.rows[table.rows.len() - 1].brand;
        table.rows_by_brand.entry(brand).or_default().push((table.rows.len() - 1) as u32);
        if table.rows.len() as i64 > max_vehicles {
            return Ok(None);
        }
    }
    table.values.finish();
    table.plates.finish();
    table.plates.ids = HashMap::new();
    table.plates.values = Vec::new();
    table.texts.text.shrink_to_fit();
    table.codes = codes.map(RwLock::new);
    Ok(Some(table))
}

#[cfg(test)]
mod tests {
    use super::Strings;

    #[test]
    fn words_are_found_within_one_string_never_across_two() {
        let mut strings = Strings::default();
        for text in ["seat ibiza", "", "leon seat", "cupra formentor seat", "ibizaseat"] {
            strings.push(text);
        }
        let words = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(strings.containing_all(&words(&["seat"])), [0, 2, 3, 4]);
        assert_eq!(strings.containing_all(&words(&["seat", "ibiza"])), [0, 4]);
        // "ibiza" + "leon" side by side in the buffer is not a match.
        assert_eq!(strings.containing_all(&words(&["zaleon"])), [0u32; 0]);
        assert_eq!(strings.containing_all(&words(&["seatcupra"])), [0u32; 0]);
        assert_eq!(strings.containing_all(&words(&[])), [0, 1, 2, 3, 4]);
    }
}
