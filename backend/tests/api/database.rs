//! The database the migrations build: pgvector works through diesel.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use pgvector::{Vector, VectorExpressionMethods};

use crate::helpers::TestApp;

diesel::table! {
    use diesel::sql_types::*;
    use pgvector::sql_types::*;

    vector_probe (id) {
        id -> Int4,
        embedding -> Vector,
    }
}

#[actix_web::test]
async fn vectors_round_trip_and_order_by_distance() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    diesel::sql_query("CREATE TABLE vector_probe (id int PRIMARY KEY, embedding vector(3) NOT NULL)")
        .execute(&mut conn)
        .await
        .unwrap();
    let rows = [(1, [1.0, 0.0, 0.0]), (2, [0.0, 1.0, 0.0]), (3, [0.9, 0.1, 0.0])];
    for (id, v) in rows {
        diesel::insert_into(vector_probe::table)
            .values((vector_probe::id.eq(id), vector_probe::embedding.eq(Vector::from(v.to_vec()))))
            .execute(&mut conn)
            .await
            .unwrap();
    }

    let stored: Vector = vector_probe::table.find(3).select(vector_probe::embedding).first(&mut conn).await.unwrap();
    assert_eq!(stored.to_vec(), vec![0.9, 0.1, 0.0]);

    let query = Vector::from(vec![1.0, 0.05, 0.0]);
    let nearest: Vec<i32> = vector_probe::table
        .select(vector_probe::id)
        .order(vector_probe::embedding.l2_distance(query))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(nearest, vec![1, 3, 2]);
}

#[actix_web::test]
async fn the_schema_module_matches_the_migrated_tables() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    #[derive(QueryableByName, Debug, PartialEq)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
    }
    let mut columns: Vec<(String, String)> = diesel::sql_query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load::<Column>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|c| (c.table_name, c.column_name))
    .collect();
    columns.sort();

    use dealaai::db::schema::*;
    // The SELECT diesel generates for `all_columns` names every declared column.
    let mut declared: Vec<(String, String)> = Vec::new();
    macro_rules! select_all {
        ($($table:ident),*) => {
            [$(diesel::debug_query::<diesel::pg::Pg, _>(&$table::table.select($table::all_columns)).to_string()),*]
        };
    }
    let sql = select_all!(
        users,
        auth_sessions,
        refresh_tokens,
        provinces,
        dealers,
        job_profiles,
        login_failures,
        vehicles,
        vehicle_price_changes,
        vehicle_changes,
        vehicle_states,
        snapshot_runs,
        stock_summary,
        stock_daily,
        vehicle_removals,
        cache_entries,
        cache_epoch,
        embedding_model,
        embedding_queue,
        passage_embeddings,
        conversations,
        chat_messages
    );
    for statement in sql {
        let select_list = statement.split(" FROM ").next().unwrap().trim_start_matches("SELECT ");
        for qualified in select_list.split(", ") {
            let (table, column) = qualified.split_once('.').unwrap();
            declared.push((table.trim_matches('"').to_owned(), column.trim_matches('"').to_owned()));
        }
    }
    declared.sort();
    assert_eq!(columns, declared, "backend/src/db/schema.rs is out of date");
}

/// The history migration, run with the blocking connection diesel's migrations use.
mod history_migration {
    use diesel::prelude::*;

