//! Question → tool calls. A `Reading` collects what the question says (names, values, bounds,
//! cues); `calls` turns it into one round of tool calls, on top of the previous answer's filters
//! when the question is a follow-up.

use chrono::{Datelike, Months, NaiveDate};
use shared::dashboard::DashboardFilter;
use shared::stock::Vin;

use super::lexicon::*;
use super::numbers::{Number, count_word, parse_number};
use super::text::{Words, fold_words};
use super::{Language, Plan, Vocabulary, detect_language};
use crate::assistant::tools::args::{
    AggregateArgs, GroupBy, HistoryArgs, HistoryGroup, SearchArgs, SemanticArgs, ToolRequest, VehicleArgs,
};
use shared::stock::Money;
use shared::stock::{Fuel, StockFilter, StockType, Transmission, VehicleStatus};

/// At most this many calls when a question names several values of one thing ("SEAT y Toyota").
const MAX_VARIANTS: usize = 4;
/// Vehicles shown for "los más caros" without a number, and by a described need.
const SEVERAL: i64 = 5;
/// Months shown by "evolución del stock" without a span.
const DEFAULT_HISTORY_MONTHS: i64 = 6;

pub(super) fn plan(question: &str, previous: &[ToolRequest], vocabulary: &Vocabulary, today: NaiveDate) -> Plan {
    let language = detect_language(question);
    let reading = Reading::of(question, vocabulary, language, today);
    let base = if reading.follow_up { previous.iter().find(|call| filters_of(call).is_some()) } else { None };
    match calls(question, &reading, base) {
        Some(calls) => Plan::Calls { language, calls },
        None => Plan::NotUnderstood { language },
    }
}

/// A value of one dimension named in the question.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Brand(String),
    Model(String, String),
    /// The body type, and whether it was an adjective of a need ("algo familiar").
    VehicleType(String, bool),
    Dealer(i64),
    Province(String),
    Fuel(Fuel),
    Transmission(Transmission),
    StockType(StockType),
    Status(VehicleStatus),
}

impl Value {
    fn dimension(&self) -> GroupBy {
        match self {
            Value::Brand(_) => GroupBy::Brand,
            Value::Model(..) => GroupBy::Model,
            Value::VehicleType(..) => GroupBy::VehicleType,
            Value::Dealer(_) => GroupBy::Dealer,
            Value::Province(_) => GroupBy::Province,
            Value::Fuel(_) => GroupBy::Fuel,
            Value::Transmission(_) => GroupBy::Transmission,
            Value::StockType(_) => GroupBy::StockType,
            Value::Status(_) => GroupBy::Status,
        }
    }

    /// Sets this value on filters, clearing what it contradicts: another brand's model, or the
    /// dealer when a province is named (and the other way round).
    fn apply(&self, filters: &mut StockFilter) {
        match self {
            Value::Brand(brand) => {
                if filters.brand.as_ref() != Some(brand) {
                    filters.model = None;
                }
                filters.brand = Some(brand.clone());
            }
            Value::Model(brand, model) => {
                filters.brand = Some(brand.clone());
                filters.model = Some(model.clone());
            }
            Value::VehicleType(name, _) => filters.vehicle_type = Some(name.clone()),
            Value::Dealer(id) => {
                filters.dealer_id = Some(*id);
                filters.province = None;
            }
            Value::Province(code) => {
                filters.province = Some(code.clone());
                filters.dealer_id = None;
            }
            Value::Fuel(fuel) => filters.fuel = Some(*fuel),
            Value::Transmission(transmission) => filters.transmission = Some(*transmission),
            Value::StockType(stock_type) => filters.stock_type = Some(*stock_type),
            Value::Status(status) => filters.status = Some(*status),
        }
    }

    fn is_location(&self) -> bool {
        matches!(self, Value::Dealer(_) | Value::Province(_))
    }
}

/// A sorted list: a superlative ("los 5 más caros") or an explicit sort ("ordenados por precio",
/// without a limit).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranking {
    sort: &'static str,
    limit: Option<i64>,
}

enum Intent {
    History,
    Dashboard,
    Breakdown(GroupBy),
    Ranking(Ranking),
    Figures,
    Need,
}

/// What a question says.
#[derive(Debug, Default)]
struct Reading {
    vins: Vec<String>,
    values: Vec<Value>,
    /// Price, km, year and days bounds and the yes/no flags (one value each).
    bounds: StockFilter,
    group: Option<GroupBy>,
    ranking: Option<Ranking>,
    periods: Vec<String>,
    history: bool,
    dashboard: bool,
    count: bool,
    figures: bool,
    compare: bool,
    need: bool,
    /// Says what a vehicle should be like ("familiar", "barato", "para ciudad").
    vehicle_traits: bool,
    stock_words: bool,
    follow_up: bool,
    /// Asks about something the tools cannot see ("cuántos empleados", "best-selling").
    out_of_reach: bool,
    /// A number with a word the reading does not know ("7 plazas"): fine in a described need,
    /// whose text carries it, but a count would silently ignore it.
    unread_detail: bool,
}

