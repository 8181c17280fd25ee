//! Tool results → a Markdown answer in the question's language. Figures are only copied from
//! the results (or, for the bounds a question set, from the question): nothing here adds up,
//! subtracts or estimates, so the answer never quotes a figure no tool returned.

use shared::dashboard::DashboardFilter;
use shared::stock::{Money, StockFilter, Vehicle};

use super::Language;
use super::lexicon::{DashboardTopic, Focus, Lead, dashboard_topic, focus, province_name};
use super::numbers::{format_decimal, format_int, format_money, format_percent, parse_number};
use super::text::{Words, tokenize};
use crate::assistant::tools::args::{
    AggregateArgs, AggregateGroup, AggregateResult, DashboardResult, GroupBy, HistoryArgs, HistoryGroup, HistoryResult,
    SearchArgs, SearchResult, SemanticArgs, SemanticResult, ToolOutput, ToolRequest, VehicleArgs, VehicleResult,
    VehicleSummary,
};

pub(super) fn answer(
    language: Language,
    question: &str,
    results: &[(ToolRequest, Result<ToolOutput, String>)],
) -> String {
    if results.is_empty() {
        return not_understood(language);
    }
    let writer = Writer::new(language, question);
    let done: Vec<(&ToolRequest, &ToolOutput)> =
        results.iter().filter_map(|(call, result)| result.as_ref().ok().map(|output| (call, output))).collect();
    let mut sections = Vec::new();
    if let Some(comparison) = writer.comparison(&done) {
        sections.push(comparison);
    } else if let Some(history) = writer.histories(&done) {
        sections.push(history);
    } else {
        sections.extend(done.iter().map(|(call, output)| writer.section(call, output)));
    }
    for (call, result) in results {
        if let Err(error) = result {
            sections.push(writer.failure(call, error));
        }
    }
    sections.join("\n\n")
}

pub(super) fn not_understood(language: Language) -> String {
    match language {
        Language::Es => "No he entendido la pregunta, así que prefiero no inventarme una respuesta. \
            Puedo consultar el stock de vehículos; por ejemplo:\n\n\
            - ¿Cuántos SEAT diésel tenemos en Madrid?\n\
            - Stock por concesionario\n\
            - ¿Cuál es el coche que lleva más tiempo en stock?\n\
            - Busco un SUV automático para ciudad\n\n\
            También puedo enseñarte un vehículo si me das su VIN."
            .to_owned(),
        Language::En => "I did not understand the question, so I would rather not make up an answer. \
            I can look into the vehicle stock; for example:\n\n\
            - How many automatic cars do we have?\n\
            - Stock by dealer\n\
            - Which car has been in stock the longest?\n\
            - Looking for a small petrol car for a new driver\n\n\
            I can also show a vehicle if you give me its VIN."
            .to_owned(),
    }
}

/// Codes the tools use, as each language names them: (code, Spanish label, Spanish plural
/// adjective, English label).
const CODE_WORDS: &[(&str, &str, &str, &str)] = &[
    ("petrol", "Gasolina", "de gasolina", "Petrol"),
    ("diesel", "Diésel", "diésel", "Diesel"),
    ("hybrid", "Híbrido", "híbridos", "Hybrid"),
    ("plugin_hybrid", "Híbrido enchufable", "híbridos enchufables", "Plug-in hybrid"),
    ("electric", "Eléctrico", "eléctricos", "Electric"),
    ("lpg", "GLP", "GLP", "LPG"),
    ("cng", "GNC", "GNC", "CNG"),
    ("other", "Otro", "de otro combustible", "Other"),
    ("manual", "Manual", "manuales", "Manual"),
    ("automatic", "Automático", "automáticos", "Automatic"),
    ("available", "Disponible", "disponibles", "Available"),
    ("in_preparation", "En preparación", "en preparación", "In preparation"),
    ("in_transit", "En tránsito", "en tránsito", "In transit"),
    ("sold", "Vendido", "vendidos", "Sold"),
];

/// The sort of a search as words: (sort, Spanish, English).
const SORT_WORDS: &[(&str, &str, &str)] = &[
    ("-sale_price", "precio, de mayor a menor", "price, highest first"),
    ("sale_price", "precio, de menor a mayor", "price, lowest first"),
    ("-days_in_stock", "días en stock, de más a menos", "days in stock, most first"),
    ("days_in_stock", "días en stock, de menos a más", "days in stock, fewest first"),
    ("registration_year", "año de matriculación, el más antiguo primero", "registration year, oldest first"),
    ("-registration_year", "año de matriculación, el más reciente primero", "registration year, newest first"),
    ("-reception_date", "fecha de llegada, la más reciente primero", "arrival date, most recent first"),
    ("reception_date", "fecha de llegada, la más antigua primero", "arrival date, earliest first"),
    ("-mileage_km", "kilómetros, de más a menos", "mileage, highest first"),
    ("mileage_km", "kilómetros, de menos a más", "mileage, lowest first"),
    ("-power_cv", "potencia, de más a menos", "power, highest first"),
    ("-estimated_margin", "margen estimado, de mayor a menor", "estimated margin, highest first"),
    ("price_difference", "bajada de precio, la mayor primero", "price drop, largest first"),
];

const MONTH_NAMES: [(&str, &str); 12] = [
    ("enero", "January"),
    ("febrero", "February"),
    ("marzo", "March"),
    ("abril", "April"),
    ("mayo", "May"),
    ("junio", "June"),
    ("julio", "July"),
    ("agosto", "August"),
    ("septiembre", "September"),
    ("octubre", "October"),
    ("noviembre", "November"),
    ("diciembre", "December"),
];

const NONE: &str = "—";

/// Writes the sections of one answer.
struct Writer {
    language: Language,
    focus: Focus,
    topic: Option<DashboardTopic>,
    /// The numbers the question contains: bounds are quoted as the question put them.
    said: Vec<i64>,
}

impl Writer {
    fn new(language: Language, question: &str) -> Writer {
        let words = Words::new(question);
        let said = tokenize(question).iter().filter_map(|t| parse_number(&t.word)).map(|n| n.whole()).collect();
        Writer { language, focus: focus(&words), topic: dashboard_topic(&words), said }
    }