    /// History kept as one copy of the stock per day, as the earlier design stored it, becomes
    /// states (consecutive snapshot days with the same fields, a day without a snapshot not
    /// splitting them) and goes back to the very same copies when the migration is reverted.
    #[test]
    fn daily_copies_become_states_and_back_without_losing_a_day() {
        use diesel::migration::MigrationSource;
        use diesel_migrations::MigrationHarness;

        let db = dealaai::testing::TestDatabase::empty();
        let mut conn = PgConnection::establish(db.url()).unwrap();
        let migrations = MigrationSource::<diesel::pg::Pg>::migrations(&dealaai::db::MIGRATIONS).unwrap();
        let states =
            migrations.iter().position(|m| m.name().to_string().ends_with("_history_as_validity_ranges")).unwrap();
        diesel::migration::MigrationConnection::setup(&mut conn).unwrap();
        for migration in &migrations[..states] {
            conn.run_migration(migration.as_ref()).unwrap();
        }
        // Snapshots on the 1st, 2nd, 3rd and 5th (none on the 4th).
        let day = |d: u32| format!("DATE '2026-01-0{d}'");
        diesel::sql_query(format!(
            "INSERT INTO snapshot_runs (snapshot_date, vehicles) VALUES ({}, 4), ({}, 3), ({}, 4), ({}, 3)",
            day(1),
            day(2),
            day(3),
            day(5)
        ))
        .execute(&mut conn)
        .unwrap();
        let copy = |d: u32, vin: &str, price: i64, fuel: &str| {
            format!(
                "({}, '{vin}', 'SEAT', 'Ibiza', NULL, 28, 'VO', 'available', {fuel}, false, true, 10, {price}, NULL, DATE '2025-12-01')",
                day(d)
            )
        };
        let copies = [
            // Unchanged throughout: one state, still open.
            copy(1, "SAME", 100, "NULL"),
            copy(2, "SAME", 100, "NULL"),
            copy(3, "SAME", 100, "NULL"),
            copy(5, "SAME", 100, "NULL"),
            // A price that changes and changes back: three states.
            copy(1, "BACK", 100, "'diesel'"),
            copy(2, "BACK", 100, "'diesel'"),
            copy(3, "BACK", 90, "'diesel'"),
            copy(5, "BACK", 100, "'diesel'"),
            // Gone after the first day, and one away on the 2nd.
            copy(1, "GONE", 100, "'petrol'"),
            copy(1, "AWAY", 100, "'petrol'"),
            copy(3, "AWAY", 100, "'petrol'"),
            // New on the last day.
            copy(5, "LATE", 100, "'petrol'"),
            copy(2, "FUEL", 100, "NULL"),
            copy(3, "FUEL", 100, "'electric'"),
        ];
        diesel::sql_query(format!("INSERT INTO vehicle_snapshots VALUES {}", copies.join(", ")))
            .execute(&mut conn)
            .unwrap();
        let all = |table: &str| format!("SELECT string_agg(t::text, '|' ORDER BY t::text) AS value FROM ({table}) t");
        let before = text(&mut conn, &all("TABLE vehicle_snapshots"));

        conn.run_migration(migrations[states].as_ref()).unwrap();
        let ranges = text(&mut conn, &all("SELECT vin, valid_from, valid_to, sale_price, fuel FROM vehicle_states"));
        let expected = [
            "(AWAY,2026-01-01,2026-01-02,100,petrol)",
            "(AWAY,2026-01-03,2026-01-05,100,petrol)",
            "(BACK,2026-01-01,2026-01-03,100,diesel)",
            "(BACK,2026-01-03,2026-01-05,90,diesel)",
            "(BACK,2026-01-05,,100,diesel)",
            "(FUEL,2026-01-02,2026-01-03,100,)",
            "(FUEL,2026-01-03,2026-01-05,100,electric)",
            "(GONE,2026-01-01,2026-01-02,100,petrol)",
            "(LATE,2026-01-05,,100,petrol)",
            "(SAME,2026-01-01,,100,)",
        ];
        assert_eq!(ranges, expected.join("|"));
        let as_of = format!(
            "SELECT r.snapshot_date, s.vin, s.brand, s.model, s.dealer_id, s.province_id, s.stock_type, s.status, s.fuel, \
                 s.reserved, s.published, s.mileage_km, s.sale_price, s.total_cost, s.reception_date FROM {}",
            dealaai::stock::snapshot::STATES_ON_SNAPSHOT_DAYS
        );
        assert_eq!(text(&mut conn, &all(&as_of)), before, "every day reads as it was copied");

        conn.revert_migration(migrations[states].as_ref()).unwrap();
        assert_eq!(text(&mut conn, &all("TABLE vehicle_snapshots")), before, "reverting gives back every copy");
    }

