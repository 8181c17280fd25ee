//! Two backend processes on one database, as replicas behind EasyPanel's load balancer: what
//! one does is seen by the other at once, and the jobs they both run happen once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use dealaai::search::embedder::{EmbedError, Embedder, TextRole};
use dealaai::search::store;
use dealaai::stock::snapshot::{SnapshotOutcome, take_snapshot};
use futures_util::future::BoxFuture;
use shared::users::Role;

use crate::helpers::{TestApp, eventually};
use crate::stock::{SEEDED, count, seeded};

/// Counts the texts it embeds, slowly enough for two workers to overlap.
#[derive(Default)]
struct CountingModel(AtomicUsize);

impl Embedder for CountingModel {
    fn model_id(&self) -> &str {
        "counting-model-4d"
    }
    fn dimensions(&self) -> usize {
        4
    }
    fn embed<'a>(&'a self, texts: &'a [String], _: TextRole) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.0.fetch_add(texts.len(), Ordering::SeqCst);
            Ok(texts.iter().map(|_| vec![0.5; 4]).collect())
        })
    }
}

#[actix_web::test]
async fn two_replicas_see_each_others_writes_and_run_each_job_once() {
    let (first, mut conn) = seeded().await;
    let second = TestApp::builder().database_url(first.db.url().to_owned()).spawn().await;

    // A session ended through one replica is refused by the other, which had it in memory.
    first.create_user("ana", Role::Manager).await;
    let token = first.login_ok("ana").await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(second.get_with_token("/api/auth/me", &token).await.status(), 200);
    assert_eq!(second.get_with_token("/api/auth/me", &token).await.status(), 200);
    let logout = first.client.post(first.url("/api/auth/logout")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    eventually("the other replica hears of the logout", async || {
        second.get_with_token("/api/auth/me", &token).await.status() == 401
    })
    .await;

    // Both replicas' schedulers wake at the same time: one takes the day's snapshot.
    let mut other_conn = first.conn().await;
    let day = NaiveDate::from_ymd_opt(2030, 1, 2).unwrap();
    let (a, b) = futures_util::join!(take_snapshot(&mut conn, day), take_snapshot(&mut other_conn, day));
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, SnapshotOutcome::Taken { .. }));
    assert!(matches!(outcomes[0], SnapshotOutcome::Busy | SnapshotOutcome::AlreadyTaken), "{outcomes:?}");
    assert_eq!(outcomes[1], SnapshotOutcome::Taken { vehicles: SEEDED as i64, opened: SEEDED as i64, closed: 0 });
    assert_eq!(count(&mut conn, "SELECT count(*) FROM vehicle_states").await, SEEDED as i64);

    // Both replicas' embedding workers drain the queue at once: each text is embedded once.
    let model = CountingModel::default();
    store::adopt_model(&mut conn, &model).await.unwrap();
    let queued = count(&mut conn, "SELECT count(*) FROM embedding_queue").await;
    assert!(queued > 10, "the seeded stock is queued ({queued})");
    let drain = async |conn: &mut diesel_async::AsyncPgConnection| {
        let mut batches = 0;
        while store::embed_batch(conn, &model, 16).await.unwrap() > 0 {
            batches += 1;
        }
        batches
    };
    let (mine, theirs) = futures_util::join!(drain(&mut conn), drain(&mut other_conn));
    assert!(mine > 0 && theirs > 0, "both took batches ({mine}, {theirs})");
    assert_eq!(model.0.load(Ordering::SeqCst) as i64, queued, "no text embedded twice");
    assert_eq!(count(&mut conn, "SELECT count(*) FROM embedding_queue").await, 0);
}
