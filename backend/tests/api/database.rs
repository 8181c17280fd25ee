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