impl Reading {
    fn of(question: &str, vocabulary: &Vocabulary, language: Language, today: NaiveDate) -> Reading {
        let mut words = Words::new(question);
        let mut reading = Reading { vins: read_vins(&mut words), ..Reading::default() };
        reading.follow_up = is_follow_up(&mut words);
        reading.ranking = read_ranking(&mut words, language).or_else(|| read_sort(&mut words));
        let topic = dashboard_topic(&words);
        reading.group = read_group(&mut words);

        // Names before the lexicon, so "Autos Sol Madrid" is a dealer before "Madrid" is a province.
        reading.values.extend(read_dealers(&mut words, vocabulary).into_iter().map(Value::Dealer));
        reading.values.extend(read_models(&mut words, vocabulary).into_iter().map(|(b, m)| Value::Model(b, m)));
        reading.values.extend(read_brands(&mut words, vocabulary, language).into_iter().map(Value::Brand));
        reading.values.extend(read_provinces(&mut words, vocabulary).into_iter().map(Value::Province));
        reading
            .values
            .extend(read_vehicle_types(&mut words, vocabulary).into_iter().map(|(t, a)| Value::VehicleType(t, a)));

        // The dashboard's "este mes" is not a month of the history.
        let recent_counts =
            matches!(topic, Some(DashboardTopic::Sold | DashboardTopic::Received | DashboardTopic::Removed));
        if topic == Some(DashboardTopic::Received) {
            while words.take_any(NEWLY).is_some() {}
        }
        let history_words = words.take_any(HISTORY).is_some();
        reading.compare = words.contains_any(COMPARE);
        reading.periods = read_periods(&mut words, today, history_words || reading.compare, !recent_counts);

        reading.values.extend(read_codes(&mut words, FUELS).into_iter().map(Value::Fuel));
        reading.values.extend(read_codes(&mut words, TRANSMISSIONS).into_iter().map(Value::Transmission));
        reading.values.extend(read_codes(&mut words, STOCK_TYPES).into_iter().map(Value::StockType));
        reading.values.extend(read_codes(&mut words, STATUSES).into_iter().map(Value::Status));
        reading.bounds.reserved = read_codes(&mut words, RESERVED).first().copied();
        reading.bounds.published = read_codes(&mut words, PUBLISHED).first().copied();
        read_bounds(&mut words, &mut reading.bounds);

        reading.count = words.contains_any(COUNT);
        reading.figures = words.contains_any(AVERAGE) || words.contains_any(VALUE);
        reading.stock_words = words.contains_any(STOCK_NOUNS) || words.contains_any(STOCK_TOPICS);
        reading.need = words.contains_any(NEED) || names_a_purpose(&words);
        reading.vehicle_traits = words.contains_any(VEHICLE_TRAITS);
        reading.dashboard = topic.is_some();
        reading.history = history_words
            || !reading.periods.is_empty()
                && (reading.compare || reading.stock_words || reading.count || reading.group.is_some());
        if reading.history && reading.periods.is_empty() {
            reading.periods = last_months(today, DEFAULT_HISTORY_MONTHS);
        }
        reading.out_of_reach = words.contains_any(UNANSWERABLE) || counts_something_unknown(&words);
        reading.unread_detail = has_unread_detail(&words);
        reading
    }

    /// Whether anything in the question is about the stock (a place alone is not: "¿qué tiempo
    /// hace en Madrid?").
    fn is_about_stock(&self) -> bool {
        self.values.iter().any(|v| !v.is_location())
            || !self.bounds.is_empty()
            || self.ranking.is_some()
            || self.group.is_some()
            || self.stock_words
            || self.need && self.vehicle_traits
            || self.dashboard
            || self.history
            || self.values.iter().any(Value::is_location) && (self.count || self.compare || self.figures)
    }

    fn intent(&self) -> Option<Intent> {
        if self.history {
            Some(Intent::History)
        } else if self.dashboard {
            Some(Intent::Dashboard)
        } else if let Some(group) = self.group {
            Some(Intent::Breakdown(group))
        } else if let Some(ranking) = self.ranking {
            Some(Intent::Ranking(ranking))
        } else if self.count || self.figures || self.compare {
            Some(Intent::Figures)
        } else if self.need {
            Some(Intent::Need)
        } else {
            None
        }
    }

    /// The first dimension named with several values: one call is made per value.
    fn varied_dimension(&self) -> Option<GroupBy> {
        self.values
            .iter()
            .map(Value::dimension)
            .find(|dimension| self.values.iter().filter(|v| v.dimension() == *dimension).count() > 1)
    }

    /// The filters for each call: `base` (the previous answer's, for a follow-up) with this
    /// question's values and bounds on top, one set per value of a dimension named several times,
    /// each with that dimension (so each result is labelled with its value).
    fn variants(&self, base: StockFilter) -> Vec<(StockFilter, Option<GroupBy>)> {
        let varied = self.varied_dimension();
        let mut common = base;
        // Brands first, so a model named with its brand keeps both.
        let (brands, others): (Vec<&Value>, Vec<&Value>) =
            self.values.iter().filter(|v| Some(v.dimension()) != varied).partition(|v| matches!(v, Value::Brand(_)));
        brands.into_iter().chain(others).for_each(|v| v.apply(&mut common));
        merge_bounds(&mut common, &self.bounds);
        match varied {
            None => vec![(common, None)],
            Some(dimension) => {
                let mut variants: Vec<(StockFilter, Option<GroupBy>)> = Vec::new();
                for value in self.values.iter().filter(|v| v.dimension() == dimension) {
                    let mut filters = common.clone();
                    value.apply(&mut filters);
                    if !variants.iter().any(|(f, _)| *f == filters) && variants.len() < MAX_VARIANTS {
                        variants.push((filters, Some(dimension)));
                    }
                }
                variants
            }
        }
    }

