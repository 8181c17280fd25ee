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