    fn t<'s>(&self, es: &'s str, en: &'s str) -> &'s str {
        match self.language {
            Language::Es => es,
            Language::En => en,
        }
    }

    fn int(&self, n: impl Into<i64>) -> String {
        format_int(self.language, n.into())
    }

    fn money(&self, money: Money) -> String {
        format_money(self.language, money)
    }

    fn maybe_money(&self, money: Option<Money>) -> String {
        money.map_or_else(|| NONE.to_owned(), |m| self.money(m))
    }

    fn decimal(&self, value: Option<f64>) -> String {
        value.map_or_else(|| NONE.to_owned(), |v| format_decimal(self.language, v))
    }

    fn km(&self, km: Option<i64>) -> String {
        km.map_or_else(|| NONE.to_owned(), |km| format!("{} km", self.int(km)))
    }

    /// "1 vehículo", "1.203 vehículos".
    fn vehicles(&self, n: i64) -> String {
        let noun = match (self.language, n == 1) {
            (Language::Es, true) => "vehículo",
            (Language::Es, false) => "vehículos",
            (Language::En, true) => "vehicle",
            (Language::En, false) => "vehicles",
        };
        format!("{} {noun}", self.int(n))
    }

    fn said(&self, n: i64) -> bool {
        self.said.contains(&n)
    }

    fn code_label(&self, code: &str) -> String {
        CODE_WORDS
            .iter()
            .find(|(c, ..)| *c == code)
            .map_or_else(|| code.to_owned(), |(_, es, _, en)| self.t(es, en).to_owned())
    }

    fn code_adjective(&self, code: &str) -> String {
        CODE_WORDS
            .iter()
            .find(|(c, ..)| *c == code)
            .map_or_else(|| code.to_owned(), |(_, _, es, en)| self.t(es, &en.to_lowercase()).to_owned())
    }

    fn period_label(&self, period: &str) -> String {
        if period == "latest" {
            return self.t("último", "latest").to_owned();
        }
        let month = period.split_once('-').filter(|(year, month)| year.len() == 4 && month.len() == 2);
        match month.and_then(|(year, month)| Some((year, month.parse::<usize>().ok()?))) {
            Some((year, month @ 1..=12)) => {
                let (es, en) = MONTH_NAMES[month - 1];
                format!("{} {year}", self.t(es, en))
            }
            _ => period.to_owned(),
        }
    }

    /// A dimension's column header and its plural in a sentence.
    fn dimension(&self, group: GroupBy) -> (&'static str, &'static str) {
        let (es, en) = match group {
            GroupBy::Brand => (("Marca", "marcas"), ("Brand", "brands")),
            GroupBy::Model => (("Modelo", "modelos"), ("Model", "models")),
            GroupBy::VehicleType => (("Carrocería", "carrocerías"), ("Body type", "body types")),
            GroupBy::Fuel => (("Combustible", "combustibles"), ("Fuel", "fuels")),
            GroupBy::Transmission => (("Cambio", "tipos de cambio"), ("Transmission", "transmissions")),
            GroupBy::StockType => (("Tipo de stock", "tipos de stock"), ("Stock type", "stock types")),
            GroupBy::Status => (("Estado", "estados"), ("Status", "statuses")),
            GroupBy::Dealer => (("Concesionario", "concesionarios"), ("Dealer", "dealers")),
            GroupBy::Province => (("Provincia", "provincias"), ("Province", "provinces")),
            GroupBy::RegistrationYear => (("Año de matriculación", "años"), ("Registration year", "years")),
            GroupBy::ReceptionMonth => (("Mes de entrada", "meses"), ("Reception month", "months")),
            GroupBy::PriceBand => (("Precio", "franjas de precio"), ("Price", "price bands")),
            GroupBy::AgeBand => (("Días en stock", "franjas de antigüedad"), ("Days in stock", "age bands")),
        };
        match self.language {
            Language::Es => es,
            Language::En => en,
        }
    }

    /// A band key (`10000-20000`, `181-`) in words: "10.000 € a 20.000 €", "181 días o más".
    fn band(&self, key: &str, format: impl Fn(i64) -> String, unit: &str) -> Option<String> {
        let (low, high) = key.split_once('-')?;
        let low = format(low.parse().ok()?);
        Some(match high {
            "" => format!("{low}{unit} {}", self.t("o más", "or more")),
            high => format!("{low} {} {}{unit}", self.t("a", "to"), format(high.parse().ok()?)),
        })
    }

    fn group_label(&self, group_by: Option<GroupBy>, group: &AggregateGroup) -> String {
        let label = match group_by {
            Some(GroupBy::Fuel | GroupBy::Transmission | GroupBy::Status) => Some(self.code_label(&group.key)),
            Some(GroupBy::PriceBand) => self.band(&group.key, |euros| self.money(Money::from_euros(euros)), ""),
            Some(GroupBy::AgeBand) => self.band(&group.key, |days| self.int(days), self.t(" días", " days")),
            _ => None,
        };
        label.unwrap_or_else(|| if group.label.is_empty() { group.key.clone() } else { group.label.clone() })
    }