    /// The filters of a described need: the values stated once and plainly; several values of
    /// one thing ("híbrido o eléctrico") and adjectives ("algo familiar") are left to the text.
    fn need_filters(&self, base: StockFilter) -> StockFilter {
        let varied = self.varied_dimension();
        let mut filters = base;
        for value in &self.values {
            let adjective = matches!(value, Value::VehicleType(_, true));
            if Some(value.dimension()) != varied && !adjective {
                value.apply(&mut filters);
            }
        }
        merge_bounds(&mut filters, &self.bounds);
        filters
    }
}

fn merge_bounds(filters: &mut StockFilter, bounds: &StockFilter) {
    macro_rules! overlay {
        ($($field:ident),*) => { $( if bounds.$field.is_some() { filters.$field = bounds.$field; } )* };
    }
    overlay!(
        reserved,
        published,
        price_min,
        price_max,
        km_min,
        km_max,
        year_min,
        year_max,
        days_in_stock_min,
        days_in_stock_max
    );
}

/// The tool calls for a reading, or `None` when the question is not understood.
fn calls(question: &str, reading: &Reading, base: Option<&ToolRequest>) -> Option<Vec<ToolRequest>> {
    if !reading.vins.is_empty() {
        return Some(
            reading.vins.iter().map(|vin| ToolRequest::GetVehicle(VehicleArgs { vin: vin.clone() })).collect(),
        );
    }
    if reading.out_of_reach || !(reading.is_about_stock() || base.is_some()) {
        return None;
    }
    let intent = reading.intent();
    if reading.unread_detail && !matches!(intent, Some(Intent::Need)) {
        return None;
    }
    let base_filters = base.and_then(filters_of).unwrap_or_default();
    let variants = reading.variants(base_filters.clone());
    let mut calls: Vec<ToolRequest> = match intent {
        Some(Intent::History) => variants
            .into_iter()
            .map(|(filters, varied)| {
                let group = reading.group.or(varied).or(filters.dealer_id.map(|_| GroupBy::Dealer));
                ToolRequest::StockHistory(HistoryArgs {
                    periods: reading.periods.clone(),
                    group_by: group.and_then(history_group),
                    dealer_id: filters.dealer_id,
                    province: filters.province,
                    stock_type: filters.stock_type,
                })
            })
            .collect(),
        Some(Intent::Dashboard) => variants.into_iter().map(|(filters, _)| dashboard(&filters)).collect(),
        Some(Intent::Breakdown(group)) => {
            variants.into_iter().map(|(filters, _)| aggregate(filters, Some(group), None)).collect()
        }
        Some(Intent::Ranking(ranking)) => variants
            .into_iter()
            .map(|(filters, _)| {
                ToolRequest::SearchVehicles(SearchArgs {
                    filters,
                    sort: Some(ranking.sort.into()),
                    limit: ranking.limit,
                })
            })
            .collect(),
        Some(Intent::Figures) => {
            variants.into_iter().map(|(filters, varied)| aggregate(filters, varied, None)).collect()
        }
        Some(Intent::Need) => vec![ToolRequest::SemanticSearch(SemanticArgs {
            text: question.trim().to_owned(),
            filters: reading.need_filters(base_filters),
            limit: Some(SEVERAL),
        })],
        None => match base {
            Some(base) => variants.into_iter().map(|(filters, varied)| with_filters(base, filters, varied)).collect(),
            None => variants.into_iter().map(|(filters, _)| list(filters)).collect(),
        },
    };
    // Calls that came out the same (a dimension the tool does not filter on) run once.
    let mut unique: Vec<ToolRequest> = Vec::new();
    calls.retain(|call| {
        let new = !unique.contains(call);
        if new {
            unique.push(call.clone());
        }
        new
    });
    Some(calls)
}

/// An aggregate; over one dealer it is grouped by dealer so that the result carries the dealer's
/// name for the answer (the group is the whole result).
fn aggregate(filters: StockFilter, group_by: Option<GroupBy>, limit: Option<i64>) -> ToolRequest {
    let group_by = group_by.or(filters.dealer_id.map(|_| GroupBy::Dealer));
    ToolRequest::AggregateStock(AggregateArgs { filters, group_by, limit })
}

/// A plain list: longest in stock first when the question is about days in stock, otherwise the
/// list's own order (newest arrivals).
fn list(filters: StockFilter) -> ToolRequest {
    let ageing = filters.days_in_stock_min.is_some() || filters.days_in_stock_max.is_some();
    let sort = ageing.then(|| "-days_in_stock".to_owned());
    ToolRequest::SearchVehicles(SearchArgs { filters, sort, limit: None })
}

fn dashboard(filters: &StockFilter) -> ToolRequest {
    ToolRequest::DashboardFigures(DashboardFilter {
        dealer_id: filters.dealer_id,
        province: filters.province.clone(),
        stock_type: filters.stock_type,
    })
}

fn history_group(group: GroupBy) -> Option<HistoryGroup> {
    match group {
        GroupBy::Dealer => Some(HistoryGroup::Dealer),
        GroupBy::Province => Some(HistoryGroup::Province),
        GroupBy::StockType => Some(HistoryGroup::StockType),
        _ => None,
    }
}

/// The filters a previous call worked on; `None` for a VIN lookup.
fn filters_of(call: &ToolRequest) -> Option<StockFilter> {
    match call {
        ToolRequest::SearchVehicles(args) => Some(args.filters.clone()),
        ToolRequest::AggregateStock(args) => Some(args.filters.clone()),
        ToolRequest::SemanticSearch(args) => Some(args.filters.clone()),
        ToolRequest::DashboardFigures(args) => Some(args.stock_filter()),
        ToolRequest::StockHistory(args) => Some(args.place().stock_filter()),
        ToolRequest::GetVehicle(_) => None,
    }
}

