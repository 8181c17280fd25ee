use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::helpers::TestApp;

#[actix_web::test]
async fn health_reports_ok_with_the_database() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/health/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert!(body["timestamp"].is_string());
}

#[actix_web::test]
async fn health_is_503_while_the_database_is_down_and_recovers_by_itself() {
    let db_server = TestApp::spawn().await; // only for its database
    let proxy = ToggleProxy::start(upstream_of(db_server.db.url())).await;
    let app = TestApp::builder().database_url(proxy.url_for(db_server.db.url())).spawn().await;
    let health = || async { app.client.get(app.url("/api/health/")).send().await.unwrap() };

    assert_eq!(health().await.status(), 200);

    proxy.set_up(false);
    let down = health().await;
    assert_eq!(down.status(), 503);
    let body: Value = down.json().await.unwrap();
    assert_eq!(body["database"], "unavailable");
    assert_eq!(body["status"], "degraded");

    proxy.set_up(true);
    assert_eq!(health().await.status(), 200, "recovers without a restart");
}

fn upstream_of(database_url: &str) -> SocketAddr {
    let url = url::Url::parse(database_url).unwrap();
    let host = url.host_str().unwrap();
    let host = if host == "localhost" { "127.0.0.1" } else { host };
    format!("{host}:{}", url.port().unwrap_or(5432)).parse().unwrap()
}

/// A TCP proxy in front of PostgreSQL that can be "unplugged": when down it cuts every
/// open connection and refuses new ones, as a crashed database server would.
struct ToggleProxy {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl ToggleProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let (accept_up, accept_connections) = (up.clone(), connections.clone());
        actix_web::rt::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    continue; // dropping the socket refuses the connection
                }
                let handle = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                accept_connections.lock().unwrap().push(handle);
            }
        });
        ToggleProxy { address, up, connections }
    }

    fn url_for(&self, database_url: &str) -> String {
        let mut url = url::Url::parse(database_url).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.address.port())).unwrap();
        url.to_string()
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            for connection in self.connections.lock().unwrap().drain(..) {
                connection.abort();
            }
        }
    }
}