    /// The filters in words, without a noun: `["SEAT", "diésel"]` and `["en Madrid", "hasta
    /// 15.000 €"]`. `dealer` is the dealer's name when a result gave it; `as_label` names places
    /// without a preposition, for a table's rows.
    fn describe(&self, filters: &StockFilter, dealer: Option<&str>, as_label: bool) -> (Vec<String>, Vec<String>) {
        let place = |preposition: &str, name: &str| {
            if as_label { name.to_owned() } else { format!("{} {name}", preposition) }
        };
        let mut subject: Vec<String> =
            [&filters.brand, &filters.model, &filters.vehicle_type].into_iter().flatten().cloned().collect();
        let mut traits: Vec<String> = [filters.fuel.map(|f| f.as_str()), filters.transmission.map(|t| t.as_str())]
            .into_iter()
            .flatten()
            .map(|code| self.code_adjective(code))
            .chain(filters.stock_type.map(|t| t.as_str().to_owned()))
            .chain(filters.status.map(|status| self.code_adjective(status.as_str())))
            .collect();
        if let Some(reserved) = filters.reserved {
            let (es, en) = if reserved { ("reservados", "reserved") } else { ("sin reservar", "unreserved") };
            traits.push(self.t(es, en).to_owned());
        }
        if let Some(published) = filters.published {
            let (es, en) = if published { ("publicados", "published") } else { ("sin publicar", "unpublished") };
            traits.push(self.t(es, en).to_owned());
        }
        let mut rest = Vec::new();
        if let Some(q) = &filters.q {
            rest.push(match self.language {
                Language::Es => format!("con «{q}»"),
                Language::En => format!("matching “{q}”"),
            });
        }
        if filters.dealer_id.is_some() {
            rest.push(match dealer {
                Some(name) => place(self.t("en", "at"), name),
                None => self.t("en el concesionario indicado", "at the dealer asked about").to_owned(),
            });
        }
        if let Some(code) = &filters.province {
            rest.push(match province_name(code) {
                Some(name) => place(self.t("en", "in"), name),
                None => self.t("en la provincia indicada", "in the province asked about").to_owned(),
            });
        }
        rest.extend(self.range(filters.price_min.map(|m| self.money(m)), filters.price_max.map(|m| self.money(m))));
        let km = |km: i32| format!("{} km", self.int(km));
        rest.extend(self.range(filters.km_min.map(km), filters.km_max.map(km)));
        rest.extend(self.years(filters.year_min, filters.year_max));
        rest.extend(self.days(filters.days_in_stock_min, filters.days_in_stock_max));
        if self.language == Language::En {
            std::mem::swap(&mut subject, &mut traits);
        }
        subject.extend(traits);
        (subject, rest)
    }

    /// What the figures cover, as a noun phrase: "SEAT diésel en Madrid", "todo el stock".
    fn coverage(&self, filters: &StockFilter, dealer: Option<&str>) -> String {
        let (mut words, rest) = self.describe(filters, dealer, false);
        let has_subject = filters.brand.is_some() || filters.model.is_some() || filters.vehicle_type.is_some();
        if words.is_empty() && rest.is_empty() {
            return self.t("todo el stock", "the whole stock").to_owned();
        }
        if !has_subject {
            match self.language {
                Language::Es => words.insert(0, "vehículos".to_owned()),
                Language::En => words.push("vehicles".to_owned()),
            }
        }
        words.extend(rest);
        words.join(" ")
    }

    /// The filters in words without a noun: a table row's label ("Autos Sol Madrid", `as_label`)
    /// or what a dashboard covers ("en Madrid").
    fn scope(&self, filters: &StockFilter, dealer: Option<&str>, as_label: bool) -> String {
        let (mut words, rest) = self.describe(filters, dealer, as_label);
        words.extend(rest);
        match (words.is_empty(), as_label) {
            (true, true) => capitalize(self.t("todo el stock", "the whole stock")),
            (true, false) => self.t("todo el stock", "the whole stock").to_owned(),
            (false, _) => words.join(" "),
        }
    }

    fn range(&self, min: Option<String>, max: Option<String>) -> Option<String> {
        Some(match (min, max) {
            (Some(min), Some(max)) => format!("{} {min} {} {max}", self.t("entre", "between"), self.t("y", "and")),
            (None, Some(max)) => format!("{} {max}", self.t("hasta", "up to")),
            (Some(min), None) => format!("{} {min}", self.t("desde", "from")),
            (None, None) => return None,
        })
    }

    /// Registration years as the question put them: "anteriores a 2015" is a maximum of 2014.
    fn years(&self, min: Option<i32>, max: Option<i32>) -> Option<String> {
        let (min, max) = (min.map(i64::from), max.map(i64::from));
        if let (Some(min), Some(max)) = (min, max) {
            if min == max {
                return Some(format!("{} {min}", self.t("de", "from")));
            }
            if self.said(min) && self.said(max) {
                let between = self.t("matriculados entre", "registered between");
                return Some(format!("{between} {min} {} {max}", self.t("y", "and")));
            }
        }
        let from =
            min.map(|min| format!("{} {min} {}", self.t("de", "registered"), self.t("o posteriores", "or later")));
        let until = max.map(|max| match self.said(max + 1) {
            true => format!("{} {}", self.t("anteriores a", "registered before"), max + 1),
            false => format!("{} {max}", self.t("matriculados hasta", "registered up to")),
        });
        self.both(from, until)
    }

    /// Days in stock as the question put them: "más de 90" is a minimum of 91, "más de 3 meses"
    /// one of 91 too.
    fn days(&self, min: Option<i32>, max: Option<i32>) -> Option<String> {
        let in_stock = self.t("días en stock", "days in stock");
        let as_said = |n: i64| {
            if self.said(n) {
                Some(format!("{} {in_stock}", self.int(n)))
            } else if n % 30 == 0 && n > 0 && self.said(n / 30) {
                Some(format!("{} {}", self.int(n / 30), self.t("meses en stock", "months in stock")))
            } else {
                None
            }
        };
        let with = self.t("con ", "");
        let (min, max) = (min.map(i64::from), max.map(i64::from));
        let from = min.map(|min| match as_said(min - 1) {
            Some(text) => format!("{with}{} {text}", self.t("más de", "over")),
            None => format!("{with}{} {}", self.int(min), self.t("días o más en stock", "or more days in stock")),
        });
        let until = max.map(|max| match as_said(max + 1) {
            Some(text) => format!("{with}{} {text}", self.t("menos de", "under")),
            None => format!("{with}{} {} {in_stock}", self.t("hasta", "up to"), self.int(max)),
        });
        self.both(from, until)
    }

    fn both(&self, first: Option<String>, second: Option<String>) -> Option<String> {
        match (first, second) {
            (Some(first), Some(second)) => Some(format!("{first} {} {second}", self.t("y", "and"))),
            (first, second) => first.or(second),
        }
    }