/// The previous call again, on new filters: "¿y en Barcelona?" asks the same thing elsewhere.
fn with_filters(base: &ToolRequest, filters: StockFilter, varied: Option<GroupBy>) -> ToolRequest {
    match base {
        ToolRequest::SearchVehicles(args) => ToolRequest::SearchVehicles(SearchArgs { filters, ..args.clone() }),
        ToolRequest::AggregateStock(args) => aggregate(filters, args.group_by.or(varied), args.limit),
        ToolRequest::SemanticSearch(args) => ToolRequest::SemanticSearch(SemanticArgs { filters, ..args.clone() }),
        ToolRequest::DashboardFigures(_) => dashboard(&filters),
        ToolRequest::StockHistory(args) => ToolRequest::StockHistory(HistoryArgs {
            dealer_id: filters.dealer_id,
            province: filters.province,
            stock_type: filters.stock_type,
            group_by: args.group_by.or(varied.and_then(history_group)),
            ..args.clone()
        }),
        ToolRequest::GetVehicle(_) => list(filters),
    }
}

fn read_vins(words: &mut Words) -> Vec<String> {
    let mut vins: Vec<String> = Vec::new();
    for at in 0..words.len() {
        let vin = Vin::new(words.raw(at));
        // A 17-letter word is not a VIN: a VIN has digits.
        if vin.is_standard() && vin.as_str().bytes().any(|b| b.is_ascii_digit()) {
            words.claim(at, 1);
            let vin = String::from(vin);
            if !vins.contains(&vin) {
                vins.push(vin);
            }
        }
    }
    vins
}

fn is_follow_up(words: &mut Words) -> bool {
    let starts = words.free_phrase_at(0, FOLLOW_UP_START);
    let pronoun = words.take_any(FOLLOW_UP_ANYWHERE);
    if let Some(start) = starts {
        words.claim(start.at, start.len);
    }
    starts.is_some() || pronoun.is_some()
}

