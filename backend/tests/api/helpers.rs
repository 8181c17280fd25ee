use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use dealaai::app;
use dealaai::auth::password;
use dealaai::config::Config;
use dealaai::state::AppState;
use dealaai::testing::TestDatabase;
use dealaai::{db, users};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::{Value, json};
use shared::users::Role;

pub const PASSWORD: &str = "correct-horse-battery";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
}

pub struct TestAppBuilder {
    vars: HashMap<String, String>,
    database_url: Option<String>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    /// An app whose database connections go through a proxy the test can unplug; the
    /// returned app only lends its database and must live as long.
    pub async fn behind_proxy() -> (TestApp, ToggleProxy, TestApp) {
        let db_server = TestApp::spawn().await;
        let proxy = ToggleProxy::start(upstream_of(db_server.db.url())).await;
        let app = TestApp::builder().database_url(proxy.url_for(db_server.db.url())).spawn().await;
        (app, proxy, db_server)
    }

    /// An app whose semantic search runs on the embedded model (`cargo xtask test` passes its
    /// path), with its background worker.
    pub async fn with_embeddings() -> TestApp {
        Self::builder()
            .var("EMBEDDINGS_PROVIDER", "embedded")
            .var("EMBEDDINGS_MODEL_PATH", &embedding_model())
            .spawn()
            .await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder { vars: HashMap::new(), database_url: None }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(self.db.url()).await.expect("connect to the test database")
    }

    pub async fn create_user(&self, username: &str, role: Role) -> users::UserRow {
        let hash = password::hash(PASSWORD.to_owned()).await.unwrap();
        let email = format!("{username}@example.com");
        let user = users::NewUser {
            first_name: "Test",
            last_name: username,
            ..users::NewUser::basic(username, &email, &hash, role)
        };
        users::insert(&mut self.conn().await, &user).await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_json("/api/auth/login", &json!({"username": username, "password": password})).await
    }

    /// Logs in and returns the whole token response.
    pub async fn login_ok(&self, username: &str) -> Value {
        let response = self.login(username, PASSWORD).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    /// Creates a user with `role` and returns their access token.
    pub async fn token_for(&self, username: &str, role: Role) -> String {
        self.create_user(username, role).await;
        self.login_ok(username).await["access_token"].as_str().unwrap().to_owned()
    }

    /// Any method with a bearer token and an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }
}

/// Settings production accepts (a real secret, a host list), for servers and CLI commands.
pub const PRODUCTION_VARS: [(&str, &str); 3] = [
    ("APP_ENV", "production"),
    ("SECRET_KEY", "4f9a0c3e7b21d8e56a0f9c2b7d4e1a3c5b8f0e2d"),
    ("ALLOWED_HOSTS", "127.0.0.1"),
];

impl TestAppBuilder {
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// A server configured as in production.
    pub fn production(self) -> Self {
        PRODUCTION_VARS.iter().fold(self, |builder, (name, value)| builder.var(name, value))
    }

    /// Serve against another database URL than the test's own (e.g. through a proxy).
    pub fn database_url(mut self, url: String) -> Self {
        self.database_url = Some(url);
        self
    }

    pub async fn spawn(mut self) -> TestApp {
        // Quiet by default; TEST_LOG=1 shows the server's logs (RUST_LOG still filters).
        if std::env::var_os("TEST_LOG").is_some() {
            dealaai::telemetry::init(dealaai::config::LogFormat::Pretty);
        }
        let db = TestDatabase::new();
        let url = self.database_url.take().unwrap_or_else(|| db.url().to_owned());
        self.vars.insert("DATABASE_URL".into(), url.clone());
        // Replays are theft at once unless a test asks for the multi-tab grace period.
        self.vars.entry("REFRESH_REUSE_GRACE_SECONDS".into()).or_insert_with(|| "0".into());
        self.vars.entry("SECRET_KEY".into()).or_insert_with(|| "test-secret-key-test-secret-key-0123".into());
        // Tests about something else neither load the model nor run its worker.
        self.vars.entry("EMBEDDINGS_PROVIDER".into()).or_insert_with(|| "none".into());
        let config = Config::from_vars(&self.vars).expect("valid test configuration");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let pool = db::build_pool(&url, 4).unwrap();
        let server = app::run(listener, AppState::new(config, pool)).unwrap();
        actix_web::rt::spawn(server);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp { address, client, db }
    }
}

/// The embedded model's weights, as `cargo xtask test` downloads them.
pub fn embedding_model() -> String {
    std::env::var("EMBEDDINGS_MODEL_PATH")
        .expect("set EMBEDDINGS_MODEL_PATH to the embedded model's weights (`cargo xtask test` does)")
}

/// Asserts the project's error shape and returns the body.
/// The events of a `text/event-stream` body, in order, each checked against its `event:` name.
pub fn parse_events<E: serde::de::DeserializeOwned>(body: &str, name: impl Fn(&E) -> &'static str) -> Vec<E> {
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let event_name = block.lines().find_map(|l| l.strip_prefix("event: ")).expect("named event");
            let data = block.lines().find_map(|l| l.strip_prefix("data: ")).expect("event data");
            let event: E = serde_json::from_str(data).expect("an event of the stream's type");
            assert_eq!(name(&event), event_name);
            event
        })
        .collect()
}

pub async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let body: Value = response.json().await.expect("errors are JSON");
    assert_eq!(body["error"], code, "unexpected error code in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "errors carry a message: {body}");
    body
}

/// Retries `check` until it holds, for changes the app hears of through PostgreSQL's
/// notifications (made behind its back, by SQL here): they arrive milliseconds later.
pub async fn eventually(what: &str, check: impl AsyncFnMut() -> bool) {
    eventually_within(Duration::from_secs(5), what, check).await
}

/// [`eventually`] for what takes longer (a background job's next round).
pub async fn eventually_within(limit: Duration, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub fn upstream_of(database_url: &str) -> SocketAddr {
    let url = url::Url::parse(database_url).unwrap();
    let host = url.host_str().unwrap();
    let host = if host == "localhost" { "127.0.0.1" } else { host };
    format!("{host}:{}", url.port().unwrap_or(5432)).parse().unwrap()
}

/// A TCP proxy in front of PostgreSQL that can be "unplugged": when down it cuts every
/// open connection and refuses new ones, as a crashed database server would.
pub struct ToggleProxy {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl ToggleProxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
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

    pub fn url_for(&self, database_url: &str) -> String {
        let mut url = url::Url::parse(database_url).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.address.port())).unwrap();
        url.to_string()
    }

    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            for connection in self.connections.lock().unwrap().drain(..) {
                connection.abort();
            }
        }
    }
}