    fn section(&self, call: &ToolRequest, output: &ToolOutput) -> String {
        match (call, output) {
            (ToolRequest::SearchVehicles(args), ToolOutput::Search(result)) => self.search(args, result),
            (ToolRequest::AggregateStock(args), ToolOutput::Aggregate(result)) => self.aggregate(args, result),
            (ToolRequest::SemanticSearch(args), ToolOutput::Semantic(result)) => self.semantic(args, result),
            (ToolRequest::GetVehicle(args), ToolOutput::Vehicle(result)) => self.vehicle(args, result),
            (ToolRequest::DashboardFigures(args), ToolOutput::Dashboard(result)) => self.dashboard(args, result),
            (ToolRequest::StockHistory(args), ToolOutput::History(result)) => self.history(&[(args, result)]),
            _ => self.failure(
                call,
                self.t("el resultado no corresponde a la consulta", "the result does not match the call"),
            ),
        }
    }

    fn failure(&self, call: &ToolRequest, error: &str) -> String {
        let (es, en) = match call {
            ToolRequest::SearchVehicles(_) => ("la lista de vehículos", "the vehicle list"),
            ToolRequest::AggregateStock(_) => ("las cifras del stock", "the stock figures"),
            ToolRequest::SemanticSearch(_) => ("los vehículos que encajan", "the matching vehicles"),
            ToolRequest::GetVehicle(_) => ("la ficha del vehículo", "the vehicle's record"),
            ToolRequest::DashboardFigures(_) => ("los indicadores del panel", "the dashboard figures"),
            ToolRequest::StockHistory(_) => ("el histórico del stock", "the stock history"),
        };
        format!("⚠️ {} {}: {error}", self.t("No he podido obtener", "I could not get"), self.t(es, en))
    }

    fn nothing_found(&self, coverage: &str) -> String {
        match self.language {
            Language::Es => format!("No hay ningún vehículo en stock ({coverage})."),
            Language::En => format!("There are no vehicles in stock ({coverage})."),
        }
    }

    fn search(&self, args: &SearchArgs, result: &SearchResult) -> String {
        let dealer = args.filters.dealer_id.and(result.vehicles.first().and_then(|v| v.dealer.as_deref()));
        let coverage = self.coverage(&args.filters, dealer);
        if result.total == 0 {
            return self.nothing_found(&coverage);
        }
        let criterion = args
            .sort
            .as_deref()
            .map(|sort| SORT_WORDS.iter().find(|(s, ..)| *s == sort).map_or(sort, |(_, es, en)| self.t(es, en)));
        let lead = format!("{}: **{}**.", capitalize(&coverage), self.vehicles(result.total));
        match (criterion, result.vehicles.as_slice()) {
            (Some(criterion), [vehicle]) => {
                let first = match self.language {
                    Language::Es => format!("Por {criterion}, el primero es:"),
                    Language::En => format!("By {criterion}, the first is:"),
                };
                format!("{lead} {first}\n\n{}", self.summary_facts(vehicle))
            }
            (Some(criterion), vehicles) => {
                let order = match self.language {
                    Language::Es => format!("Ordenados por {criterion}:"),
                    Language::En => format!("Sorted by {criterion}:"),
                };
                format!("{lead} {order}\n\n{}", self.vehicle_table(vehicles))
            }
            (None, vehicles) => {
                let some = result.total > vehicles.len() as i64;
                let intro = if some { self.t(" Estos son los primeros:", " Here are the first ones:") } else { "" };
                format!("{lead}{intro}\n\n{}", self.vehicle_table(vehicles))
            }
        }
    }