    #[derive(QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }

    fn text(conn: &mut PgConnection, sql: &str) -> String {
        diesel::sql_query(sql).get_result::<Text>(conn).unwrap().value
    }
}

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Definition {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    definition: String,
}

/// Every function and trigger of the public schema as PostgreSQL prints it (extensions' own
/// functions left out), with each trigger's enabled state.
async fn database_code(conn: &mut diesel_async::AsyncPgConnection) -> Vec<Definition> {
    diesel::sql_query(
        "SELECT p.proname::text AS name, pg_get_functiondef(p.oid) AS definition \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = 'public' AND p.prokind = 'f' \
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \
         UNION ALL \
         SELECT t.tgname::text, pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text \
         FROM pg_trigger t WHERE NOT t.tgisinternal \
         ORDER BY 1, 2",
    )
    .load(conn)
    .await
    .unwrap()
}

/// The database's code lives in backend/sql: applying it again changes nothing, and nothing
/// outside it defines a function or trigger (a migration that sneaks one in fails here).
#[actix_web::test]
async fn the_sql_folder_is_the_whole_database_code_and_applies_again_unchanged() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let before = database_code(&mut conn).await;
    let url = app.db.url().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut blocking = diesel::PgConnection::establish(&url).unwrap();
        for _ in 0..2 {
            dealaai::db::apply_sql_files(&mut blocking).unwrap();
        }
    })
    .await
    .unwrap();
    assert_eq!(database_code(&mut conn).await, before, "re-applying backend/sql changed the database's code");

    let folder: String = dealaai::db::SQL_FILES.iter().map(|(_, sql)| *sql).collect();
    // diesel's own helper, called by two early migrations, stays in diesel's setup migration.
    let outside: Vec<&str> = before
        .iter()
        .map(|code| code.name.as_str())
        .filter(|name| *name != "diesel_manage_updated_at")
        .filter(|name| {
            let function = format!("FUNCTION {name}(");
            let trigger = format!("TRIGGER {name}");
            let creates_trigger = folder
                .match_indices(&trigger)
                .any(|(at, _)| folder[at + trigger.len()..].starts_with(char::is_whitespace));
            !folder.contains(&function) && !creates_trigger
        })
        .collect();
    assert!(outside.is_empty(), "defined outside backend/sql: {outside:?}");
}

/// The catalogue (backend/sql/00_catalogue.sql) lists exactly the triggers the database has,
/// each on its table.
#[actix_web::test]
async fn the_sql_catalogue_lists_every_trigger_on_its_table() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let mut triggers: Vec<(String, String)> = diesel::sql_query(
        "SELECT tgname::text AS name, tgrelid::regclass::text AS definition FROM pg_trigger WHERE NOT tgisinternal",
    )
    .load::<Definition>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|t| (t.name, t.definition))
    .collect();
    triggers.sort();
    let catalogue = dealaai::db::SQL_CATALOGUE;
    let trigger_table = &catalogue[catalogue.find("-- TRIGGERS").unwrap()..catalogue.find("-- Retired").unwrap()];
    let mut listed: Vec<(String, String)> = trigger_table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.strip_prefix("-- |")?.split('|').map(str::trim).collect();
            let (name, table) = (*<[&str]>::first(&cells)?, *cells.get(1)?);
            let is_row = name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty();
            (is_row && name != "trigger").then(|| (name.to_owned(), table.to_owned()))
        })
        .collect();
    listed.sort();
    assert_eq!(listed, triggers, "backend/sql/00_catalogue.sql and pg_trigger differ");
}

