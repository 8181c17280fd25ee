//! The in-memory stock index answers exactly what SQL answers: two servers on one database,
//! one with the index and one without, asked the same random lists and facets.

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use shared::stock::SortField;
use shared::users::Role;

use crate::helpers::{TestApp, eventually};
use crate::stock::seeded;

/// A small seeded generator: the same queries on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, values: &'a [String]) -> &'a str {
        &values[self.below(values.len())]
    }
}

#[derive(diesel::QueryableByName)]
struct Text1 {
    #[diesel(sql_type = Text)]
    value: String,
}

async fn values(conn: &mut AsyncPgConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(sql).load::<Text1>(conn).await.unwrap().into_iter().map(|v| v.value).collect()
}

/// What the stock offers to filter by, read from the database.
struct Choices {
    brands: Vec<String>,
    models: Vec<String>,
    fuels: Vec<String>,
    transmissions: Vec<String>,
    statuses: Vec<String>,
    stock_types: Vec<String>,
    vehicle_types: Vec<String>,
    dealers: Vec<String>,
    provinces: Vec<String>,
    words: Vec<String>,
}

impl Choices {
    async fn read(conn: &mut AsyncPgConnection) -> Choices {
        let distinct =
            |column: &str| format!("SELECT DISTINCT {column}::text AS value FROM vehicles WHERE {column} IS NOT NULL");
        Choices {
            brands: values(conn, &distinct("brand")).await,
            models: values(conn, &distinct("model")).await,
            fuels: values(conn, &distinct("fuel")).await,
            transmissions: values(conn, &distinct("transmission")).await,
            statuses: values(conn, &distinct("status")).await,
            stock_types: values(conn, &distinct("stock_type")).await,
            vehicle_types: values(conn, &distinct("upper(vehicle_type)")).await,
            dealers: values(conn, "SELECT id::text AS value FROM dealers").await,
            provinces: values(conn, "SELECT code AS value FROM provinces").await,
            words: values(conn, "SELECT DISTINCT left(w, 4) AS value FROM vehicles, regexp_split_to_table(search_text, ' ') w WHERE length(w) > 3 LIMIT 300").await,
        }
    }

    /// A query string combining a few filters, and for lists a sort and a page.
    fn query(&self, random: &mut Random, list: bool) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut add = |name: &str, value: &str| parts.push(format!("{name}={}", urlencoding(value)));
        if random.chance(50) {
            add("brand", random.pick(&self.brands));
        }
        if random.chance(10) {
            add("model", random.pick(&self.models));
        }
        if random.chance(25) {
            add("fuel", random.pick(&self.fuels));
        }
        if random.chance(10) {
            add("transmission", random.pick(&self.transmissions));
        }
        if random.chance(15) {
            add("status", random.pick(&self.statuses));
        }
        if random.chance(15) {
            add("stock_type", random.pick(&self.stock_types));
        }
        if random.chance(10) && !self.vehicle_types.is_empty() {
            add("vehicle_type", random.pick(&self.vehicle_types));
        }
        if random.chance(15) {
            add("dealer_id", random.pick(&self.dealers));
        }
        if random.chance(15) {
            add("province", random.pick(&self.provinces));
        }
        if random.chance(10) {
            add("reserved", if random.chance(50) { "true" } else { "false" });
        }
        if random.chance(10) {
            add("published", if random.chance(50) { "sí" } else { "no" });
        }
        if random.chance(25) {
            add("price_max", &(5_000 + random.below(50_000)).to_string());
        }
        if random.chance(15) {
            add("price_min", &(2_000 + random.below(20_000)).to_string());
        }
        if random.chance(15) {
            add("km_max", &random.below(150_000).to_string());
        }
        if random.chance(10) {
            add("year_min", &(2005 + random.below(20)).to_string());
        }
        if random.chance(10) {
            add("year_max", &(2010 + random.below(16)).to_string());
        }
        if random.chance(10) {
            add("days_in_stock_min", &random.below(200).to_string());
        }
        if random.chance(10) {
            add("days_in_stock_max", &random.below(400).to_string());
        }
        if random.chance(20) {
            let words = if random.chance(30) {
                format!("{} {}", random.pick(&self.words), random.pick(&self.words))
            } else {
                random.pick(&self.words).to_owned()
            };
            add("q", &words);
        }
        if list {
            let keys = 1 + random.below(2);
            let mut sort: Vec<String> = Vec::new();
            while sort.len() < keys {
                let field = SortField::ALL[random.below(SortField::ALL.len())].as_str();
                if !sort.iter().any(|s| s.trim_start_matches('-') == field) {
                    sort.push(if random.chance(50) { format!("-{field}") } else { field.to_owned() });
                }
            }
            if random.chance(85) {
                add("sort", &sort.join(","));
            }
            add("page", &(1 + random.below(4)).to_string());
            add("page_size", &(1 + random.below(40)).to_string());
        }
        parts.join("&")
    }
}

fn urlencoding(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).unwrap().trim_start_matches("v=").to_owned()
}