    fn vehicle_name(brand: &str, model: &str, version: Option<&str>) -> String {
        [Some(brand), Some(model), version]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn summary_facts(&self, v: &VehicleSummary) -> String {
        let mut facts =
            vec![format!("**{}** — VIN {}", Self::vehicle_name(&v.brand, &v.model, v.version.as_deref()), v.vin)];
        let reserved = if v.reserved { self.t(" (reservado)", " (reserved)") } else { "" };
        facts.push(format!("{}: {}{reserved}", self.t("Precio", "Price"), self.money(v.sale_price)));
        let details: Vec<String> = [
            v.registration_year.map(|y| y.to_string()),
            Some(format!("{} km", self.int(v.mileage_km))),
            v.fuel.as_deref().map(|f| self.code_label(f)),
            v.transmission.as_deref().map(|t| self.code_label(t)),
        ]
        .into_iter()
        .flatten()
        .collect();
        facts.push(details.join(" · "));
        facts.push(format!("{}: {}", self.t("Días en stock", "Days in stock"), self.int(v.days_in_stock)));
        if let Some(dealer) = &v.dealer {
            let province = v.province.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
            facts.push(format!("{}: {dealer}{province}", self.t("Concesionario", "Dealer")));
        }
        facts.iter().map(|fact| format!("- {fact}")).collect::<Vec<_>>().join("\n")
    }

    fn vehicle_table(&self, vehicles: &[VehicleSummary]) -> String {
        let header = [
            "VIN",
            self.t("Vehículo", "Vehicle"),
            self.t("Año", "Year"),
            "Km",
            self.t("Combustible", "Fuel"),
            self.t("Precio", "Price"),
            self.t("Días en stock", "Days in stock"),
            self.t("Concesionario", "Dealer"),
        ];
        let rows = vehicles
            .iter()
            .map(|v| {
                let reserved = if v.reserved { self.t(" (reservado)", " (reserved)") } else { "" };
                vec![
                    v.vin.clone(),
                    Self::vehicle_name(&v.brand, &v.model, v.version.as_deref()),
                    v.registration_year.map_or_else(|| NONE.to_owned(), |y| y.to_string()),
                    self.int(v.mileage_km),
                    v.fuel.as_deref().map_or_else(|| NONE.to_owned(), |f| self.code_label(f)),
                    format!("{}{reserved}", self.money(v.sale_price)),
                    self.int(v.days_in_stock),
                    v.dealer.clone().unwrap_or_else(|| NONE.to_owned()),
                ]
            })
            .collect();
        table(&header, rows)
    }

    fn semantic(&self, args: &SemanticArgs, result: &SemanticResult) -> String {
        let among = if args.filters.is_empty() {
            String::new()
        } else {
            format!(" {} {}", self.t("entre", "among"), self.coverage(&args.filters, None))
        };
        if result.vehicles.is_empty() {
            return match self.language {
                Language::Es => format!("No he encontrado vehículos que encajen con lo que buscas{among}."),
                Language::En => format!("I found no vehicles that match what you describe{among}."),
            };
        }
        let mut text = match self.language {
            Language::Es => format!("Los vehículos que mejor encajan con lo que buscas{among}:"),
            Language::En => format!("The vehicles that best match what you describe{among}:"),
        };
        let vehicles: Vec<VehicleSummary> = result.vehicles.iter().map(|m| m.vehicle.clone()).collect();
        text = format!("{text}\n\n{}", self.vehicle_table(&vehicles));
        if result.mode == "text" {
            text.push_str(self.t(
                "\n\n_La búsqueda por significado no está disponible ahora: son resultados de una búsqueda por texto._",
                "\n\n_Meaning search is not available right now: these come from a text search._",
            ));
        }
        text
    }

    fn vehicle(&self, args: &VehicleArgs, result: &VehicleResult) -> String {
        let Some(v) = &result.vehicle else {
            return match self.language {
                Language::Es => format!("No hay ningún vehículo con el VIN {}.", args.vin),
                Language::En => format!("There is no vehicle with VIN {}.", args.vin),
            };
        };
        self.vehicle_facts(v)
    }

    fn vehicle_facts(&self, v: &Vehicle) -> String {
        let mut lines =
            vec![format!("**{}** — VIN {}", Self::vehicle_name(&v.brand, &v.model, v.version.as_deref()), v.vin)];
        let mut facts: Vec<String> = Vec::new();
        if let Some(plate) = &v.plate {
            facts.push(format!("{}: {plate}", self.t("Matrícula", "Plate")));
        }
        let basics: Vec<String> = [
            v.registration_year.map(|y| y.to_string()),
            Some(format!("{} km", self.int(v.mileage_km))),
            v.fuel.map(|f| self.code_label(f.as_str())),
            v.transmission.map(|t| self.code_label(t.as_str())),
            v.vehicle_type.clone(),
            v.colour.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        facts.push(basics.join(" · "));
        let before = v
            .previous_price
            .filter(|p| *p != v.sale_price)
            .map(|p| format!(" ({} {})", self.t("antes", "was"), self.money(p)))
            .unwrap_or_default();
        facts.push(format!("{}: **{}**{before}", self.t("Precio", "Price"), self.money(v.sale_price)));
        if let Some(margin) = v.estimated_margin {
            facts.push(format!("{}: {}", self.t("Margen estimado", "Estimated margin"), self.money(margin)));
        }
        let mut status = vec![v.stock_type.as_str().to_owned(), self.code_label(v.status.as_str())];
        if v.reserved {
            status.push(self.t("reservado", "reserved").to_owned());
        }
        status.push(
            if v.published { self.t("publicado", "published") } else { self.t("sin publicar", "not published") }
                .to_owned(),
        );
        facts.push(format!("{}: {}", self.t("Estado", "Status"), status.join(", ")));
        if let Some(dealer) = &v.dealer_name {
            let province = v.province_name.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
            facts.push(format!("{}: {dealer}{province}", self.t("Concesionario", "Dealer")));
        }
        facts.push(format!(
            "{}: {} ({} {})",
            self.t("Días en stock", "Days in stock"),
            self.int(v.days_in_stock),
            self.t("llegó el", "arrived on"),
            v.reception_date
        ));
        lines.extend(facts.into_iter().map(|fact| format!("- {fact}")));
        lines.join("\n")
    }

    fn aggregate(&self, args: &AggregateArgs, result: &AggregateResult) -> String {
        let whole = result.group_by.is_none() || result.groups.len() <= 1 && fixes(&args.filters, result.group_by);
        if whole { self.aggregate_totals(args, result) } else { self.aggregate_table(args, result) }
    }

    /// One set of figures: the lead is what the question asked for.
    fn aggregate_totals(&self, args: &AggregateArgs, result: &AggregateResult) -> String {
        let group = result.groups.first();
        let dealer = group.filter(|_| result.group_by == Some(GroupBy::Dealer)).map(|g| g.label.as_str());
        let coverage = self.coverage(&args.filters, dealer);
        let Some(group) = group.filter(|_| result.total_vehicles > 0) else {
            return self.nothing_found(&coverage);
        };
        let vehicles = self.vehicles(result.total_vehicles);
        let over = self.t("sobre", "over");
        let lead = match self.focus.lead {
            Lead::Value => Some((self.t("Valor del stock", "Stock value"), self.money(group.stock_value))),
            Lead::AveragePrice => group.average_price.map(|p| (self.t("Precio medio", "Average price"), self.money(p))),
            Lead::AverageKm => {
                group.average_km.map(|km| (self.t("Kilometraje medio", "Average mileage"), self.km(Some(km))))
            }
            Lead::AverageDays => group
                .average_days
                .map(|d| (self.t("Media de días en stock", "Average days in stock"), self.decimal(Some(d)))),
            Lead::Count => None,
        };
        let (text, shown) = match lead {
            Some((what, figure)) => (format!("{what} ({coverage}): **{figure}**, {over} {vehicles}."), self.focus.lead),
            None => (format!("{}: **{vehicles}**.", capitalize(&coverage)), Lead::Count),
        };
        let mut lines = Vec::new();
        if shown != Lead::Value {
            lines.push(format!("{}: {}", self.t("Valor del stock", "Stock value"), self.money(group.stock_value)));
        }
        let range = format!(
            "{} {}, {} {}",
            self.t("mínimo", "lowest"),
            self.maybe_money(group.min_price),
            self.t("máximo", "highest"),
            self.maybe_money(group.max_price)
        );
        lines.push(if shown == Lead::AveragePrice {
            format!("{}: {range}", self.t("Precio", "Price"))
        } else {
            format!("{}: {} ({range})", self.t("Precio medio", "Average price"), self.maybe_money(group.average_price))
        });
        if shown != Lead::AverageKm {
            lines.push(format!("{}: {}", self.t("Kilometraje medio", "Average mileage"), self.km(group.average_km)));
        }
        let max_days = group.max_days.map_or_else(|| NONE.to_owned(), |d| self.int(d));
        lines.push(if shown == Lead::AverageDays {
            format!("{}: {max_days}", self.t("Máximo de días en stock", "Most days in stock"))
        } else {
            format!(
                "{}: {} {}, {} {max_days}",
                self.t("Días en stock", "Days in stock"),
                self.t("media", "average"),
                self.decimal(group.average_days),
                self.t("máximo", "most")
            )
        });
        let bullets: Vec<String> = lines.into_iter().map(|line| format!("- {line}")).collect();
        format!("{text}\n\n{}", bullets.join("\n"))
    }

    /// The figures columns of a table of groups, as the question asks for them.
    fn figure_columns(&self, group_by: Option<GroupBy>, filters: &StockFilter) -> Vec<(&'static str, Column)> {
        let mut columns = vec![
            (self.t("Vehículos", "Vehicles"), Column::Vehicles),
            (self.t("Valor del stock", "Stock value"), Column::Value),
            (self.t("Precio medio", "Average price"), Column::AveragePrice),
        ];
        if self.focus.min_max {
            columns.push((self.t("Precio mínimo", "Lowest price"), Column::MinPrice));
            columns.push((self.t("Precio máximo", "Highest price"), Column::MaxPrice));
        }
        if self.focus.km {
            columns.push((self.t("Km medios", "Average km"), Column::AverageKm));
        }
        let ageing = filters.days_in_stock_min.is_some() || filters.days_in_stock_max.is_some();
        if self.focus.days || ageing || group_by == Some(GroupBy::AgeBand) {
            columns.push((self.t("Días medios", "Average days"), Column::AverageDays));
            columns.push((self.t("Máx. días", "Most days"), Column::MaxDays));
        }
        columns
    }

    fn cell(&self, column: Column, group: &AggregateGroup) -> String {
        match column {
            Column::Vehicles => self.int(group.vehicles),
            Column::Value => self.money(group.stock_value),
            Column::AveragePrice => self.maybe_money(group.average_price),
            Column::MinPrice => self.maybe_money(group.min_price),
            Column::MaxPrice => self.maybe_money(group.max_price),
            Column::AverageKm => self.km(group.average_km),
            Column::AverageDays => self.decimal(group.average_days),
            Column::MaxDays => group.max_days.map_or_else(|| NONE.to_owned(), |d| self.int(d)),
        }
    }

    fn aggregate_table(&self, args: &AggregateArgs, result: &AggregateResult) -> String {
        let coverage = self.coverage(&args.filters, None);
        if result.total_vehicles == 0 {
            return self.nothing_found(&coverage);
        }
        let group_by = result.group_by.or(args.group_by).unwrap_or(GroupBy::Brand);
        let (header, plural) = self.dimension(group_by);
        let singular = header.to_lowercase();
        let lead = match self.language {
            Language::Es => format!(
                "{}, por {singular}: **{}** en {} {plural}.",
                capitalize(&coverage),
                self.vehicles(result.total_vehicles),
                self.int(result.total_groups)
            ),
            Language::En => format!(
                "{} by {singular}: **{}** in {} {plural}.",
                capitalize(&coverage),
                self.vehicles(result.total_vehicles),
                self.int(result.total_groups)
            ),
        };
        let columns = self.figure_columns(Some(group_by), &args.filters);
        let mut headers = vec![header];
        headers.extend(columns.iter().map(|(name, _)| *name));
        let rows = result
            .groups
            .iter()
            .map(|group| {
                let mut row = vec![self.group_label(Some(group_by), group)];
                row.extend(columns.iter().map(|(_, column)| self.cell(*column, group)));
                row
            })
            .collect();
        let mut text = format!("{lead}\n\n{}", table(&headers, rows));
        if (result.groups.len() as i64) < result.total_groups {
            text.push_str(&match self.language {
                Language::Es => format!("\n\nSe muestran los {plural} con más vehículos."),
                Language::En => format!("\n\nShowing the {plural} with most vehicles."),
            });
        }
        text
    }

    /// Several aggregates of one group or none each (one per dealer, brand...): one table.
    fn comparison(&self, done: &[(&ToolRequest, &ToolOutput)]) -> Option<String> {
        let aggregates: Vec<(&AggregateArgs, &AggregateResult)> = done
            .iter()
            .filter_map(|(call, output)| match (call, output) {
                (ToolRequest::AggregateStock(args), ToolOutput::Aggregate(result)) if result.groups.len() <= 1 => {
                    Some((args, result))
                }
                _ => None,
            })
            .collect();
        if aggregates.len() < 2 || aggregates.len() != done.len() {
            return None;
        }
        let group_by = aggregates[0].1.group_by.filter(|g| aggregates.iter().all(|(_, r)| r.group_by == Some(*g)));
        let first_header = group_by.map_or(self.t("Selección", "Selection"), |g| self.dimension(g).0);
        let columns = self.figure_columns(group_by, &aggregates[0].0.filters);
        let mut headers = vec![first_header];
        headers.extend(columns.iter().map(|(name, _)| *name));
        let rows = aggregates
            .iter()
            .map(|(args, result)| {
                let dealer = result.groups.first().filter(|_| result.group_by == Some(GroupBy::Dealer));
                let label = self.scope(&args.filters, dealer.map(|g| g.label.as_str()), true);
                let mut row = vec![label];
                row.extend(columns.iter().map(|(_, column)| match result.groups.first() {
                    Some(group) => self.cell(*column, group),
                    None if *column == Column::Vehicles => self.int(result.total_vehicles),
                    None => NONE.to_owned(),
                }));
                row
            })
            .collect();
        Some(format!("{}\n\n{}", self.t("Comparación:", "Comparison:"), table(&headers, rows)))
    }

    fn dashboard(&self, args: &DashboardFilter, result: &DashboardResult) -> String {
        let filters = StockFilter {
            dealer_id: args.dealer_id,
            province: args.province.clone(),
            stock_type: args.stock_type,
            ..StockFilter::default()
        };
        let coverage = self.scope(&filters, None, false);
        let (counts, money) = (&result.counts, &result.money);
        let margin = match (money.average_margin, money.margin_percent) {
            (Some(margin), Some(percent)) => {
                format!("**{}** ({})", self.money(margin), format_percent(self.language, percent))
            }
            (Some(margin), None) => format!("**{}**", self.money(margin)),
            _ => NONE.to_owned(),
        };
        let stock_now = format!("{}: {}.", self.t("Stock actual", "Current stock"), self.vehicles(counts.total));
        let focused = match self.topic {
            Some(DashboardTopic::Margin) => Some(match self.language {
                Language::Es => format!(
                    "Margen medio ({coverage}): {margin} sobre el precio de venta, en los vehículos con coste conocido. Por debajo de coste: {}.",
                    self.vehicles(money.below_cost)
                ),
                Language::En => format!(
                    "Average margin ({coverage}): {margin} of the sale price, over the vehicles with a known cost. Below cost: {}.",
                    self.vehicles(money.below_cost)
                ),
            }),
            Some(DashboardTopic::Sold) => Some(format!(
                "{} ({coverage}): **{}**. {stock_now}",
                self.t("Vendidos este mes", "Sold this month"),
                self.int(counts.sold_this_month)
            )),
            Some(DashboardTopic::Received) => Some(match self.language {
                Language::Es => format!(
                    "Entradas ({coverage}): **{}** esta semana y **{}** este mes. {stock_now}",
                    self.int(counts.new_this_week),
                    self.int(counts.new_this_month)
                ),
                Language::En => format!(
                    "Arrivals ({coverage}): **{}** this week and **{}** this month. {stock_now}",
                    self.int(counts.new_this_week),
                    self.int(counts.new_this_month)
                ),
            }),
            Some(DashboardTopic::Removed) => Some(format!(
                "{} ({coverage}): **{}**. {stock_now}",
                self.t("Retirados del stock este mes", "Removed from stock this month"),
                self.int(counts.removed_this_month)
            )),
            Some(DashboardTopic::BelowCost) => Some(format!(
                "{} ({coverage}): **{}**. {stock_now}",
                self.t("Vehículos por debajo de coste", "Vehicles below cost"),
                self.int(money.below_cost)
            )),
            Some(DashboardTopic::Median) => Some(format!(
                "{} ({coverage}): {} **{}**, {} **{}**. {stock_now}",
                self.t("Días en stock", "Days in stock"),
                self.t("media", "average"),
                self.decimal(result.average_days),
                self.t("mediana", "median"),
                self.decimal(result.median_days)
            )),
            Some(DashboardTopic::Summary) | None => None,
        };
        if let Some(text) = focused {
            return text;
        }
        let ageing: Vec<String> = result
            .ageing
            .iter()
            .map(|(key, vehicles)| {
                let band = self.band(key, |d| self.int(d), "").unwrap_or_else(|| key.clone());
                format!("{band}: {}", self.int(*vehicles))
            })
            .collect();
        let lines = [
            match self.language {
                Language::Es => format!(
                    "Vehículos: **{}** ({} disponibles, {} reservados)",
                    self.int(counts.total),
                    self.int(counts.available),
                    self.int(counts.reserved)
                ),
                Language::En => format!(
                    "Vehicles: **{}** ({} available, {} reserved)",
                    self.int(counts.total),
                    self.int(counts.available),
                    self.int(counts.reserved)
                ),
            },
            format!(
                "{}: {}; {}: {}",
                self.t("Publicados", "Published"),
                self.int(counts.published),
                self.t("sin publicar", "not published"),
                self.int(counts.not_published)
            ),
            match self.language {
                Language::Es => format!(
                    "Entradas: {} esta semana, {} este mes",
                    self.int(counts.new_this_week),
                    self.int(counts.new_this_month)
                ),
                Language::En => format!(
                    "Arrivals: {} this week, {} this month",
                    self.int(counts.new_this_week),
                    self.int(counts.new_this_month)
                ),
            },
            format!(
                "{}: {}; {}: {}",
                self.t("Vendidos este mes", "Sold this month"),
                self.int(counts.sold_this_month),
                self.t("retirados", "removed"),
                self.int(counts.removed_this_month)
            ),
            format!(
                "{}: {} ({}: {})",
                self.t("Valor del stock", "Stock value"),
                self.money(money.stock_value),
                self.t("coste", "cost"),
                self.money(money.cost_value)
            ),
            format!("{}: {}", self.t("Precio medio", "Average price"), self.maybe_money(money.average_price)),
            format!("{}: {margin}", self.t("Margen medio", "Average margin")),
            format!("{}: {}", self.t("Por debajo de coste", "Below cost"), self.vehicles(money.below_cost)),
            format!(
                "{}: {} {}, {} {}",
                self.t("Días en stock", "Days in stock"),
                self.t("media", "average"),
                self.decimal(result.average_days),
                self.t("mediana", "median"),
                self.decimal(result.median_days)
            ),
            format!("{}: {}", self.t("Antigüedad (días)", "Age (days)"), ageing.join(" · ")),
        ];
        let title = match self.language {
            Language::Es => format!("Resumen del stock ({coverage}) a {}:", result.today),
            Language::En => format!("Stock summary ({coverage}) on {}:", result.today),
        };
        let bullets: Vec<String> = lines.iter().map(|line| format!("- {line}")).collect();
        format!("{title}\n\n{}", bullets.join("\n"))
    }

    /// All the results are histories: one table.
    fn histories(&self, done: &[(&ToolRequest, &ToolOutput)]) -> Option<String> {
        let histories: Vec<(&HistoryArgs, &HistoryResult)> = done
            .iter()
            .filter_map(|(call, output)| match (call, output) {
                (ToolRequest::StockHistory(args), ToolOutput::History(result)) => Some((args, result)),
                _ => None,
            })
            .collect();
        (!histories.is_empty() && histories.len() == done.len()).then(|| self.history(&histories))
    }

    fn history(&self, histories: &[(&HistoryArgs, &HistoryResult)]) -> String {
        let place = |args: &HistoryArgs| args.place().stock_filter();
        let missing: Vec<String> = histories
            .iter()
            .flat_map(|(_, result)| &result.periods)
            .filter(|p| p.snapshot_date.is_none())
            .map(|p| self.period_label(&p.period))
            .collect();
        let mut text = match histories {
            [(args, result)] if result.group_by.is_none() => {
                self.history_detail(&self.coverage(&place(args), None), result)
            }
            _ => self.history_pivot(histories, &place),
        };
        if !missing.is_empty() {
            let mut missing = missing;
            missing.dedup();
            text.push_str(&format!(
                "\n\n{} {}.",
                self.t("No hay snapshots de:", "There are no snapshots for:"),
                missing.join(", ")
            ));
        }
        text
    }

    /// One history over the whole stock (or one dealer, province or stock type): a row per period.
    fn history_detail(&self, coverage: &str, result: &HistoryResult) -> String {
        let headers = [
            self.t("Periodo", "Period"),
            "Snapshot",
            self.t("Vehículos", "Vehicles"),
            self.t("Reservados", "Reserved"),
            self.t("Publicados", "Published"),
            self.t("Valor del stock", "Stock value"),
            self.t("Días medios", "Average days"),
        ];
        let rows = result
            .periods
            .iter()
            .filter_map(|period| {
                let row = period.rows.first()?;
                Some(vec![
                    self.period_label(&period.period),
                    period.snapshot_date.map_or_else(|| NONE.to_owned(), |d| d.to_string()),
                    self.int(row.vehicles),
                    self.int(row.reserved),
                    self.int(row.published),
                    self.money(row.stock_value),
                    self.decimal(row.average_days),
                ])
            })
            .collect();
        let lead = match self.language {
            Language::Es => format!("Stock según el último snapshot de cada periodo ({coverage}):"),
            Language::En => format!("Stock as the last snapshot of each period saw it ({coverage}):"),
        };
        format!("{lead}\n\n{}", table(&headers, rows))
    }

    /// Histories by dealer, province or stock type (or several calls): a row per group, a column
    /// per period.
    fn history_pivot(
        &self,
        histories: &[(&HistoryArgs, &HistoryResult)],
        place: &dyn Fn(&HistoryArgs) -> StockFilter,
    ) -> String {
        let mut periods: Vec<&str> = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        let mut cells: Vec<(String, &str, i64, Money)> = Vec::new();
        for (args, result) in histories {
            for period in &result.periods {
                if !periods.contains(&period.period.as_str()) {
                    periods.push(&period.period);
                }
                for row in &period.rows {
                    let label = if row.key == "all" { self.scope(&place(args), None, true) } else { row.label.clone() };
                    if !labels.contains(&label) {
                        labels.push(label.clone());
                    }
                    cells.push((label, &period.period, row.vehicles, row.stock_value));
                }
            }
        }
        let group_by = histories.iter().find_map(|(_, result)| result.group_by);
        let first_header = match group_by {
            Some(HistoryGroup::Dealer) => self.t("Concesionario", "Dealer"),
            Some(HistoryGroup::Province) => self.t("Provincia", "Province"),
            Some(HistoryGroup::StockType) => self.t("Tipo de stock", "Stock type"),
            None => self.t("Selección", "Selection"),
        };
        let mut headers = vec![first_header.to_owned()];
        headers.extend(periods.iter().map(|p| self.period_label(p)));
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let pivot = |figure: &dyn Fn(i64, Money) -> String| {
            let rows = labels
                .iter()
                .map(|label| {
                    let mut row = vec![label.clone()];
                    row.extend(periods.iter().map(|period| {
                        cells
                            .iter()
                            .find(|(l, p, ..)| l == label && p == period)
                            .map_or_else(|| NONE.to_owned(), |(_, _, vehicles, value)| figure(*vehicles, *value))
                    }));
                    row
                })
                .collect();
            table(&headers, rows)
        };
        let coverage = match histories {
            [(args, _)] if !place(args).is_empty() => format!(" ({})", self.coverage(&place(args), None)),
            _ => String::new(),
        };
        let mut text = format!(
            "{}{coverage}:\n\n{}",
            self.t(
                "Vehículos en stock según el último snapshot de cada periodo",
                "Vehicles in stock as the last snapshot of each period saw them"
            ),
            pivot(&|vehicles, _| self.int(vehicles))
        );
        if self.focus.value {
            text.push_str(&format!(
                "\n\n{}:\n\n{}",
                self.t("Valor del stock", "Stock value"),
                pivot(&|_, value| self.money(value))
            ));
        }
        text
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Vehicles,
    Value,
    AveragePrice,
    MinPrice,
    MaxPrice,
    AverageKm,
    AverageDays,
    MaxDays,
}

/// Whether the filters already fix the grouped dimension (one dealer grouped by dealer): the
/// single group is then the whole result, named.
fn fixes(filters: &StockFilter, group_by: Option<GroupBy>) -> bool {
    match group_by {
        Some(GroupBy::Dealer) => filters.dealer_id.is_some(),
        Some(GroupBy::Province) => filters.province.is_some(),
        Some(GroupBy::Brand) => filters.brand.is_some(),
        Some(GroupBy::Model) => filters.model.is_some(),
        Some(GroupBy::VehicleType) => filters.vehicle_type.is_some(),
        Some(GroupBy::Fuel) => filters.fuel.is_some(),
        Some(GroupBy::Transmission) => filters.transmission.is_some(),
        Some(GroupBy::StockType) => filters.stock_type.is_some(),
        Some(GroupBy::Status) => filters.status.is_some(),
        _ => false,
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// A Markdown table.
fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let escape = |cell: &str| cell.replace('|', "\\|");
    let mut lines =
        vec![line(headers.iter().map(|h| escape(h)).collect()), format!("|{}", "---|".repeat(headers.len()))];
    lines.extend(rows.into_iter().map(|row| line(row.iter().map(|cell| escape(cell)).collect())));
    lines.join("\n")
}