fn read_ranking(words: &mut Words, language: Language) -> Option<Ranking> {
    let phrases: Vec<(&str, &'static str)> =
        RANKINGS.iter().flat_map(|(sort, phrases)| phrases.iter().map(move |p| (*p, *sort))).collect();
    let texts: Vec<&str> = phrases.iter().map(|(phrase, _)| *phrase).collect();
    let found = words.take_any(&texts)?;
    let (phrase, mut sort) = phrases[found.index];
    if sort == "-days_in_stock" && (words.any_word_starts_with(REGISTRATION_HINTS) || words.contains_any(YEAR_WORDS)) {
        sort = "registration_year";
    }
    let limit = ranking_count(words, found.at).unwrap_or_else(|| {
        let last = phrase.rsplit(' ').next().unwrap_or(phrase);
        let spanish_plural = phrase.starts_with("mas ")
            && (last.ends_with("os") || last.ends_with("as") || last.ends_with("es"))
            && !["kilometros", "dias"].contains(&last);
        let english_plural = language == Language::En && {
            let next = words.word(found.end());
            next.ends_with('s') && (STOCK_NOUNS.contains(&next) || next == "ones" || next == "suvs")
        };
        if spanish_plural || english_plural || words.contains("top") { SEVERAL } else { 1 }
    });
    Some(Ranking { sort, limit: Some(limit) })
}

/// "ordenados por precio", "sorted by mileage".
fn read_sort(words: &mut Words) -> Option<Ranking> {
    let phrases: Vec<(&str, usize)> = SORTABLE
        .iter()
        .enumerate()
        .flat_map(|(entry, (_, _, phrases))| phrases.iter().map(move |p| (*p, entry)))
        .collect();
    let texts: Vec<&str> = phrases.iter().map(|(phrase, _)| *phrase).collect();
    for at in 0..words.len() {
        if !SORT_WORDS.contains(&words.word(at)) || !["por", "by"].contains(&words.word(at + 1)) {
            continue;
        }
        let Some(found) = words.free_phrase_at(at + 2, &texts) else { continue };
        words.claim(at, found.end() - at);
        let (ascending, descending, _) = SORTABLE[phrases[found.index].1];
        let sort = if words.take_any(DESCENDING).is_some() { descending } else { ascending };
        return Some(Ranking { sort, limit: None });
    }
    None
}

/// "los 5 más caros", "top 3", "the three cheapest": a count just before the superlative.
fn ranking_count(words: &mut Words, superlative_at: usize) -> Option<i64> {
    let top = (0..words.len()).find(|&at| words.word(at) == "top").map(|at| at + 1);
    let candidates = top.into_iter().chain((superlative_at.saturating_sub(3)..superlative_at).rev());
    for at in candidates {
        if words.is_claimed(at) {
            continue;
        }
        if let Some(n) = count_word(words.word(at)).filter(|n| (1..=20).contains(n)) {
            words.claim(at, 1);
            return Some(n);
        }
    }
    None
}

fn read_group(words: &mut Words) -> Option<GroupBy> {
    let dimensions: Vec<(&str, GroupBy)> =
        GROUP_DIMENSIONS.iter().flat_map(|(group, phrases)| phrases.iter().map(move |p| (*p, *group))).collect();
    let texts: Vec<&str> = dimensions.iter().map(|(phrase, _)| *phrase).collect();
    for at in 0..words.len() {
        let Some(preposition) = words.free_phrase_at(at, GROUP_PREPOSITIONS) else { continue };
        if at > 0 && SORT_WORDS.contains(&words.word(at - 1)) {
            continue;
        }
        let mut dimension_at = preposition.end();
        if GROUP_ARTICLES.contains(&words.word(dimension_at)) {
            dimension_at += 1;
        }
        if let Some(dimension) = words.free_phrase_at(dimension_at, &texts) {
            words.claim(at, dimension.end() - at);
            return Some(dimensions[dimension.index].1);
        }
    }
    // "¿cuántas marcas tenemos?"
    for at in 0..words.len() {
        if words.free_phrase_ending_at(at, COUNT).is_none() {
            continue;
        }
        for (group, phrases) in COUNTED_DIMENSIONS {
            if let Some(found) = words.free_phrase_at(at, phrases) {
                words.claim(found.at, found.len);
                return Some(*group);
            }
        }
    }
    // "antigüedad del stock" (but "antigüedad media" is an average)
    if !words.contains_any(AVERAGE) && words.take_any(AGE_OVERVIEW).is_some() {
        return Some(GroupBy::AgeBand);
    }
    None
}

/// Words of the vocabulary that cannot tell a dealer apart on their own.
fn vocabulary_words(vocabulary: &Vocabulary) -> Vec<String> {
    let names = vocabulary
        .brands
        .iter()
        .chain(vocabulary.models.iter().map(|(_, model)| model))
        .chain(&vocabulary.vehicle_types)
        .chain(vocabulary.provinces.iter().map(|(_, name)| name));
    names.flat_map(|name| fold_words(name)).collect()
}

/// Dealers by full name, or by a part of it that says something ("Sol Madrid", "Levante"; not
/// "Autos" or "Madrid"). A part several dealers share ("Autos Sol") names all of them.
fn read_dealers(words: &mut Words, vocabulary: &Vocabulary) -> Vec<i64> {
    let names: Vec<(i64, Vec<String>)> = vocabulary.dealers.iter().map(|(id, name)| (*id, fold_words(name))).collect();
    let shared_words = vocabulary_words(vocabulary);
    let telling = |word: &String| {
        !STOPWORDS.contains(&word.as_str())
            && !GENERIC_NAME_WORDS.contains(&word.as_str())
            && !shared_words.contains(word)
    };
    let mut runs: Vec<Vec<String>> = Vec::new();
    for (_, name) in &names {
        runs.push(name.clone());
        for len in 1..name.len() {
            for run in name.windows(len) {
                let long_enough = len >= 2 || run[0].chars().count() >= 4;
                if long_enough && run.iter().any(telling) && !runs.iter().any(|r| r == run) {
                    runs.push(run.to_vec());
                }
            }
        }
    }
    runs.sort_by_key(|run| std::cmp::Reverse(run.len()));
    let mut found: Vec<(usize, i64)> = Vec::new();
    for run in runs {
        while let Some(at) = words.find_free(&run, 0) {
            words.claim(at, run.len());
            let named = names.iter().filter(|(_, name)| name.windows(run.len()).any(|w| w == run.as_slice()));
            found.extend(named.map(|(id, _)| (at, *id)));
        }
    }
    in_question_order(found)
}

fn in_question_order<T: PartialEq>(mut found: Vec<(usize, T)>) -> Vec<T> {
    found.sort_by_key(|(at, _)| *at);
    let mut values: Vec<T> = Vec::new();
    for (_, value) in found {
        if !values.contains(&value) {
            values.push(value);
        }
    }
    values
}

/// The ways a brand is written: its name, its first word when that is distinctive
/// ("Mercedes"), and the aliases.
fn brand_phrases(brand: &str) -> Vec<Vec<String>> {
    let words = fold_words(brand);
    let mut phrases = vec![words.clone()];
    if words.len() > 1 && words[0].chars().count() >= 4 && words[0] != "land" {
        phrases.push(vec![words[0].clone()]);
    }
    let joined = words.join(" ");
    for (alias, target) in BRAND_ALIASES {
        if *target == joined {
            phrases.push(vec![(*alias).to_owned()]);
        }
    }
    phrases
}

/// Models, with their brand when it is written just before; alone only when the model's name
/// cannot be something else ("León" after "en" is the province, "Up" is a word).
fn read_models(words: &mut Words, vocabulary: &Vocabulary) -> Vec<(String, String)> {
    let province_words: Vec<String> = vocabulary.provinces.iter().flat_map(|(_, name)| fold_words(name)).collect();
    // "Golfs", "Ibizas": a plural on the last word.
    let mut models: Vec<(&String, &String, Vec<String>)> = vocabulary
        .models
        .iter()
        .flat_map(|(brand, model)| {
            let singular = fold_words(model);
            let mut plural = singular.clone();
            if let Some(last) = plural.last_mut().filter(|w| w.chars().any(char::is_alphabetic)) {
                last.push('s');
            }
            [(brand, model, singular), (brand, model, plural)]
        })
        .collect();
    models.sort_by_key(|(_, _, words)| std::cmp::Reverse(words.len()));
    let mut found: Vec<(usize, (String, String))> = Vec::new();
    for (brand, model, model_words) in models {
        let mut from = 0;
        while let Some(at) = words.find_free(&model_words, from) {
            from = at + 1;
            let brand_before = brand_phrases(brand).into_iter().find(|phrase| {
                at >= phrase.len() && words.find_free(phrase, at - phrase.len()) == Some(at - phrase.len())
            });
            let start = match &brand_before {
                Some(phrase) => at - phrase.len(),
                None if model_stands_alone(words, at, &model_words, &province_words) => at,
                None => continue,
            };
            words.claim(start, at + model_words.len() - start);
            found.push((start, (brand.clone(), model.clone())));
        }
    }
    in_question_order(found)
}

fn model_stands_alone(words: &Words, at: usize, model: &[String], province_words: &[String]) -> bool {
    let [word] = model else { return true };
    let before = if at > 0 { words.word(at - 1) } else { "" };
    if word.chars().all(|c| c.is_ascii_digit()) {
        // "cuántos 3008": a number of three digits or more that is not an amount or a count.
        let amount = MONEY_UNITS.contains(&words.word(at + 1))
            || KM_WORDS.contains(&words.word(at + 1))
            || DAY_UNITS.contains(&words.word(at + 1))
            || ABOVE
                .iter()
                .chain(BELOW)
                .chain(AT_MOST)
                .chain(AT_LEAST)
                .chain(RANGE_STARTS)
                .chain(RANGE_JOINS)
                .any(|phrase| phrase.rsplit(' ').next() == Some(before))
            || before == "€"
            || before == "top";
        return word.len() >= 3 && !amount;
    }
    let letters_and_digits = word.chars().any(|c| c.is_ascii_digit());
    let distinctive = word.chars().count() >= 4 && !COMMON_MODEL_WORDS.contains(&word.as_str());
    let place = province_words.contains(word) && ["en", "in", "de"].contains(&before);
    (letters_and_digits || distinctive) && !place
}

fn read_brands(words: &mut Words, vocabulary: &Vocabulary, language: Language) -> Vec<String> {
    let mut phrases: Vec<(Vec<String>, &String)> =
        vocabulary.brands.iter().flat_map(|brand| brand_phrases(brand).into_iter().map(move |p| (p, brand))).collect();
    phrases.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
    let mut found: Vec<(usize, String)> = Vec::new();
    for (phrase, brand) in phrases {
        let mut from = 0;
        while let Some(at) = words.find_free(&phrase, from) {
            from = at + 1;
            // "a 7 seat car" is not a SEAT.
            let everyday_word = BRANDS_THAT_ARE_WORDS.contains(&phrase.join(" ").as_str())
                && language == Language::En
                && words.raw(at).chars().all(|c| c.is_lowercase());
            if !everyday_word {
                words.claim(at, phrase.len());
                found.push((at, brand.clone()));
            }
        }
    }
    in_question_order(found)
}

fn read_provinces(words: &mut Words, vocabulary: &Vocabulary) -> Vec<String> {
    let mut phrases: Vec<(Vec<String>, &String)> = Vec::new();
    for (code, name) in &vocabulary.provinces {
        // "Valencia/València": either name.
        for part in name.split('/') {
            phrases.push((fold_words(part), code));
        }
        for alias in province_aliases(code) {
            phrases.push((fold_words(alias), code));
        }
    }
    phrases.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
    let mut found: Vec<(usize, String)> = Vec::new();
    for (phrase, code) in phrases {
        while let Some(at) = words.find_free(&phrase, 0) {
            words.claim(at, phrase.len());
            found.push((at, code.clone()));
        }
    }
    in_question_order(found)
}

/// Body types in the singular or plural ("familiares", "SUVs"), or by an English name.
fn read_vehicle_types(words: &mut Words, vocabulary: &Vocabulary) -> Vec<(String, bool)> {
    let mut phrases: Vec<(Vec<String>, &String)> = Vec::new();
    for name in &vocabulary.vehicle_types {
        let singular = fold_words(name);
        let Some((last, rest)) = singular.split_last() else { continue };
        for ending in ["", "s", "es"] {
            let mut phrase = rest.to_vec();
            phrase.push(format!("{last}{ending}"));
            phrases.push((phrase, name));
        }
        let joined = singular.join(" ");
        for (target, aliases) in TYPE_ALIASES {
            if *target == joined {
                phrases.extend(aliases.iter().map(|alias| (fold_words(alias), name)));
            }
        }
    }
    phrases.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
    let mut found: Vec<(usize, (String, bool))> = Vec::new();
    for (phrase, name) in phrases {
        while let Some(at) = words.find_free(&phrase, 0) {
            words.claim(at, phrase.len());
            let adjective = at > 0 && DEGREE.contains(&words.word(at - 1));
            found.push((at, (name.clone(), adjective)));
        }
    }
    in_question_order(found)
}

/// Every value of a fixed list the question names, in the list's order.
fn read_codes<T: Copy + PartialEq>(words: &mut Words, table: &[(T, &[&str])]) -> Vec<T> {
    let mut codes = Vec::new();
    for (code, phrases) in table {
        while words.take_any(phrases).is_some() {
            if !codes.contains(code) {
                codes.push(*code);
            }
        }
    }
    codes
}

/// Months named ("octubre", "November 2025"), "el mes pasado", "este mes", "los últimos 3 meses".
/// A month after the current one is last year's. English "may" is a month only in a comparison.
fn read_periods(words: &mut Words, today: NaiveDate, comparing: bool, this_month: bool) -> Vec<String> {
    let first_of_month = today.with_day(1).unwrap_or(today);
    let mut months: Vec<NaiveDate> = Vec::new();
    for at in 0..words.len() {
        if words.is_claimed(at) {
            continue;
        }
        let word = words.word(at);
        let Some(index) = MONTHS.iter().position(|(es, en)| word == *es || word == *en && (word != "may" || comparing))
        else {
            continue;
        };
        let month = index as u32 + 1;
        words.claim(at, 1);
        let year_at = if ["de", "del", "of"].contains(&words.word(at + 1)) { at + 2 } else { at + 1 };
        let written_year = parse_number(words.word(year_at))
            .filter(|n| n.plain && (2000..=2100).contains(&n.whole()))
            .filter(|_| !words.is_claimed(year_at));
        let year = match written_year {
            Some(year) => {
                words.claim(at, year_at + 1 - at);
                year.whole() as i32
            }
            None if month > today.month() => today.year() - 1,
            None => today.year(),
        };
        months.extend(NaiveDate::from_ymd_opt(year, month, 1));
    }
    if words.take_any(LAST_MONTH).is_some() {
        months.extend(first_of_month.checked_sub_months(Months::new(1)));
    }
    if this_month && words.take_any(THIS_MONTH).is_some() {
        months.push(first_of_month);
    }
    if let Some(span) = read_span(words) {
        months.extend((0..span).rev().filter_map(|back| first_of_month.checked_sub_months(Months::new(back as u32))));
    }
    months.sort();
    months.dedup();
    let skip = months.len().saturating_sub(12);
    months[skip..].iter().map(|m| m.format("%Y-%m").to_string()).collect()
}

/// "los últimos 3 meses", "last three months", "el último trimestre": how many months back.
fn read_span(words: &mut Words) -> Option<i64> {
    for at in 0..words.len() {
        if !LAST_MONTHS.contains(&words.word(at)) && !["ultimo", "ultima"].contains(&words.word(at)) {
            continue;
        }
        let count = count_word(words.word(at + 1)).filter(|n| (1..=12).contains(n));
        let unit_at = if count.is_some() { at + 2 } else { at + 1 };
        if let Some(months) = count.filter(|_| MONTH_UNITS.contains(&words.word(unit_at))) {
            words.claim(at, unit_at + 1 - at);
            return Some(months);
        }
        let spans: Vec<&str> = SPANS.iter().map(|(phrase, _)| *phrase).collect();
        if let Some(found) = words.free_phrase_at(at + 1, &spans) {
            words.claim(at, found.end() - at);
            return Some(SPANS[found.index].1);
        }
    }
    // "los 3 últimos meses"
    for at in 0..words.len() {
        let count = count_word(words.word(at)).filter(|n| (1..=12).contains(n));
        if let Some(months) =
            count.filter(|_| LAST_MONTHS.contains(&words.word(at + 1)) && MONTH_UNITS.contains(&words.word(at + 2)))
        {
            words.claim(at, 3);
            return Some(months);
        }
    }
    None
}

/// The current month and the `count - 1` before it.
fn last_months(today: NaiveDate, count: i64) -> Vec<String> {
    let first_of_month = today.with_day(1).unwrap_or(today);
    (0..count)
        .rev()
        .filter_map(|back| first_of_month.checked_sub_months(Months::new(back as u32)))
        .map(|m| m.format("%Y-%m").to_string())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Comparison {
    Below,
    AtMost,
    Above,
    AtLeast,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Quantity {
    Money,
    Km,
    Days,
    Months,
    Year,
}

/// A number in the question with its unit: `15.000 €`, `€15,000`, `50.000 km`, `90 días`, `15 mil`.
#[derive(Debug, Clone, Copy)]
struct Amount {
    number: Number,
    /// Written in thousands: `15k`, `15 mil`.
    thousands: bool,
    unit: Option<Quantity>,
    /// The words it spans, a leading `€` and the unit included.
    start: usize,
    end: usize,
}

impl Amount {
    /// What the number measures: its unit, or a year (four digits), or euros (1.000 or more).
    fn quantity(&self) -> Option<Quantity> {
        let whole = self.number.whole();
        self.unit
            .or_else(|| (self.number.plain && (1950..=2100).contains(&whole)).then_some(Quantity::Year))
            .or_else(|| (whole >= 1000).then_some(Quantity::Money))
    }
}

fn amount_at(words: &Words, at: usize) -> Option<Amount> {
    if words.is_claimed(at) {
        return None;
    }
    let mut number = parse_number(words.word(at))?;
    let mut thousands = words.word(at).ends_with('k');
    let mut end = at + 1;
    if ["mil", "k"].contains(&words.word(end)) {
        number = Number { hundredths: number.hundredths * 1000, plain: false };
        thousands = true;
        end += 1;
    }
    let mut start = at;
    let mut unit = None;
    if at > 0 && words.word(at - 1) == "€" && !words.is_claimed(at - 1) {
        unit = Some(Quantity::Money);
        start = at - 1;
    } else {
        let next = words.word(end);
        unit = if MONEY_UNITS.contains(&next) {
            Some(Quantity::Money)
        } else if KM_WORDS.contains(&next) {
            Some(Quantity::Km)
        } else if DAY_UNITS.contains(&next) {
            Some(Quantity::Days)
        } else if MONTH_UNITS.contains(&next) {
            Some(Quantity::Months)
        } else {
            unit
        };
        if unit.is_some() {
            end += 1;
        }
    }
    Some(Amount { number, thousands, unit, start, end })
}

/// Prices, kilometres, years and days in stock with their comparisons: "menos de 15.000 €",
/// "entre 10.000 y 20.000", "de 2020 o posteriores", "más de 90 días", "under 15k".
fn read_bounds(words: &mut Words, bounds: &mut StockFilter) {
    let mut at = 0;
    while at < words.len() {
        let Some(first) = amount_at(words, at) else {
            at += 1;
            continue;
        };
        // A range: "entre A y B", "between A and B", "de A a B".
        let range_start = words.free_phrase_ending_at(first.start, RANGE_STARTS);
        let second = range_start.filter(|_| RANGE_JOINS.contains(&words.word(first.end))).and_then(|_| {
            // The second amount may start with its `€`.
            let next = first.end + 1;
            amount_at(words, next).or_else(|| amount_at(words, next + 1).filter(|second| second.start == next))
        });
        if let (Some(range_start), Some(second)) = (range_start, second) {
            let quantity = first.unit.or(second.unit).or_else(|| second.quantity());
            if let Some(quantity) = quantity {
                // "entre 15 y 20 mil euros": both in thousands.
                let mut low = first.number;
                if second.thousands && !first.thousands && low.whole() < 1000 {
                    low = Number { hundredths: low.hundredths * 1000, plain: false };
                }
                apply_bound(bounds, quantity, Some(Comparison::AtLeast), low);
                apply_bound(bounds, quantity, Some(Comparison::AtMost), second.number);
                words.claim(range_start.at, second.end - range_start.at);
                at = second.end;
                continue;
            }
        }
        let Some(quantity) = first.quantity() else {
            at += 1;
            continue;
        };
        let comparisons = [
            (BELOW, Comparison::Below),
            (AT_MOST, Comparison::AtMost),
            (ABOVE, Comparison::Above),
            (AT_LEAST, Comparison::AtLeast),
        ];
        let before = comparisons
            .iter()
            .filter_map(|(phrases, comparison)| Some((words.free_phrase_ending_at(first.start, phrases)?, *comparison)))
            .max_by_key(|(found, _)| found.len);
        let after = [(OR_MORE, Comparison::AtLeast), (OR_LESS, Comparison::AtMost)]
            .iter()
            .find_map(|(phrases, comparison)| Some((words.free_phrase_at(first.end, phrases)?, *comparison)));
        let comparison = after.or(before).map(|(_, comparison)| comparison);
        // "3 meses" alone is a span of the history, not an age; a bare "3008" is not a price.
        let bare_money = quantity == Quantity::Money && first.unit.is_none() && !first.thousands;
        if comparison.is_none() && (quantity == Quantity::Months || bare_money) {
            at += 1;
            continue;
        }
        apply_bound(bounds, quantity, comparison, first.number);
        let start = before.map_or(first.start, |(found, _)| found.at);
        let end = after.map_or(first.end, |(found, _)| found.end());
        words.claim(start, end - start);
        at = end;
    }
}

fn apply_bound(bounds: &mut StockFilter, quantity: Quantity, comparison: Option<Comparison>, number: Number) {
    use Comparison::*;
    let whole = i32::try_from(number.whole()).unwrap_or(i32::MAX);
    let upper = matches!(comparison, Some(Below | AtMost));
    match quantity {
        // A price alone ("un SUV por 20.000 €") is a budget.
        Quantity::Money if upper || comparison.is_none() => bounds.price_max = Some(Money(number.hundredths)),
        Quantity::Money => bounds.price_min = Some(Money(number.hundredths)),
        Quantity::Km if upper || comparison.is_none() => bounds.km_max = Some(whole),
        Quantity::Km => bounds.km_min = Some(whole),
        Quantity::Days | Quantity::Months => {
            let days = if quantity == Quantity::Months { whole.saturating_mul(30) } else { whole };
            match comparison {
                Some(Below) => bounds.days_in_stock_max = Some(days - 1),
                Some(AtMost) => bounds.days_in_stock_max = Some(days),
                Some(Above) => bounds.days_in_stock_min = Some(days + 1),
                Some(AtLeast) | None => bounds.days_in_stock_min = Some(days),
            }
        }
        Quantity::Year => match comparison {
            Some(Below) => bounds.year_max = Some(whole - 1),
            Some(AtMost) => bounds.year_max = Some(whole),
            Some(Above) => bounds.year_min = Some(whole + 1),
            Some(AtLeast) => bounds.year_min = Some(whole),
            None => {
                bounds.year_min = Some(whole);
                bounds.year_max = Some(whole);
            }
        },
    }
}

/// "para ciudad", "for a new driver": a purpose that is not a name or value already read.
fn names_a_purpose(words: &Words) -> bool {
    (0..words.len()).any(|at| {
        let next = at + 1;
        NEED_PURPOSE.contains(&words.word(at))
            && !words.is_claimed(at)
            && next < words.len()
            && !words.is_claimed(next)
            && parse_number(words.word(next)).is_none()
    })
}

/// "7 plazas", "5 seats": a number nothing read, before a word nothing read.
fn has_unread_detail(words: &Words) -> bool {
    (0..words.len()).any(|at| {
        let next = at + 1;
        !words.is_claimed(at)
            && parse_number(words.word(at)).is_some()
            && next < words.len()
            && !words.is_claimed(next)
            && !STOPWORDS.contains(&words.word(next))
    })
}

/// "¿cuántos empleados...?": what follows "cuántos" is neither something read nor a word that
/// may follow it.
fn counts_something_unknown(words: &Words) -> bool {
    (0..words.len()).any(|at| {
        let Some(count) = words.free_phrase_at(at, COUNT) else { return false };
        let next = count.end();
        next < words.len()
            && !words.is_claimed(next)
            && !AFTER_COUNT.contains(&words.word(next))
            && !STOCK_NOUNS.contains(&words.word(next))
    })
}