/// A 200 answer, and whether the stock index computed it (`server-timing: stock-index`).
pub async fn answer(app: &TestApp, token: &str, path: &str) -> (bool, Value) {
    let response = app.get_with_token(path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    let indexed = response.headers().get("server-timing").is_some_and(|v| v == "stock-index");
    (indexed, response.json().await.unwrap())
}

/// Waits until `app` answers `path`-like lists from its index (it loads in the background).
async fn until_indexed(app: &TestApp, token: &str) {
    let mut page = 0;
    eventually("the index is loaded", async || {
        page += 1;
        answer(app, token, &format!("/api/stock?page_size=1&page={page}")).await.0
    })
    .await;
}

#[actix_web::test]
async fn the_index_answers_lists_and_facets_exactly_as_sql_does() {
    let (indexed, mut conn) = seeded().await;
    // NULLs to order and to filter out, and ties to break by VIN.
    diesel::sql_query(
        "UPDATE vehicles SET registration_year = NULL, power_cv = NULL, fuel = NULL, plate = NULL, \
         dealer_id = NULL, province_id = NULL, purchase_price = NULL, total_cost = NULL, previous_price = NULL \
         WHERE vin IN (SELECT vin FROM vehicles ORDER BY vin DESC LIMIT 40)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("UPDATE vehicles SET sale_price = 1500000, mileage_km = 50000 WHERE vin IN (SELECT vin FROM vehicles ORDER BY vin LIMIT 30)")
        .execute(&mut conn)
        .await
        .unwrap();
    let plain =
        TestApp::builder().var("STOCK_INDEX_MAX_VEHICLES", "0").database_url(indexed.db.url().to_owned()).spawn().await;
    let token = indexed.token_for("reader", Role::Viewer).await;
    until_indexed(&indexed, &token).await;

    let choices = Choices::read(&mut conn).await;
    let mut random = Random(0x5eed_cafe);
    let mut nonempty = 0;
    // A query asked again is answered from memory, by either server.
    let mut asked = std::collections::HashSet::new();
    for _ in 0..250 {
        let query = choices.query(&mut random, true);
        let path = format!("/api/stock?{query}");
        let (from_index, expected) = (answer(&indexed, &token, &path).await, answer(&plain, &token, &path).await);
        assert!(from_index.0 || asked.contains(&path), "answered from the index: {path}");
        assert!(!expected.0, "answered from SQL: {path}");
        assert_eq!(from_index.1, expected.1, "{path}");
        nonempty += usize::from(expected.1["total"].as_i64().unwrap() > 0);
        asked.insert(path);

        let path = format!("/api/stock/facets?{}", choices.query(&mut random, false));
        let (from_index, expected) = (answer(&indexed, &token, &path).await, answer(&plain, &token, &path).await);
        assert!(from_index.0 || asked.contains(&path), "answered from the index: {path}");
        assert_eq!(from_index.1, expected.1, "{path}");
        asked.insert(path);
    }
    assert!(nonempty > 100, "most queries find vehicles ({nonempty} of 250)");
}

#[actix_web::test]
async fn a_change_made_anywhere_reaches_the_index_and_the_memory_of_every_server() {
    let (first, mut conn) = seeded().await;
    let second = TestApp::builder().database_url(first.db.url().to_owned()).spawn().await;
    let token = first.token_for("manager", Role::Manager).await;
    until_indexed(&first, &token).await;
    until_indexed(&second, &token).await;
    let path = "/api/stock?sort=-sale_price&page_size=1";
    let facets = "/api/stock/facets";
    let top = async |app: &TestApp| answer(app, &token, path).await.1["items"][0].clone();
    let vin = top(&first).await["vin"].as_str().unwrap().to_owned();
    let brands_before = answer(&first, &token, facets).await.1["brands"].clone();

    // Written through the second server: the first hears it, drops its index and answers
    // the new price (from SQL, then from its rebuilt index).
    let patch = serde_json::json!({"sale_price": "999999.00", "brand": "Zastava"});
    assert_eq!(second.call("PATCH", &format!("/api/stock/{vin}"), &token, Some(&patch)).await.status(), 200);
    assert_eq!(top(&second).await["sale_price"], "999999.00", "the writer sees its write at once");
    eventually("the other server sees the write", async || top(&first).await["sale_price"] == "999999.00").await;
    until_indexed(&first, &token).await;
    let (indexed, facets_after) = answer(&first, &token, facets).await;
    assert!(indexed);
    assert_ne!(facets_after["brands"], brands_before);
    assert!(facets_after["brands"].as_array().unwrap().iter().any(|b| b["value"] == "Zastava"));

    // Behind both servers' backs, in SQL: heard by both.
    diesel::sql_query(format!("DELETE FROM vehicles WHERE vin = '{vin}'")).execute(&mut conn).await.unwrap();
    for app in [&first, &second] {
        eventually("the deletion is heard", async || top(app).await["vin"] != vin.as_str()).await;
    }
}
