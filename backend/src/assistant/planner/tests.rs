//! Questions and the exact tool calls planned for them, follow-ups, questions not understood, and
//! answers written from results.

use chrono::NaiveDate;
use shared::dashboard::{DashboardFilter, StockCounts, StockMoney};
use shared::stock::Money;

use super::text::tokenize;
use super::*;
use crate::assistant::tools::args::*;
use shared::stock::{Fuel, StockFilter, StockType, Transmission, VehicleStatus};

fn vocabulary() -> Vocabulary {
    let strings = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    Vocabulary {
        brands: strings(&["SEAT", "Volkswagen", "Mercedes-Benz", "Peugeot", "Toyota", "BMW"]),
        models: [
            ("SEAT", "Ibiza"),
            ("SEAT", "León"),
            ("SEAT", "Arona"),
            ("Volkswagen", "Golf"),
            ("Volkswagen", "Up"),
            ("Peugeot", "208"),
            ("Toyota", "Corolla"),
            ("BMW", "X1"),
            ("Mercedes-Benz", "Clase A"),
        ]
        .iter()
        .map(|(b, m)| (b.to_string(), m.to_string()))
        .collect(),
        vehicle_types: strings(&["SUV", "Turismo", "Familiar", "Monovolumen", "Compacto"]),
        dealers: vec![
            (3, "Autos Sol Madrid".into()),
            (5, "Motor Norte".into()),
            (7, "Autos Sol Sevilla".into()),
            (9, "Concesionario Levante Valencia".into()),
        ],
        provinces: [
            ("28", "Madrid"),
            ("08", "Barcelona"),
            ("41", "Sevilla"),
            ("46", "Valencia/València"),
            ("24", "León"),
        ]
        .iter()
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect(),
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
}

fn plan_after(question: &str, previous: &[ToolRequest]) -> Vec<ToolRequest> {
    match plan(question, previous, &vocabulary(), today()) {
        Plan::Calls { calls, .. } => calls,
        Plan::NotUnderstood { .. } => panic!("not understood: {question}"),
    }
}

fn planned(question: &str) -> Vec<ToolRequest> {
    plan_after(question, &[])
}

fn understood(question: &str) -> bool {
    matches!(plan(question, &[], &vocabulary(), today()), Plan::Calls { .. })
}

fn aggregate(filters: StockFilter, group_by: Option<GroupBy>) -> ToolRequest {
    ToolRequest::AggregateStock(AggregateArgs { filters, group_by, limit: None })
}

fn search(filters: StockFilter, sort: Option<&str>, limit: Option<i64>) -> ToolRequest {
    ToolRequest::SearchVehicles(SearchArgs { filters, sort: sort.map(str::to_owned), limit })
}

fn semantic(text: &str, filters: StockFilter) -> ToolRequest {
    ToolRequest::SemanticSearch(SemanticArgs { text: text.into(), filters, limit: Some(5) })
}

fn history(periods: &[&str], group_by: Option<HistoryGroup>) -> ToolRequest {
    ToolRequest::StockHistory(HistoryArgs {
        periods: periods.iter().map(|p| p.to_string()).collect(),
        group_by,
        ..HistoryArgs::default()
    })
}

fn text(value: &str) -> Option<String> {
    Some(value.to_owned())
}

fn euros(euros: i64) -> Option<Money> {
    Some(Money::from_euros(euros))
}

fn all() -> StockFilter {
    StockFilter::default()
}

#[test]
fn counts_with_names_values_and_places() {
    let seat_diesel_madrid =
        StockFilter { brand: text("SEAT"), fuel: Some(Fuel::Diesel), province: text("28"), ..all() };
    assert_eq!(planned("¿Cuántos SEAT diésel tenemos en Madrid?"), [aggregate(seat_diesel_madrid.clone(), None)]);
    assert_eq!(planned("cuantos seat diesel tenemos en MADRID"), [aggregate(seat_diesel_madrid, None)]);
    assert_eq!(
        planned("How many automatic cars do we have?"),
        [aggregate(StockFilter { transmission: Some(Transmission::Automatic), ..all() }, None)]
    );
    assert_eq!(
        planned("How many VW are there?"),
        [aggregate(StockFilter { brand: text("Volkswagen"), ..all() }, None)]
    );
    assert_eq!(
        planned("¿Cuál es el valor del stock de Volkswagen?"),
        [aggregate(StockFilter { brand: text("Volkswagen"), ..all() }, None)]
    );
    assert_eq!(
        planned("¿Cuántos vehículos reservados hay?"),
        [aggregate(StockFilter { reserved: Some(true), ..all() }, None)]
    );
    assert_eq!(
        planned("¿Cuántos km0 tenemos?"),
        [aggregate(StockFilter { stock_type: Some(StockType::Km0), ..all() }, None)]
    );
    assert_eq!(
        planned("¿Cuántos híbridos enchufables hay?"),
        [aggregate(StockFilter { fuel: Some(Fuel::PluginHybrid), ..all() }, None)]
    );
    assert_eq!(
        planned("How many cars are in transit?"),
        [aggregate(StockFilter { status: Some(VehicleStatus::InTransit), ..all() }, None)]
    );
    assert_eq!(
        planned("¿Cuántos familiares hay?"),
        [aggregate(StockFilter { vehicle_type: text("Familiar"), ..all() }, None)]
    );
    assert_eq!(
        planned("how many SUVs do we have in Barcelona"),
        [aggregate(StockFilter { vehicle_type: text("SUV"), province: text("08"), ..all() }, None)]
    );
}

#[test]
fn models_imply_their_brand_and_places_are_told_apart() {
    assert_eq!(
        planned("¿Cuántos SEAT León hay en León?"),
        [aggregate(StockFilter { brand: text("SEAT"), model: text("León"), province: text("24"), ..all() }, None)]
    );
    assert_eq!(
        planned("muéstrame los Ibiza de gasolina"),
        [search(
            StockFilter { brand: text("SEAT"), model: text("Ibiza"), fuel: Some(Fuel::Petrol), ..all() },
            None,
            None
        )]
    );
    // "up to" is not the Volkswagen Up.
    assert_eq!(
        planned("how many cars up to 12,000 euros"),
        [aggregate(StockFilter { price_max: euros(12000), ..all() }, None)]
    );
    // A dealer by part of its name; "Madrid" there is not the province.
    assert_eq!(
        planned("¿Cuántos coches tiene Sol Madrid?"),
        [aggregate(StockFilter { dealer_id: Some(3), ..all() }, Some(GroupBy::Dealer))]
    );
    assert_eq!(
        planned("¿cuántos coches tiene Autos Sol Madrid en Madrid?"),
        [aggregate(StockFilter { province: text("28"), ..all() }, None)],
        "the last place named wins"
    );
    assert_eq!(
        planned("how many BMW X1 at Levante"),
        [aggregate(
            StockFilter { brand: text("BMW"), model: text("X1"), dealer_id: Some(9), ..all() },
            Some(GroupBy::Dealer)
        )]
    );
}

#[test]
fn prices_kilometres_years_and_days() {
    let price_max = |n| aggregate(StockFilter { price_max: euros(n), ..all() }, None);
    assert_eq!(planned("cuántos coches de menos de 15.000 €"), [price_max(15000)]);
    assert_eq!(planned("¿Cuántos coches hay de menos de 15.000 euros?"), [price_max(15000)]);
    assert_eq!(planned("How many cars under 15k?"), [price_max(15000)]);
    assert_eq!(planned("how many cars under 15,000"), [price_max(15000)]);
    assert_eq!(
        planned("¿Cuántos coches hay entre 10.000 y 20.000?"),
        [aggregate(StockFilter { price_min: euros(10000), price_max: euros(20000), ..all() }, None)]
    );
    assert_eq!(
        planned("cuántos coches de más de 30.000 €"),
        [aggregate(StockFilter { price_min: euros(30000), ..all() }, None)]
    );
    assert_eq!(
        planned("¿Cuántos coches con menos de 50.000 km?"),
        [aggregate(StockFilter { km_max: Some(50000), ..all() }, None)]
    );
    assert_eq!(
        planned("¿Cuántos coches de 2020 o posteriores?"),
        [aggregate(StockFilter { year_min: Some(2020), ..all() }, None)]
    );
    assert_eq!(
        planned("¿Cuántos coches anteriores a 2015 tenemos?"),
        [aggregate(StockFilter { year_max: Some(2014), ..all() }, None)]
    );
    assert_eq!(
        planned("cars from 2019 with less than 50,000 km"),
        [search(StockFilter { year_min: Some(2019), km_max: Some(50000), ..all() }, None, None)]
    );
    assert_eq!(
        planned("cars over 180 days in stock"),
        [search(StockFilter { days_in_stock_min: Some(181), ..all() }, Some("-days_in_stock"), None)]
    );
}

#[test]
fn breakdowns() {
    assert_eq!(planned("¿Cuántos coches hay por marca?"), [aggregate(all(), Some(GroupBy::Brand))]);
    assert_eq!(planned("stock por concesionario"), [aggregate(all(), Some(GroupBy::Dealer))]);
    assert_eq!(planned("vehicles by fuel"), [aggregate(all(), Some(GroupBy::Fuel))]);
    assert_eq!(planned("How many brands do we have?"), [aggregate(all(), Some(GroupBy::Brand))]);
    assert_eq!(planned("antigüedad del stock"), [aggregate(all(), Some(GroupBy::AgeBand))]);
    assert_eq!(
        planned("vehículos con más de 90 días en stock por concesionario"),
        [aggregate(StockFilter { days_in_stock_min: Some(91), ..all() }, Some(GroupBy::Dealer))]
    );
    assert_eq!(
        planned("precio medio de los SUV por tipo de stock"),
        [aggregate(StockFilter { vehicle_type: text("SUV"), ..all() }, Some(GroupBy::StockType))]
    );
}

#[test]
fn averages() {
    assert_eq!(
        planned("precio medio de los SUV"),
        [aggregate(StockFilter { vehicle_type: text("SUV"), ..all() }, None)]
    );
    assert_eq!(
        planned("average mileage of diesel cars"),
        [aggregate(StockFilter { fuel: Some(Fuel::Diesel), ..all() }, None)]
    );
}

#[test]
fn extremes() {
    assert_eq!(planned("el coche más antiguo en stock"), [search(all(), Some("-days_in_stock"), Some(1))]);
    assert_eq!(planned("¿Cuál es el más caro?"), [search(all(), Some("-sale_price"), Some(1))]);
    assert_eq!(planned("What is the cheapest car?"), [search(all(), Some("sale_price"), Some(1))]);
    assert_eq!(planned("Which car has the most kilometres?"), [search(all(), Some("-mileage_km"), Some(1))]);
    assert_eq!(planned("Show me the newest arrival"), [search(all(), Some("-reception_date"), Some(1))]);
    assert_eq!(planned("oldest registration in stock"), [search(all(), Some("registration_year"), Some(1))]);
    assert_eq!(
        planned("los 5 SEAT más baratos"),
        [search(StockFilter { brand: text("SEAT"), ..all() }, Some("sale_price"), Some(5))]
    );
    assert_eq!(planned("los coches más caros"), [search(all(), Some("-sale_price"), Some(5))]);
    assert_eq!(
        planned("the 3 most expensive Mercedes"),
        [search(StockFilter { brand: text("Mercedes-Benz"), ..all() }, Some("-sale_price"), Some(3))]
    );
}

#[test]
fn more_ways_of_asking() {
    assert_eq!(planned("coches ordenados por precio"), [search(all(), Some("sale_price"), None)]);
    assert_eq!(
        planned("¿Qué coches llevan más de 6 meses en stock?"),
        [search(StockFilter { days_in_stock_min: Some(181), ..all() }, Some("-days_in_stock"), None)]
    );
    assert_eq!(
        planned("¿cuántos coches hay entre 15 y 20 mil euros?"),
        [aggregate(StockFilter { price_min: euros(15000), price_max: euros(20000), ..all() }, None)]
    );
    assert_eq!(
        planned("cars between €10,000 and €15,000"),
        [search(StockFilter { price_min: euros(10000), price_max: euros(15000), ..all() }, None, None)]
    );
    assert_eq!(
        planned("show me Golfs"),
        [search(StockFilter { brand: text("Volkswagen"), model: text("Golf"), ..all() }, None, None)]
    );
    assert_eq!(
        planned("¿cuántos 208 hay?"),
        [aggregate(StockFilter { brand: text("Peugeot"), model: text("208"), ..all() }, None)]
    );
    // A part of a name two dealers share names both.
    assert_eq!(
        planned("¿Cuántos coches de Autos Sol tenemos?"),
        [
            aggregate(StockFilter { dealer_id: Some(3), ..all() }, Some(GroupBy::Dealer)),
            aggregate(StockFilter { dealer_id: Some(7), ..all() }, Some(GroupBy::Dealer)),
        ]
    );
    assert_eq!(
        planned("¿Cuántos coches eléctricos o híbridos hay?"),
        [
            aggregate(StockFilter { fuel: Some(Fuel::Hybrid), ..all() }, Some(GroupBy::Fuel)),
            aggregate(StockFilter { fuel: Some(Fuel::Electric), ..all() }, Some(GroupBy::Fuel)),
        ]
    );
    // Several values of one thing in a need are left to its text.
    let question = "busco un coche eléctrico o híbrido para ir al trabajo";
    assert_eq!(planned(question), [semantic(question, all())]);
    assert_eq!(
        planned("¿cuántos vehículos nuevos han entrado este mes?"),
        [ToolRequest::DashboardFigures(DashboardFilter::default())],
        "newly arrived, not the VN stock type"
    );
}

#[test]
fn the_same_in_english() {
    assert_eq!(planned("How many cars by brand?"), [aggregate(all(), Some(GroupBy::Brand))]);
    assert_eq!(planned("average price per dealer"), [aggregate(all(), Some(GroupBy::Dealer))]);
    assert_eq!(
        planned("How much is the Volkswagen stock worth?"),
        [aggregate(StockFilter { brand: text("Volkswagen"), ..all() }, None)]
    );
    assert_eq!(
        planned("How many km0 cars do we have?"),
        [aggregate(StockFilter { stock_type: Some(StockType::Km0), ..all() }, None)]
    );
    assert_eq!(
        planned("how many reserved vehicles are there?"),
        [aggregate(StockFilter { reserved: Some(true), ..all() }, None)]
    );
    assert_eq!(
        planned("how many cars older than 2015"),
        [aggregate(StockFilter { year_max: Some(2014), ..all() }, None)]
    );
    assert_eq!(
        planned("electric cars from 2020 or newer"),
        [search(StockFilter { fuel: Some(Fuel::Electric), year_min: Some(2020), ..all() }, None, None)]
    );
    assert_eq!(planned("what's the most powerful car?"), [search(all(), Some("-power_cv"), Some(1))]);
    assert_eq!(
        planned("how many sold this month in Barcelona?"),
        [ToolRequest::DashboardFigures(DashboardFilter { province: text("08"), ..DashboardFilter::default() })]
    );
    assert_eq!(
        planned("stock trend by province"),
        [history(&["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"], Some(HistoryGroup::Province))]
    );
    assert_eq!(
        planned("compare diesel and petrol"),
        [
            aggregate(StockFilter { fuel: Some(Fuel::Diesel), ..all() }, Some(GroupBy::Fuel)),
            aggregate(StockFilter { fuel: Some(Fuel::Petrol), ..all() }, Some(GroupBy::Fuel)),
        ]
    );
    assert_eq!(
        planned("cars at Levante with more than 90 days in stock"),
        [search(
            StockFilter { dealer_id: Some(9), days_in_stock_min: Some(91), ..all() },
            Some("-days_in_stock"),
            None
        )]
    );
}

#[test]
fn vins() {
    let vehicle = |vin: &str| ToolRequest::GetVehicle(VehicleArgs { vin: vin.into() });
    assert_eq!(planned("¿Qué sabes del wvwzzz1kzaw123456?"), [vehicle("WVWZZZ1KZAW123456")]);
    assert_eq!(planned("Tell me about VSSZZZ6JZ9R012345"), [vehicle("VSSZZZ6JZ9R012345")]);
}

#[test]
fn described_needs() {
    let question = "algo familiar y barato para una familia de cinco";
    assert_eq!(planned(question), [semantic(question, all())]);
    let question = "SUV automático para ciudad";
    assert_eq!(
        planned(question),
        [semantic(
            question,
            StockFilter { vehicle_type: text("SUV"), transmission: Some(Transmission::Automatic), ..all() }
        )]
    );
    let question = "small petrol car for a new driver";
    assert_eq!(planned(question), [semantic(question, StockFilter { fuel: Some(Fuel::Petrol), ..all() })]);
    let question = "recommend an automatic SUV under 25,000 euros";
    assert_eq!(
        planned(question),
        [semantic(
            question,
            StockFilter {
                vehicle_type: text("SUV"),
                transmission: Some(Transmission::Automatic),
                price_max: euros(25000),
                ..all()
            }
        )]
    );
}

#[test]
fn dashboard() {
    let dashboard = |args: DashboardFilter| ToolRequest::DashboardFigures(args);
    assert_eq!(planned("resumen del stock"), [dashboard(DashboardFilter::default())]);
    assert_eq!(planned("KPIs"), [dashboard(DashboardFilter::default())]);
    assert_eq!(planned("¿Cuál es el margen medio?"), [dashboard(DashboardFilter::default())]);
    assert_eq!(planned("What's the average margin?"), [dashboard(DashboardFilter::default())]);
    assert_eq!(
        planned("¿Cuántos vendidos este mes en Madrid?"),
        [dashboard(DashboardFilter { province: text("28"), ..DashboardFilter::default() })]
    );
    assert_eq!(
        planned("KPIs for Autos Sol Sevilla"),
        [dashboard(DashboardFilter { dealer_id: Some(7), ..DashboardFilter::default() })]
    );
}

#[test]
fn comparisons_over_time_and_between_dealers() {
    assert_eq!(planned("compara el stock de octubre y noviembre"), [history(&["2026-10", "2026-11"], None)]);
    assert_eq!(planned("Compare stock in October and November"), [history(&["2026-10", "2026-11"], None)]);
    assert_eq!(
        planned("evolución del stock por concesionario en los últimos 3 meses"),
        [history(&["2026-10", "2026-11", "2026-12"], Some(HistoryGroup::Dealer))]
    );
    assert_eq!(
        planned("stock by dealer over the last three months"),
        [history(&["2026-10", "2026-11", "2026-12"], Some(HistoryGroup::Dealer))]
    );
    // A written year wins; a month after this one is last year's.
    assert_eq!(
        planned("compara diciembre de 2025 con el stock de noviembre"),
        [history(&["2025-12", "2026-11"], None)]
    );
    assert_eq!(
        planned("compara Autos Sol Madrid con Motor Norte"),
        [
            aggregate(StockFilter { dealer_id: Some(3), ..all() }, Some(GroupBy::Dealer)),
            aggregate(StockFilter { dealer_id: Some(5), ..all() }, Some(GroupBy::Dealer)),
        ]
    );
    assert_eq!(
        planned("compara diésel y gasolina"),
        [
            aggregate(StockFilter { fuel: Some(Fuel::Diesel), ..all() }, Some(GroupBy::Fuel)),
            aggregate(StockFilter { fuel: Some(Fuel::Petrol), ..all() }, Some(GroupBy::Fuel)),
        ]
    );
}

#[test]
fn follow_ups_start_from_the_previous_filters() {
    let seat_diesel_madrid =
        StockFilter { brand: text("SEAT"), fuel: Some(Fuel::Diesel), province: text("28"), ..all() };
    let previous = [aggregate(seat_diesel_madrid.clone(), None)];
    assert_eq!(
        plan_after("¿Y de esos, cuántos son automáticos?", &previous),
        [aggregate(StockFilter { transmission: Some(Transmission::Automatic), ..seat_diesel_madrid.clone() }, None)]
    );
    assert_eq!(
        plan_after("and of those, which is the cheapest?", &previous),
        [search(seat_diesel_madrid.clone(), Some("sale_price"), Some(1))]
    );
    // Same question elsewhere: the previous call again, with the place replaced.
    assert_eq!(
        plan_after("¿Y en Barcelona?", &previous),
        [aggregate(StockFilter { province: text("08"), ..seat_diesel_madrid.clone() }, None)]
    );
    let need = "SUV automático para ciudad";
    let previous = [semantic(need, StockFilter { vehicle_type: text("SUV"), ..all() })];
    assert_eq!(
        plan_after("¿y en Sevilla?", &previous),
        [semantic(need, StockFilter { vehicle_type: text("SUV"), province: text("41"), ..all() })]
    );
    // A dealer replaces the province, and the first call with filters is the one followed.
    let previous =
        [ToolRequest::GetVehicle(VehicleArgs { vin: "WVWZZZ1KZAW123456".into() }), aggregate(seat_diesel_madrid, None)];
    assert_eq!(
        plan_after("and what about Motor Norte?", &previous),
        [aggregate(
            StockFilter { brand: text("SEAT"), fuel: Some(Fuel::Diesel), dealer_id: Some(5), ..all() },
            Some(GroupBy::Dealer)
        )]
    );
    // Without a previous answer a bare place is not a question.
    assert!(matches!(plan("¿Y en Barcelona?", &[], &vocabulary(), today()), Plan::NotUnderstood { .. }));
}

#[test]
fn says_so_when_it_does_not_understand() {
    for question in [
        "hola",
        "¿Qué tiempo hace?",
        "¿Qué tiempo hace en Madrid?",
        "list all users",
        "¿Cuántos empleados tiene Autos Sol Madrid?",
        "how many customers visited last week?",
        "¿Cuál es el coche más vendido?",
        "busco trabajo",
        "how many cars with 7 seats",
        "¿cuántos coches se vendieron ayer?",
        "buenos días",
        "",
    ] {
        assert!(!understood(question), "should not be understood: {question}");
    }
    assert!(not_understood(Language::Es).contains("No he entendido"));
    assert!(not_understood(Language::En).contains("did not understand"));
    for reply in [not_understood(Language::Es), not_understood(Language::En)] {
        assert!(reply.lines().filter(|l| l.starts_with("- ")).count() >= 3);
        assert!(!reply.chars().any(|c| c.is_ascii_digit()), "no figures in: {reply}");
    }
}

#[test]
fn detects_the_language() {
    assert_eq!(detect_language("¿Cuántos SEAT diésel tenemos en Madrid?"), Language::Es);
    assert_eq!(detect_language("stock por concesionario"), Language::Es);
    assert_eq!(detect_language("How many automatic cars do we have?"), Language::En);
    assert_eq!(detect_language("vehicles by fuel"), Language::En);
    assert_eq!(detect_language("KPIs"), Language::Es);
    let language = |question| match plan(question, &[], &vocabulary(), today()) {
        Plan::Calls { language, .. } | Plan::NotUnderstood { language } => language,
    };
    assert_eq!(language("the cheapest car"), Language::En);
    assert_eq!(language("hola"), Language::Es);
}

// Answers.

fn summary(vin: &str, brand: &str, model: &str, price: i64) -> VehicleSummary {
    VehicleSummary {
        vin: vin.into(),
        brand: brand.into(),
        model: model.into(),
        version: Some("1.5 TSI FR".into()),
        vehicle_type: Some("Turismo".into()),
        registration_year: Some(2021),
        mileage_km: 45200,
        fuel: Some("petrol".into()),
        transmission: Some("manual".into()),
        colour: Some("Rojo".into()),
        sale_price: Money::from_euros(price),
        stock_type: "VO".into(),
        status: "available".into(),
        reserved: false,
        days_in_stock: 47,
        dealer: Some("Autos Sol Madrid".into()),
        province: Some("Madrid".into()),
    }
}

fn group(key: &str, label: &str, vehicles: i64, value: i64) -> AggregateGroup {
    AggregateGroup {
        key: key.into(),
        label: label.into(),
        vehicles,
        stock_value: Money::from_euros(value),
        average_price: Some(Money(1_599_050)),
        min_price: Some(Money::from_euros(8900)),
        max_price: Some(Money::from_euros(32500)),
        average_km: Some(61234),
        average_days: Some(45.3),
        max_days: Some(210),
    }
}

fn aggregate_result(
    group_by: Option<GroupBy>,
    groups: Vec<AggregateGroup>,
    total: i64,
    total_groups: i64,
) -> ToolOutput {
    ToolOutput::Aggregate(AggregateResult { total_vehicles: total, group_by, groups, total_groups })
}

/// The numbers in a text, as whole values: what the check for unverified figures compares.
fn figures(text: &str) -> Vec<i64> {
    tokenize(text).iter().filter_map(|t| numbers::parse_number(&t.word)).map(|n| n.whole()).collect()
}

/// Every figure of the answer is in a result or in the question.
fn assert_only_known_figures(answer: &str, question: &str, results: &[(ToolRequest, Result<ToolOutput, String>)]) {
    let mut known = figures(question);
    for (_, result) in results {
        match result {
            Ok(output) => known.extend(figures(&output.to_json().to_string())),
            Err(error) => known.extend(figures(error)),
        }
    }
    for figure in figures(answer) {
        assert!(known.contains(&figure), "{figure} is in no result:\n{answer}");
    }
}

fn answer_for(question: &str, results: &[(ToolRequest, Result<ToolOutput, String>)]) -> String {
    let text = answer(detect_language(question), question, results);
    assert_only_known_figures(&text, question, results);
    text
}

#[test]
fn a_count_says_what_it_covers_in_spanish_format() {
    let question = "¿Cuántos SEAT diésel tenemos en Madrid?";
    let call = planned(question).remove(0);
    let text = answer_for(
        question,
        &[(call, Ok(aggregate_result(None, vec![group("all", "all", 1203, 4_812_000)], 1203, 1)))],
    );
    assert!(text.starts_with("SEAT diésel en Madrid: **1.203 vehículos**."), "{text}");
    assert!(text.contains("4.812.000 €"), "{text}");
    assert!(text.contains("15.990,50 €"), "{text}");
    assert!(text.contains("61.234 km"), "{text}");
    assert!(text.contains("45,3"), "{text}");
}

#[test]
fn an_average_leads_with_the_average_in_english_format() {
    let question = "average price of diesel cars";
    let call = planned(question).remove(0);
    let text = answer_for(
        question,
        &[(call, Ok(aggregate_result(None, vec![group("all", "all", 1203, 4_812_000)], 1203, 1)))],
    );
    assert!(text.starts_with("Average price (diesel vehicles): **€15,990.50**, over 1,203 vehicles."), "{text}");
    assert!(text.contains("€4,812,000"), "{text}");
}

#[test]
fn a_zero_count_is_said_plainly() {
    let question = "¿Cuántos SEAT diésel tenemos en Madrid?";
    let call = planned(question).remove(0);
    let text = answer_for(question, &[(call, Ok(aggregate_result(None, vec![], 0, 0)))]);
    assert_eq!(text, "No hay ningún vehículo en stock (SEAT diésel en Madrid).");
}

#[test]
fn a_breakdown_is_a_table() {
    let question = "vehículos con más de 90 días en stock por concesionario";
    let call = planned(question).remove(0);
    let groups = vec![group("3", "Autos Sol Madrid", 12, 210_000), group("5", "Motor Norte", 7, 98_500)];
    let text = answer_for(question, &[(call, Ok(aggregate_result(Some(GroupBy::Dealer), groups, 19, 3)))]);
    assert!(
        text.starts_with(
            "Vehículos con más de 90 días en stock, por concesionario: **19 vehículos** en 3 concesionarios."
        ),
        "{text}"
    );
    assert!(
        text.contains("| Concesionario | Vehículos | Valor del stock | Precio medio | Días medios | Máx. días |"),
        "{text}"
    );
    assert!(text.contains("|---|"), "{text}");
    assert!(text.contains("| Autos Sol Madrid | 12 | 210.000 € |"), "{text}");
    assert!(text.contains("Se muestran los concesionarios con más vehículos."), "{text}");
    assert!(!text.contains("91"), "the question said more than 90: {text}");
}

#[test]
fn bands_and_codes_are_named() {
    let question = "vehicles by fuel";
    let call = planned(question).remove(0);
    let text = answer_for(
        question,
        &[(
            call,
            Ok(aggregate_result(
                Some(GroupBy::Fuel),
                vec![group("diesel", "diesel", 5, 80_000), group("plugin_hybrid", "plugin_hybrid", 2, 70_000)],
                7,
                2,
            )),
        )],
    );
    assert!(text.contains("| Diesel | 5 | €80,000 |"), "{text}");
    assert!(text.contains("| Plug-in hybrid | 2 |"), "{text}");
    let question = "antigüedad del stock";
    let call = planned(question).remove(0);
    let text = answer_for(
        question,
        &[(
            call,
            Ok(aggregate_result(
                Some(GroupBy::AgeBand),
                vec![group("0-30", "0-30", 50, 800_000), group("181-", "181-", 4, 40_000)],
                54,
                2,
            )),
        )],
    );
    assert!(text.contains("| 0 a 30 días | 50 |"), "{text}");
    assert!(text.contains("| 181 días o más | 4 |"), "{text}");
}

#[test]
fn an_extreme_shows_the_vehicle_with_its_vin() {
    let question = "¿Cuál es el más caro?";
    let call = planned(question).remove(0);
    let result = SearchResult { total: 230, vehicles: vec![summary("VSSZZZ5FZMR123456", "SEAT", "León", 32500)] };
    let text = answer_for(question, &[(call, Ok(ToolOutput::Search(result)))]);
    assert!(
        text.starts_with("Todo el stock: **230 vehículos**. Por precio, de mayor a menor, el primero es:"),
        "{text}"
    );
    assert!(text.contains("VSSZZZ5FZMR123456"), "{text}");
    assert!(text.contains("32.500 €"), "{text}");
    assert!(text.contains("Autos Sol Madrid (Madrid)"), "{text}");
}

#[test]
fn a_list_is_a_table_with_vins() {
    let question = "cars over 180 days in stock";
    let call = planned(question).remove(0);
    let vehicles = vec![
        summary("VSSZZZ5FZMR123456", "SEAT", "León", 15990),
        summary("WVWZZZ1KZAW123456", "Volkswagen", "Golf", 18500),
    ];
    let text = answer_for(question, &[(call, Ok(ToolOutput::Search(SearchResult { total: 14, vehicles })))]);
    assert!(
        text.starts_with("Vehicles over 180 days in stock: **14 vehicles**. Sorted by days in stock, most first:"),
        "{text}"
    );
    assert!(text.contains("| VIN | Vehicle | Year | Km | Fuel | Price | Days in stock | Dealer |"), "{text}");
    assert!(text.contains("| WVWZZZ1KZAW123456 | Volkswagen Golf 1.5 TSI FR | 2021 | 45,200 | Petrol | €18,500 | 47 | Autos Sol Madrid |"), "{text}");
}

#[test]
fn a_comparison_between_dealers_is_one_table() {
    let question = "compara Autos Sol Madrid con Motor Norte";
    let calls = planned(question);
    let results: Vec<(ToolRequest, Result<ToolOutput, String>)> = vec![
        (
            calls[0].clone(),
            Ok(aggregate_result(Some(GroupBy::Dealer), vec![group("3", "Autos Sol Madrid", 120, 1_900_000)], 120, 1)),
        ),
        (
            calls[1].clone(),
            Ok(aggregate_result(Some(GroupBy::Dealer), vec![group("5", "Motor Norte", 95, 1_400_000)], 95, 1)),
        ),
    ];
    let text = answer_for(question, &results);
    assert!(text.contains("| Concesionario | Vehículos | Valor del stock | Precio medio |"), "{text}");
    assert!(text.contains("| Autos Sol Madrid | 120 | 1.900.000 € |"), "{text}");
    assert!(text.contains("| Motor Norte | 95 | 1.400.000 € |"), "{text}");
}

#[test]
fn one_dealer_is_named_from_its_group() {
    let question = "¿Cuántos coches tiene Sol Madrid?";
    let call = planned(question).remove(0);
    let text = answer_for(
        question,
        &[(
            call,
            Ok(aggregate_result(Some(GroupBy::Dealer), vec![group("3", "Autos Sol Madrid", 120, 1_900_000)], 120, 1)),
        )],
    );
    assert!(text.starts_with("Vehículos en Autos Sol Madrid: **120 vehículos**."), "{text}");
}

#[test]
fn a_history_is_a_table_per_period() {
    let question = "evolución del stock por concesionario en los últimos 3 meses";
    let call = planned(question).remove(0);
    let row = |key: &str, label: &str, vehicles| HistoryRow {
        key: key.into(),
        label: label.into(),
        vehicles,
        reserved: 3,
        published: 100,
        stock_value: Money::from_euros(1_000_000),
        average_days: Some(40.5),
    };
    let period = |period: &str, date: Option<NaiveDate>, rows| HistoryPeriod {
        period: period.into(),
        snapshot_date: date,
        rows,
    };
    let result = HistoryResult {
        group_by: Some(HistoryGroup::Dealer),
        periods: vec![
            period(
                "2026-10",
                NaiveDate::from_ymd_opt(2026, 10, 31),
                vec![row("3", "Autos Sol Madrid", 118), row("5", "Motor Norte", 90)],
            ),
            period(
                "2026-11",
                NaiveDate::from_ymd_opt(2026, 11, 30),
                vec![row("3", "Autos Sol Madrid", 121), row("5", "Motor Norte", 92)],
            ),
            period("2026-12", None, vec![]),
        ],
    };
    let text = answer_for(question, &[(call, Ok(ToolOutput::History(result)))]);
    assert!(text.contains("| Concesionario | octubre 2026 | noviembre 2026 | diciembre 2026 |"), "{text}");
    assert!(text.contains("| Autos Sol Madrid | 118 | 121 | — |"), "{text}");
    assert!(text.contains("No hay snapshots de: diciembre 2026."), "{text}");
}

#[test]
fn the_dashboard_answers_what_was_asked() {
    let result = DashboardResult {
        today: today(),
        counts: StockCounts {
            total: 1203,
            available: 1100,
            reserved: 103,
            sold_this_month: 41,
            ..StockCounts::default()
        },
        money: StockMoney {
            stock_value: Money::from_euros(19_200_000),
            average_margin: Some(Money::from_euros(1850)),
            margin_percent: Some(11.5),
            below_cost: 9,
            ..StockMoney::default()
        },
        average_days: Some(52.4),
        median_days: Some(38.0),
        ageing: vec![("0-30".into(), 400), ("181-".into(), 60)],
    };
    let question = "¿Cuál es el margen medio?";
    let call = planned(question).remove(0);
    let text = answer_for(question, &[(call.clone(), Ok(ToolOutput::Dashboard(result.clone())))]);
    assert!(text.starts_with("Margen medio (todo el stock): **1.850 €** (11,5 %)"), "{text}");
    let question = "resumen del stock";
    let text = answer_for(question, &[(call.clone(), Ok(ToolOutput::Dashboard(result.clone())))]);
    assert!(text.contains("- Vehículos: **1.203** (1.100 disponibles, 103 reservados)"), "{text}");
    assert!(text.contains("181 o más: 60"), "{text}");
    let question = "how many sold this month?";
    let text = answer_for(question, &[(call, Ok(ToolOutput::Dashboard(result)))]);
    assert!(text.starts_with("Sold this month (the whole stock): **41**."), "{text}");
}

#[test]
fn a_vehicle_by_vin() {
    let question = "¿Qué sabes del wvwzzz1kzaw123456?";
    let call = planned(question).remove(0);
    let vehicle: shared::stock::Vehicle = serde_json::from_value(serde_json::json!({
        "vin": "WVWZZZ1KZAW123456", "legacy_vin": false, "plate": "1234ABC", "brand": "Volkswagen", "model": "Golf",
        "version": "1.5 TSI Life", "registration_year": 2021, "registration_date": null, "reception_date": "2026-10-24",
        "mileage_km": 45200, "colour": "Gris", "fuel": "petrol", "transmission": "automatic", "power_cv": 150,
        "vehicle_type": "Compacto", "stock_type": "VO", "status": "available", "reserved": true, "reserved_at": null,
        "published": true, "listing_url": null, "dealer_id": 3, "dealer_name": "Autos Sol Madrid", "province_id": 28,
        "province_code": "28", "province_name": "Madrid", "location": null, "purchase_price": "14000.00",
        "total_cost": "15000.00", "sale_price": "18990.00", "previous_price": "19490.00", "description": null,
        "online_visits": 0, "online_calls": 0, "online_leads": 0, "days_in_stock": 47, "estimated_margin": "3990.00",
        "price_difference": "-500.00", "created_at": "2026-10-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"
    }))
    .unwrap();
    let found = ToolOutput::Vehicle(VehicleResult { vehicle: Some(Box::new(vehicle)) });
    let text = answer_for(question, &[(call.clone(), Ok(found))]);
    assert!(text.starts_with("**Volkswagen Golf 1.5 TSI Life** — VIN WVWZZZ1KZAW123456"), "{text}");
    assert!(text.contains("- Precio: **18.990 €** (antes 19.490 €)"), "{text}");
    assert!(text.contains("- Estado: VO, Disponible, reservado, publicado"), "{text}");
    assert!(text.contains("- Concesionario: Autos Sol Madrid (Madrid)"), "{text}");
    assert!(text.contains("- Días en stock: 47 (llegó el 2026-10-24)"), "{text}");
    let missing = answer_for(question, &[(call, Ok(ToolOutput::Vehicle(VehicleResult { vehicle: None })))]);
    assert_eq!(missing, "No hay ningún vehículo con el VIN WVWZZZ1KZAW123456.");
}

#[test]
fn a_need_lists_the_matches_and_says_when_search_is_by_text() {
    let question = "SUV automático para ciudad";
    let call = planned(question).remove(0);
    let matches =
        vec![SemanticMatch { vehicle: summary("VSSZZZKJZPR000001", "SEAT", "Arona", 21900), relevance: 0.82 }];
    let result = ToolOutput::Semantic(SemanticResult { mode: "text".into(), vehicles: matches });
    let text = answer_for(question, &[(call, Ok(result))]);
    assert!(text.starts_with("Los vehículos que mejor encajan con lo que buscas entre SUV automáticos:"), "{text}");
    assert!(text.contains("VSSZZZKJZPR000001"), "{text}");
    assert!(text.contains("búsqueda por texto"), "{text}");
}

#[test]
fn failures_are_reported() {
    let question = "stock por concesionario";
    let call = planned(question).remove(0);
    let text = answer_for(question, &[(call, Err("database unavailable".into()))]);
    assert_eq!(text, "⚠️ No he podido obtener las cifras del stock: database unavailable");
}

#[test]
fn every_planned_question_gets_an_answer_without_unknown_figures() {
    // Empty results for each kind of call: the answers still quote nothing but the results.
    for question in [
        "¿Cuántos SEAT diésel tenemos en Madrid?",
        "stock por concesionario",
        "the cheapest car",
        "KPIs",
        "compara el stock de octubre y noviembre",
        "algo familiar y barato para una familia de cinco",
    ] {
        let results: Vec<(ToolRequest, Result<ToolOutput, String>)> = planned(question)
            .into_iter()
            .map(|call| {
                let output = match &call {
                    ToolRequest::AggregateStock(args) => aggregate_result(args.group_by, vec![], 0, 0),
                    ToolRequest::SearchVehicles(_) => ToolOutput::Search(SearchResult { total: 0, vehicles: vec![] }),
                    ToolRequest::SemanticSearch(_) => {
                        ToolOutput::Semantic(SemanticResult { mode: "hybrid".into(), vehicles: vec![] })
                    }
                    ToolRequest::GetVehicle(_) => ToolOutput::Vehicle(VehicleResult { vehicle: None }),
                    ToolRequest::DashboardFigures(_) => ToolOutput::Dashboard(DashboardResult {
                        today: today(),
                        counts: StockCounts::default(),
                        money: StockMoney::default(),
                        average_days: None,
                        median_days: None,
                        ageing: vec![],
                    }),
                    ToolRequest::StockHistory(_) => {
                        ToolOutput::History(HistoryResult { group_by: None, periods: vec![] })
                    }
                };
                (call, Ok(output))
            })
            .collect();
        let text = answer_for(question, &results);
        assert!(!text.trim().is_empty(), "{question}");
    }
}
