//! Semantic and hybrid search with the real embedded model, its queue and worker, under the
//! stock list's filters.

use std::time::{Duration, Instant};

use dealaai::search::embedder::{EmbedError, Embedder, TextRole};
use dealaai::search::store::{self, Adoption};
use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use shared::users::Role;

use crate::helpers::{TestApp, assert_error, embedding_model, eventually_within};
use crate::stock::count;
use crate::stock_index::answer;

/// VIN suffix, brand, model, type, fuel, gearbox, price, description.
type CatalogueEntry =
    (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

/// A small stock of very different vehicles.
const CATALOGUE: &[CatalogueEntry] = &[
    (
        "000001",
        "Dacia",
        "Jogger",
        "Monovolumen",
        "diesel",
        "manual",
        "15990",
        "Monovolumen de 7 plazas, perfecto para familias numerosas, maletero enorme y bajo consumo.",
    ),
    (
        "000002",
        "Tesla",
        "Model 3",
        "Berlina",
        "electric",
        "automatic",
        "38990",
        "Berlina eléctrica con gran autonomía y carga rápida.",
    ),
    (
        "000003",
        "Fiat",
        "500",
        "Turismo",
        "petrol",
        "manual",
        "9990",
        "Coche pequeño de ciudad, fácil de aparcar, ideal para conductores noveles.",
    ),
    (
        "000004",
        "Porsche",
        "911 Carrera",
        "Deportivo",
        "petrol",
        "automatic",
        "119000",
        "Deportivo de altas prestaciones con motor bóxer de 450 CV.",
    ),
    (
        "000005",
        "Renault",
        "Kangoo",
        "Furgoneta",
        "diesel",
        "manual",
        "14500",
        "Furgoneta de carga para autónomos y empresas de reparto de paquetes.",
    ),
    (
        "000006",
        "Toyota",
        "RAV4",
        "SUV",
        "hybrid",
        "automatic",
        "32990",
        "SUV híbrido con tracción total, cómodo en campo y ciudad.",
    ),
    (
        "000007",
        "SEAT",
        "Tarraco",
        "SUV",
        "diesel",
        "automatic",
        "29990",
        "SUV de siete plazas para la familia, amplio y cómodo en viajes largos.",
    ),
    (
        "000008",
        "Kia",
        "Picanto",
        "Turismo",
        "lpg",
        "manual",
        "8990",
        "Utilitario económico de bajo consumo con etiqueta ECO.",
    ),
    (
        "000009",
        "Mercedes-Benz",
        "Clase S",
        "Berlina",
        "diesel",
        "automatic",
        "79000",
        "Berlina de lujo con asientos de cuero con masaje y chófer.",
    ),
    (
        "000010",
        "Volkswagen",
        "Golf GTI",
        "Turismo",
        "petrol",
        "manual",
        "27990",
        "Compacto deportivo y divertido de conducir.",
    ),
];

fn vin(suffix: &str) -> String {
    format!("WVWZZZ1KZ00{suffix}")
}

async fn admin_token(app: &TestApp) -> String {
    app.token_for("admin", Role::Admin).await
}

async fn add_catalogue(app: &TestApp, token: &str) {
    for (suffix, brand, model, kind, fuel, gearbox, price, description) in CATALOGUE {
        let body = json!({
            "vin": vin(suffix), "brand": brand, "model": model, "vehicle_type": kind, "fuel": fuel,
            "transmission": gearbox, "stock_type": "VO", "sale_price": price, "description": description,
        });
        let response = app.call("POST", "/api/stock", token, Some(&body)).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }
}

/// Waits until the worker has embedded every vehicle's text.
async fn all_embedded(app: &TestApp) -> store::Status {
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut conn = app.conn().await;
    loop {
        let status = store::status(&mut conn).await.unwrap();
        if status.queued == 0 && status.stale_vehicles() == 0 && status.model.is_some() {
            return status;
        }
        assert!(Instant::now() < deadline, "the worker never caught up: {status:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn search(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app.call("GET", &format!("/api/stock/search?{query}"), token, None).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

fn vins_of(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|v| v["vin"].as_str().unwrap().to_owned()).collect()
}

fn q(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[actix_web::test]
async fn meaning_finds_described_needs_in_spanish_and_english_under_every_filter() {
    let app = TestApp::with_embeddings().await;
    let token = admin_token(&app).await;
    add_catalogue(&app, &token).await;
    all_embedded(&app).await;
    let first = |page: &Value| vins_of(page)[0].clone();

    // Described needs, no words in common with the stock's text search.
    let cases = [
        ("furgoneta para repartir paquetes", "000005"),
        ("van for parcel deliveries", "000005"),
        ("coche eléctrico", "000002"),
        ("electric car", "000002"),
        ("deportivo muy potente", "000004"),
    ];
    for (query, expected) in cases {
        let page = search(&app, &token, &format!("mode=semantic&q={}", q(query))).await;
        assert_eq!(first(&page), vin(expected), "{query}: {:?}", vins_of(&page));
        assert_eq!(page["mode"], "semantic");
        let best = &page["items"][0];
        assert_eq!(best["semantic_rank"], 1);
        assert!(best["relevance"].as_f64().unwrap() > page["items"][9]["relevance"].as_f64().unwrap());
    }
    let family = search(&app, &token, &format!("mode=semantic&q={}", q("familia numerosa, mucho espacio"))).await;
    assert!(vins_of(&family)[..2].contains(&vin("000001")), "{:?}", vins_of(&family));

    // Filters apply to the ranking: only diesel cars up to 20,000 €, the family car first.
    let filtered =
        search(&app, &token, &format!("mode=semantic&fuel=diesel&price_max=20000&q={}", q("coche familiar"))).await;
    assert_eq!(vins_of(&filtered), [vin("000001"), vin("000005")]);
    assert_eq!(filtered["total"], 2);
    // Its export holds exactly those vehicles, in the same order.
    let path = format!(
        "/api/stock/search/export?format=csv&mode=semantic&fuel=diesel&price_max=20000&q={}",
        q("coche familiar")
    );
    let response = app.call("GET", &path, &token, None).await;
    let status = response.status();
    let csv = response.text().await.unwrap();
    assert_eq!(status, 200, "{csv}");
    let exported: Vec<&str> = csv.lines().skip(1).map(|line| line.split(',').next().unwrap()).collect();
    assert_eq!(exported, [vin("000001"), vin("000005")]);
    let xlsx = app.call("GET", &path.replace("format=csv", "format=xlsx"), &token, None).await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a zip package");

    // Pages of the ranking are slices of the whole ranking.
    let whole = vins_of(&search(&app, &token, &format!("mode=semantic&page_size=10&q={}", q("coche de ciudad"))).await);
    assert_eq!(whole.len(), 10);
    let mut paged = Vec::new();
    for page in 1..=4 {
        let body =
            search(&app, &token, &format!("mode=semantic&page_size=3&page={page}&q={}", q("coche de ciudad"))).await;
        assert_eq!(body["total"], 10);
        paged.extend(vins_of(&body));
    }
    assert_eq!(paged, whole);

    // Hybrid (the default): an exact model name or a VIN fragment still comes first.
    let named = search(&app, &token, "q=Tarraco").await;
    assert_eq!(named["mode"], "hybrid");
    assert_eq!(first(&named), vin("000007"));
    assert_eq!(
        (named["items"][0]["semantic_rank"].is_number(), named["items"][0]["text_rank"].as_i64()),
        (true, Some(1))
    );
    assert_eq!(first(&search(&app, &token, "q=00000004").await), vin("000004"));
    // ...while a described need still finds the right car.
    assert_eq!(first(&search(&app, &token, &format!("q={}", q("furgoneta de reparto"))).await), vin("000005"));

    // Text mode is the list's word search, ranked.
    let words = search(&app, &token, "mode=text&q=tarraco").await;
    assert_eq!(vins_of(&words), [vin("000007")]);
    assert_eq!(
        (words["items"][0]["relevance"].as_f64(), words["items"][0]["semantic_rank"].clone()),
        (Some(1.0), Value::Null)
    );

    // A sort re-orders the ranked set.
    let by_price = search(&app, &token, &format!("mode=semantic&sort=-sale_price&q={}", q("SUV"))).await;
    let prices: Vec<f64> = by_price["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["sale_price"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");
}

#[actix_web::test]
async fn similar_vehicles_are_the_nearest_others_still_for_sale() {
    let app = TestApp::with_embeddings().await;
    let token = admin_token(&app).await;
    add_catalogue(&app, &token).await;
    all_embedded(&app).await;

    let similar = |body: Value| -> Vec<String> {
        body.as_array().unwrap().iter().map(|v| v["vin"].as_str().unwrap().to_owned()).collect()
    };
    let response = app.call("GET", &format!("/api/stock/{}/similar?limit=3", vin("000007")), &token, None).await;
    assert_eq!(response.status(), 200);
    let before = similar(response.json().await.unwrap());
    assert_eq!(before.len(), 3);
    assert!(!before.contains(&vin("000007")), "never itself");

    // Sold vehicles are not offered.
    let sold = json!({"status": "sold"});
    let response = app.call("PATCH", &format!("/api/stock/{}", before[0]), &token, Some(&sold)).await;
    assert_eq!(response.status(), 200);
    let response = app.call("GET", &format!("/api/stock/{}/similar?limit=3", vin("000007")), &token, None).await;
    let after = similar(response.json().await.unwrap());
    assert!(!after.contains(&before[0]), "{after:?}");
    assert_eq!(after[..2], before[1..]);

    let viewer = app.token_for("viewer", Role::Viewer).await;
    let response = app.call("GET", &format!("/api/stock/{}/similar", vin("000001")), &viewer, None).await;
    assert_eq!(response.status(), 200, "every role that reads the stock");
    let missing = app.call("GET", "/api/stock/WVWZZZ1KZ00999999/similar", &token, None).await;
    assert_error(missing, 404, "not_found").await;
    let bad = app.call("GET", &format!("/api/stock/{}/similar?limit=0", vin("000001")), &token, None).await;
    assert_error(bad, 422, "validation_failed").await;
}

#[actix_web::test]
async fn the_worker_embeds_changed_texts_once_and_leaves_unchanged_ones() {
    let app = TestApp::with_embeddings().await;
    let token = admin_token(&app).await;
    add_catalogue(&app, &token).await;
    // A twin of the Tarraco: another VIN and price, the same text.
    let twin = json!({
        "vin": vin("000011"), "brand": "SEAT", "model": "Tarraco", "vehicle_type": "SUV", "fuel": "diesel",
        "transmission": "automatic", "stock_type": "VO", "sale_price": "27990", "mileage_km": 80000,
        "description": "SUV de siete plazas para la familia, amplio y cómodo en viajes largos.",
    });
    assert_eq!(app.call("POST", "/api/stock", &token, Some(&twin)).await.status(), 201);
    let status = all_embedded(&app).await;
    assert_eq!((status.vehicles, status.passages, status.embedded_passages), (11, 10, 10), "identical texts once");
    let mut conn = app.conn().await;
    let started = crate::stock::vins(&mut conn, "SELECT now()::text AS vin").await.remove(0);
    let embedded_since = format!("SELECT count(*) AS count FROM passage_embeddings WHERE embedded_at > '{started}'");

    // A price or mileage change leaves the text, and so the vector, alone.
    let price = json!({"sale_price": "25000", "mileage_km": 90000});
    assert_eq!(app.call("PATCH", &format!("/api/stock/{}", vin("000007")), &token, Some(&price)).await.status(), 200);
    assert_eq!(store::status(&mut conn).await.unwrap().queued, 0);
    assert_eq!(count(&mut conn, &embedded_since).await, 0);

    // A new description is queued and embedded; the twin keeps the old text's vector.
    let text = json!({"description": "SUV familiar con techo panorámico y enganche de remolque."});
    assert_eq!(app.call("PATCH", &format!("/api/stock/{}", vin("000007")), &token, Some(&text)).await.status(), 200);
    let status = all_embedded(&app).await;
    assert_eq!((status.passages, status.embedded_passages), (11, 11));
    assert_eq!(count(&mut conn, &embedded_since).await, 1, "only the new text was embedded");
    let found = search(&app, &token, &format!("mode=semantic&q={}", q("remolque y techo panorámico"))).await;
    assert_eq!(vins_of(&found)[0], vin("000007"));

    // Once the twin is gone, nothing uses the old text: its vector is dropped by the purge.
    assert_eq!(app.call("DELETE", &format!("/api/stock/{}", vin("000011")), &token, None).await.status(), 204);
    assert_eq!(store::purge_orphans(&mut conn).await.unwrap(), 1);
    assert_eq!(store::status(&mut conn).await.unwrap().embedded_passages, 10);

    // An import queues its new texts too (the trigger works for every writer).
    let csv = format!(
        "vin,brand,model,stock_type,sale_price,description\n{},Nissan,Leaf,VO,12000,Eléctrico urbano\n",
        vin("000012")
    );
    let response = crate::stock::import(&app, &token, "all_or_nothing", csv).await;
    assert_eq!(response.status(), 200);
    let status = all_embedded(&app).await;
    assert_eq!((status.vehicles, status.passages, status.embedded_passages), (11, 11, 11));
}

/// A stand-in for another provider's model, to change models.
struct OtherModel;

impl Embedder for OtherModel {
    fn model_id(&self) -> &str {
        "another-model-8d"
    }
    fn dimensions(&self) -> usize {
        8
    }
    fn embed<'a>(&'a self, texts: &'a [String], _: TextRole) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move { Ok(texts.iter().map(|_| vec![0.5; 8]).collect()) })
    }
}

#[actix_web::test]
async fn a_change_of_model_drops_the_old_vectors_and_re_embeds_everything() {
    let app = TestApp::with_embeddings().await;
    let token = admin_token(&app).await;
    add_catalogue(&app, &token).await;
    all_embedded(&app).await;
    let mut conn = app.conn().await;

    // Another replica (or a CLI run) adopts another model: its vectors replace the E5 ones.
    let adoption = store::adopt_model(&mut conn, &OtherModel).await.unwrap();
    assert_eq!(adoption, Adoption::Adopted { previous: Some(dealaai::search::e5::MODEL_ID.to_owned()), queued: 10 });
    assert_eq!(store::adopt_model(&mut conn, &OtherModel).await.unwrap(), Adoption::Unchanged);
    let status = store::status(&mut conn).await.unwrap();
    assert_eq!((status.embedded_passages, status.queued), (0, 10));
    assert_eq!(status.model, Some(("another-model-8d".to_owned(), 8)));
    // Our app never compares its E5 query with those vectors: meaning finds nothing, the
    // hybrid search answers from words, and its worker writes no E5 vector into them.
    let meaning = search(&app, &token, &format!("mode=semantic&q={}", q("furgoneta"))).await;
    assert_eq!(meaning["total"], 0);
    assert_eq!(vins_of(&search(&app, &token, "q=Kangoo").await), [vin("000005")]);
    store::embed_batch(&mut conn, &OtherModel, 100).await.unwrap();
    assert_eq!(store::status(&mut conn).await.unwrap().embedded_passages, 10);

    // Back to the embedded model: everything is queued again and the worker catches up.
    let e5 = dealaai::search::e5::E5Embedder::load(std::path::Path::new(&embedding_model())).unwrap();
    let adoption = store::adopt_model(&mut conn, &e5).await.unwrap();
    assert!(matches!(adoption, Adoption::Adopted { queued: 10, .. }), "{adoption:?}");
    all_embedded(&app).await;
    let meaning = search(&app, &token, &format!("mode=semantic&q={}", q("furgoneta de reparto"))).await;
    assert_eq!(vins_of(&meaning)[0], vin("000005"));
}

/// A search's answer, and whether the stock index's codes ranked it.
async fn search_marked(app: &TestApp, token: &str, query: &str) -> (bool, Value) {
    answer(app, token, &format!("/api/stock/search?{query}")).await
}

#[actix_web::test]
async fn the_stock_index_ranks_by_meaning_as_sql_does_and_learns_new_vectors() {
    // No worker anywhere: the test decides when vectors are stored.
    let with_model = |app: crate::helpers::TestAppBuilder| {
        app.var("EMBEDDINGS_PROVIDER", "embedded")
            .var("EMBEDDINGS_MODEL_PATH", &embedding_model())
            .var("EMBEDDINGS_WORKER", "false")
    };
    let indexed = with_model(TestApp::builder()).spawn().await;
    let plain = with_model(TestApp::builder().var("STOCK_INDEX_MAX_VEHICLES", "0"))
        .database_url(indexed.db.url().to_owned())
        .spawn()
        .await;
    let token = admin_token(&indexed).await;
    add_catalogue(&indexed, &token).await;
    // A twin of the Tarraco (the same text, so the same vector): ties are broken the same way
    // in both answers.
    let twin = json!({
        "vin": vin("000011"), "brand": "SEAT", "model": "Tarraco", "vehicle_type": "SUV", "fuel": "diesel",
        "transmission": "automatic", "stock_type": "VO", "sale_price": "31990",
        "description": CATALOGUE[6].7,
    });
    assert_eq!(indexed.call("POST", "/api/stock", &token, Some(&twin)).await.status(), 201);
    let model = dealaai::search::e5::E5Embedder::load(std::path::Path::new(&embedding_model())).unwrap();
    let mut conn = indexed.conn().await;
    while store::embed_batch(&mut conn, &model, 64).await.unwrap() > 0 {}

    // The index is made again after the writes, with the vectors stored by then.
    let probe = format!("mode=semantic&q={}", q("coche familiar"));
    eventually_within(Duration::from_secs(30), "the index ranks by meaning", async || {
        search_marked(&indexed, &token, &probe).await.0
    })
    .await;
    let queries = ["coche familiar", "SUV de siete plazas", "electric car", "furgoneta de reparto", "Tarraco"];
    let filters = ["", "&fuel=diesel", "&price_max=20000", "&brand=SEAT", "&vehicle_type=SUV&sort=-sale_price"];
    for text in queries {
        for filter in filters {
            for mode in ["semantic", "hybrid"] {
                for page in ["&page_size=3", "&page_size=3&page=2"] {
                    let query = format!("mode={mode}{filter}{page}&q={}", q(text));
                    let (in_memory, answer) = search_marked(&indexed, &token, &query).await;
                    let (sql, expected) = search_marked(&plain, &token, &query).await;
                    assert!(in_memory && !sql, "{query}");
                    assert_eq!(answer, expected, "{query}");
                }
            }
        }
    }
    for (suffix, ..) in CATALOGUE {
        let path = format!("/api/stock/{}/similar?limit=4", vin(suffix));
        let answer: Value = indexed.call("GET", &path, &token, None).await.json().await.unwrap();
        let expected: Value = plain.call("GET", &path, &token, None).await.json().await.unwrap();
        assert_eq!(answer, expected, "{path}");
    }

    // A vehicle added now is indexed without its vector; stored later, the vector reaches the
    // index's codes (no change of the stock tells it) and the search finds the vehicle.
    let new = json!({
        "vin": vin("000012"), "brand": "Citroën", "model": "Berlingo", "vehicle_type": "Furgoneta", "fuel": "diesel",
        "transmission": "manual", "stock_type": "VO", "sale_price": "12990",
        "description": "Furgoneta ligera para repartir paquetes por la ciudad.",
    });
    assert_eq!(indexed.call("POST", "/api/stock", &token, Some(&new)).await.status(), 201);
    let parcels = format!("mode=semantic&q={}", q("furgoneta para repartir paquetes"));
    eventually_within(Duration::from_secs(30), "the index is made again without the new vector", async || {
        let (in_memory, answer) = search_marked(&indexed, &token, &parcels).await;
        in_memory && !vins_of(&answer).contains(&vin("000012"))
    })
    .await;
    while store::embed_batch(&mut conn, &model, 64).await.unwrap() > 0 {}
    eventually_within(Duration::from_secs(30), "the new vector is ranked from memory", async || {
        let (in_memory, answer) = search_marked(&indexed, &token, &parcels).await;
        in_memory && vins_of(&answer)[..2].contains(&vin("000012"))
    })
    .await;
}

#[actix_web::test]
async fn bad_searches_are_clear_errors_and_words_work_without_a_model() {
    let app = TestApp::spawn().await; // EMBEDDINGS_PROVIDER=none
    let token = admin_token(&app).await;
    add_catalogue(&app, &token).await;
    let long = "a".repeat(2000);
    for (query, field) in [
        ("q=", "q"),
        ("mode=semantic", "q"),
        (&*format!("q={long}"), "q"),
        ("q=suv&mode=magic", "mode"),
        ("q=suv&page_size=500", "page_size"),
        ("q=suv&fuel=steam", "fuel"),
        ("q=suv&sort=password", "sort"),
    ] {
        let response = app.call("GET", &format!("/api/stock/search?{query}"), &token, None).await;
        let body = assert_error(response, 422, "validation_failed").await;
        assert!(body["fields"][field].is_array(), "{query}: {body}");
    }
    let unauthenticated = app.client.get(app.url("/api/stock/search?q=suv")).send().await.unwrap();
    assert_error(unauthenticated, 401, "unauthenticated").await;

    // Without a model, meaning is unavailable (503) but the default search answers from words.
    let meaning = app.call("GET", "/api/stock/search?q=suv&mode=semantic", &token, None).await;
    assert_error(meaning, 503, "service_unavailable").await;
    let hybrid = search(&app, &token, "q=Kangoo").await;
    assert_eq!((hybrid["mode"].as_str(), hybrid["semantic_available"].as_bool()), (Some("text"), Some(false)));
    assert_eq!(vins_of(&hybrid), [vin("000005")]);
    let similar = app.call("GET", &format!("/api/stock/{}/similar", vin("000005")), &token, None).await;
    assert_error(similar, 503, "service_unavailable").await;

    // A missing or corrupt model file is the same: refused at start-up, words still work.
    let corrupt = std::env::temp_dir().join(format!("dealaai-corrupt-model-{}", std::process::id()));
    std::fs::write(&corrupt, b"not a model").unwrap();
    for path in [corrupt.to_str().unwrap(), "/nonexistent/e5-small-q4.bin"] {
        let app =
            TestApp::builder().var("EMBEDDINGS_PROVIDER", "embedded").var("EMBEDDINGS_MODEL_PATH", path).spawn().await;
        let token = admin_token(&app).await;
        add_catalogue(&app, &token).await;
        let meaning = app.call("GET", "/api/stock/search?q=suv&mode=semantic", &token, None).await;
        assert_error(meaning, 503, "service_unavailable").await;
        assert_eq!(vins_of(&search(&app, &token, "q=Kangoo").await), [vin("000005")]);
        let mut conn = app.conn().await;
        assert_eq!(count(&mut conn, "SELECT count(*) AS count FROM passage_embeddings").await, 0);
    }
    std::fs::remove_file(corrupt).unwrap();
}

/// Questions a salesperson would type, with the vehicles that answer them written down as SQL
/// over the seeded demo stock: a result counts when it satisfies its question's condition.
const QUALITY_QUESTIONS: &[(&str, &str)] = &[
    ("SUV eléctrico", "vehicle_type = 'SUV' AND fuel = 'electric'"),
    ("electric SUV", "vehicle_type = 'SUV' AND fuel = 'electric'"),
    ("coche eléctrico", "fuel = 'electric'"),
    ("electric car", "fuel = 'electric'"),
    ("furgoneta", "vehicle_type = 'Furgoneta'"),
    ("furgoneta para el trabajo", "vehicle_type = 'Furgoneta'"),
    ("van", "vehicle_type = 'Furgoneta'"),
    ("commercial van for work", "vehicle_type = 'Furgoneta'"),
    ("monovolumen", "vehicle_type = 'Monovolumen'"),
    ("monovolumen familiar de siete plazas", "vehicle_type = 'Monovolumen'"),
    ("people carrier", "vehicle_type = 'Monovolumen'"),
    ("todoterreno SUV", "vehicle_type = 'SUV'"),
    ("SUV", "vehicle_type = 'SUV'"),
    ("coche híbrido", "fuel IN ('hybrid', 'plugin_hybrid')"),
    ("hybrid car", "fuel IN ('hybrid', 'plugin_hybrid')"),
    ("híbrido enchufable", "fuel = 'plugin_hybrid'"),
    ("plug-in hybrid", "fuel = 'plugin_hybrid'"),
    ("diésel", "fuel = 'diesel'"),
    ("diesel car", "fuel = 'diesel'"),
    ("gasolina", "fuel = 'petrol'"),
    ("petrol car", "fuel = 'petrol'"),
    ("coche de gas GLP", "fuel = 'lpg'"),
    ("cambio automático", "transmission = 'automatic'"),
    ("automatic gearbox", "transmission = 'automatic'"),
    ("cambio manual", "transmission = 'manual'"),
    ("kilómetro cero", "stock_type = 'KM0'"),
    ("coche nuevo a estrenar", "stock_type = 'VN'"),
    ("coche de demostración", "stock_type = 'DEMO'"),
    ("coche rojo", "colour = 'Rojo'"),
    ("red car", "colour = 'Rojo'"),
    ("Toyota híbrido", "brand = 'Toyota' AND fuel IN ('hybrid', 'plugin_hybrid')"),
    ("SEAT SUV diésel", "brand = 'SEAT' AND vehicle_type = 'SUV' AND fuel = 'diesel'"),
    ("Dacia monovolumen", "brand = 'Dacia' AND vehicle_type = 'Monovolumen'"),
    ("Volkswagen automático", "brand = 'Volkswagen' AND transmission = 'automatic'"),
];

/// The share of the first ten results that answer each question, averaged.
async fn precision_at_10(app: &TestApp, token: &str, conn: &mut diesel_async::AsyncPgConnection, mode: &str) -> f64 {
    let mut total = 0.0;
    for (question, condition) in QUALITY_QUESTIONS {
        let page = search(app, token, &format!("mode={mode}&page_size=10&q={}", q(question))).await;
        let found = vins_of(&page);
        let mut relevant = 0;
        for vin in &found {
            let sql = format!("SELECT count(*) AS count FROM vehicles WHERE vin = '{vin}' AND ({condition})");
            relevant += count(conn, &sql).await;
        }
        total += relevant as f64 / 10.0;
    }
    total / QUALITY_QUESTIONS.len() as f64
}

#[actix_web::test]
async fn meaning_answers_questions_the_text_search_cannot() {
    // Both ways of ranking by meaning: the HNSW index (no exact comparison at all) and the
    // exact comparison the search uses when the filters leave few vehicles.
    for exact_below in ["0", "1000000"] {
        let app = TestApp::builder()
            .var("EMBEDDINGS_PROVIDER", "embedded")
            .var("EMBEDDINGS_MODEL_PATH", &embedding_model())
            .var("SEMANTIC_EXACT_BELOW", exact_below)
            .spawn()
            .await;
        let token = admin_token(&app).await;
        let mut conn = app.conn().await;
        let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Madrid).date_naive();
        dealaai::stock::seed::insert_vehicles(&mut conn, 11, crate::stock::SEEDED, today, |_| {}).await.unwrap();
        all_embedded(&app).await;

        let hybrid = precision_at_10(&app, &token, &mut conn, "hybrid").await;
        let semantic = precision_at_10(&app, &token, &mut conn, "semantic").await;
        let text = precision_at_10(&app, &token, &mut conn, "text").await;
        println!(
            "precision@10 over {} questions (exact below {exact_below}): hybrid {hybrid:.2}, semantic {semantic:.2}, text {text:.2}",
            QUALITY_QUESTIONS.len()
        );
        assert!(hybrid >= 0.7 && semantic >= 0.7, "hybrid {hybrid:.2}, semantic {semantic:.2}");
        assert!(text < 0.7, "words alone do not reach it: {text:.2}");
    }
}

/// An OpenAI-compatible embeddings endpoint on loopback: 8-dimensional vectors from the
/// words of each text (texts sharing words are near), refusing calls without the key, and
/// failing while `down` holds.
async fn mock_embeddings_provider(down: std::sync::Arc<std::sync::atomic::AtomicBool>) -> String {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    async fn embeddings(
        request: HttpRequest,
        body: web::Json<Value>,
        down: web::Data<std::sync::atomic::AtomicBool>,
    ) -> HttpResponse {
        if down.load(std::sync::atomic::Ordering::SeqCst) {
            return HttpResponse::ServiceUnavailable().finish();
        }
        if request.headers().get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer sk-test-key") {
            return HttpResponse::Unauthorized().finish();
        }
        assert_eq!(body["model"], "mock-embedding");
        let data: Vec<Value> = body["input"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let mut vector = [0.01f32; 8];
                for word in text.as_str().unwrap().to_lowercase().split(|c: char| !c.is_alphanumeric()) {
                    if word.len() > 3 {
                        vector[word.bytes().map(usize::from).sum::<usize>() % 8] += 1.0;
                    }
                }
                json!({"object": "embedding", "index": index, "embedding": vector})
            })
            .rev() // providers may answer out of order: `index` says where each goes
            .collect();
        HttpResponse::Ok().json(json!({"object": "list", "data": data, "model": "mock-embedding"}))
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let down = web::Data::from(down);
    let server =
        HttpServer::new(move || App::new().app_data(down.clone()).route("/v1/embeddings", web::post().to(embeddings)))
            .listen(listener)
            .unwrap()
            .workers(1)
            .run();
    actix_web::rt::spawn(server);
    format!("http://127.0.0.1:{port}/v1")
}

#[actix_web::test]
async fn an_openai_compatible_provider_replaces_the_embedded_model() {
    let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let base_url = mock_embeddings_provider(down.clone()).await;
    let app = TestApp::builder()
        .var("EMBEDDINGS_PROVIDER", "openai")
        .var("EMBEDDINGS_BASE_URL", &base_url)
        .var("EMBEDDINGS_API_KEY", "sk-test-key")
        .var("EMBEDDINGS_MODEL", "mock-embedding")
        .var("EMBEDDINGS_DIMENSIONS", "8")
        .spawn()
        .await;
    let token = admin_token(&app).await;
    add_catalogue(&app, &token).await;
    let status = all_embedded(&app).await;
    // The table took the provider's model and dimension.
    assert_eq!(status.model, Some((format!("mock-embedding@{base_url}"), 8)));
    assert_eq!(status.embedded_passages, 10);
    let found = search(&app, &token, &format!("mode=semantic&q={}", q("furgoneta reparto paquetes"))).await;
    assert_eq!(vins_of(&found)[0], vin("000005"));

    // The provider fails: meaning is unavailable for now, the default search answers from words.
    down.store(true, std::sync::atomic::Ordering::SeqCst);
    let meaning = app.call("GET", "/api/stock/search?q=furgoneta&mode=semantic", &token, None).await;
    assert_error(meaning, 503, "service_unavailable").await;
    let hybrid = search(&app, &token, "q=Kangoo").await;
    assert_eq!((hybrid["mode"].as_str(), vins_of(&hybrid)), (Some("text"), vec![vin("000005")]));
}