/// Rules written both in SQL and in Rust give the same answers over the same inputs.
#[actix_web::test]
async fn the_sql_and_rust_twins_agree() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    #[derive(QueryableByName)]
    struct Answer {
        #[diesel(sql_type = diesel::sql_types::Text)]
        answer: String,
    }
    async fn sql_answer(conn: &mut diesel_async::AsyncPgConnection, query: &str, bind: impl ToString) -> String {
        diesel::sql_query(query)
            .bind::<diesel::sql_types::Text, _>(bind.to_string())
            .get_result::<Answer>(conn)
            .await
            .unwrap()
            .answer
    }

    // Accent folding: the search text the database stores and the words the API folds.
    let accented = "ÁÀÂÄÃÅáàâäãåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñÇç";
    let samples = [accented, "Citroën C4 Picasso 1.6 HDi", "ÁVILA, Ñandú y Peña", "plain ASCII 123 !?", ""];
    for text in samples {
        let sql = sql_answer(&mut conn, "SELECT fold_text($1) AS answer", text).await;
        assert_eq!(sql, shared::text::fold_text(text), "fold_text of {text:?}");
    }

    // Price bands: the summary's keys in SQL, the dashboard's inclusive bounds in Rust.
    for cents in
        [0_i64, 999_999, 1_000_000, 1_999_999, 2_000_000, 2_999_999, 3_000_000, 4_999_999, 5_000_000, 10_i64.pow(10)]
    {
        let sql = sql_answer(&mut conn, "SELECT price_band($1::bigint) AS answer", cents).await;
        let money = shared::stock::Money(cents);
        let within = |bound: Option<&str>, above: bool| {
            bound.is_none_or(|b| {
                let b: shared::stock::Money = b.parse().unwrap();
                if above { money >= b } else { money <= b }
            })
        };
        let rust =
            dealaai::dashboard::PRICE_BANDS.iter().find(|(_, min, max)| within(*min, true) && within(*max, false));
        assert_eq!(Some(sql.as_str()), rust.map(|(key, ..)| *key), "price band of {cents} cents");
    }

    // Enumerations: each CHECK constraint allows exactly the codes of its Rust enum.
    use shared::assistant::{ChatRole, MessageStatus};
    use shared::stock::{Fuel, StockType, Transmission, VehicleStatus};
    let codes = |mut values: Vec<String>| {
        values.sort();
        values
    };
    let serde_code = |value: serde_json::Value| value.as_str().unwrap().to_owned();
    // Exhaustive matches: a new variant does not compile until it is listed here.
    let chat_roles = [ChatRole::User, ChatRole::Assistant].map(|r| match r {
        ChatRole::User | ChatRole::Assistant => serde_code(serde_json::to_value(r).unwrap()),
    });
    let statuses = [MessageStatus::Complete, MessageStatus::Partial, MessageStatus::Stopped, MessageStatus::Failed]
        .map(|s| match s {
            MessageStatus::Complete | MessageStatus::Partial | MessageStatus::Stopped | MessageStatus::Failed => {
                serde_code(serde_json::to_value(s).unwrap())
            }
        });
    let twins: [(&str, Vec<String>); 7] = [
        ("vehicles_fuel_check", Fuel::ALL.iter().map(|v| v.as_str().to_owned()).collect()),
        ("vehicles_transmission_check", Transmission::ALL.iter().map(|v| v.as_str().to_owned()).collect()),
        ("vehicles_stock_type_check", StockType::ALL.iter().map(|v| v.as_str().to_owned()).collect()),
        ("vehicles_status_check", VehicleStatus::ALL.iter().map(|v| v.as_str().to_owned()).collect()),
        ("users_role_check", shared::users::Role::ALL.iter().map(|v| v.as_str().to_owned()).collect()),
        ("chat_messages_role_check", chat_roles.to_vec()),
        ("chat_messages_status_check", statuses.to_vec()),
    ];
    for (constraint, rust) in twins {
        let check = sql_answer(
            &mut conn,
            "SELECT pg_get_constraintdef(c.oid) AS answer FROM pg_constraint c \
             JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND c.conname = $1",
            constraint,
        )
        .await;
        let sql: Vec<String> = check.split('\'').skip(1).step_by(2).map(str::to_owned).collect();
        assert_eq!(codes(sql), codes(rust), "{constraint}: {check}");
    }
}
