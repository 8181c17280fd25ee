//! The end-to-end harness: starts the real `dealaai` backend and `dealaai-frontend-server`
//! binaries against a fresh database, and a headless Chromium through chromedriver.
//!
//! `cargo xtask test` builds the binaries and the wasm app first and tells us where they
//! are (DEALAAI_BIN_DIR, DEALAAI_DIST_DIR).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use dealaai::testing::TestDatabase;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn bin_dir() -> PathBuf {
    std::env::var_os("DEALAAI_BIN_DIR").map(PathBuf::from).unwrap_or_else(|| {
        // target/debug/deps/e2e-<hash> → target/debug
        let exe = std::env::current_exe().unwrap();
        exe.parent().and_then(|deps| deps.parent()).unwrap().to_path_buf()
    })
}

fn dist_dir() -> PathBuf {
    std::env::var_os("DEALAAI_DIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../frontend/app/dist"))
}

/// A child process killed when dropped, so a failing test leaves nothing running.
pub struct Process {
    pub name: &'static str,
    pub child: Child,
}

impl Process {
    fn spawn(name: &'static str, cmd: &mut Command) -> Result<Self> {
        let child = cmd.spawn().with_context(|| format!("starting {name} ({cmd:?})"))?;
        Ok(Process { name, child })
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn terminate(mut self) -> Result<std::process::ExitStatus> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                bail!("{} did not stop within 20 s of SIGTERM", self.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Backend + frontend server on free ports, with a seeded database of their own.
pub struct Stack {
    pub frontend_url: String,
    pub backend_url: String,
    pub backend: Option<Process>,
    pub frontend: Process,
    pub db: TestDatabase,
}

impl Stack {
    /// What the API answers `token`'s holder for `path` (`/api/...`), as JSON.
    pub async fn api_json(&self, token: &str, path: &str) -> Result<serde_json::Value> {
        let response =
            reqwest::Client::new().get(format!("{}{path}", self.backend_url)).bearer_auth(token).send().await?;
        Ok(response.error_for_status()?.json().await?)
    }

    /// What the backend answers `token`'s holder for an API URL the app requested (a download
    /// the test reads itself), as text; only the part from `/api/` on is used.
    pub async fn api_text(&self, token: &str, url: &str) -> Result<String> {
        let path = &url[url.find("/api/").context("not an API URL")?..];
        let response =
            reqwest::Client::new().get(format!("{}{path}", self.backend_url)).bearer_auth(token).send().await?;
        Ok(response.error_for_status()?.text().await?)
    }

    /// Runs the `dealaai` command line against this stack's database.
    pub fn dealaai(&self, args: &[&str], stdin: Option<&str>) -> Result<()> {
        let mut command = Command::new(bin_dir().join("dealaai"));
        command
            .args(args)
            .env("DATABASE_URL", self.db.url())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stdin(Stdio::piped());
        let mut child = command.spawn().context("running dealaai")?;
        if let Some(input) = stdin {
            use std::io::Write;
            child.stdin.take().expect("piped").write_all(input.as_bytes())?;
        }
        drop(child.stdin.take());
        if !child.wait()?.success() {
            bail!("`dealaai {}` failed", args.join(" "));
        }
        Ok(())
    }

    /// Creates an account with `role` through the command line.
    pub fn create_user(&self, role: &str, username: &str, password: &str) -> Result<()> {
        let email = format!("{username}@grupo.es");
        let args = ["users", "create", "--role", role, "--username", username, "--email", &email, "--password-stdin"];
        self.dealaai(&args, Some(&format!("{password}\n")))
    }

    /// Logs in through the API and returns the access token (for asking the API what the
    /// browser should show).
    pub async fn api_token(&self, username: &str, password: &str) -> Result<String> {
        let login: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/auth/login", self.backend_url))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(login["access_token"].as_str().context("no access token")?.to_owned())
    }

    pub async fn start() -> Result<Self> {
        Self::start_with_frontend_env(&[]).await
    }

    /// A stack whose frontend server gets these extra environment variables.
    pub async fn start_with_frontend_env(frontend_env: &[(&str, &str)]) -> Result<Self> {
        let db = TestDatabase::new();
        let bin = bin_dir();
        let dealaai = bin.join("dealaai");
        let quiet = |cmd: &mut Command| {
            cmd.current_dir(std::env::temp_dir()).env("RUST_LOG", "warn").stdout(Stdio::null());
        };

        let mut seed = Command::new(&dealaai);
        seed.arg("seed").env("DATABASE_URL", db.url());
        quiet(&mut seed);
        let status = seed.status().context("running `dealaai seed`")?;
        if !status.success() {
            bail!("`dealaai seed` failed");
        }

        let backend_port = free_port();
        let mut backend = Command::new(&dealaai);
        backend.arg("serve").env("DATABASE_URL", db.url()).env("BIND", format!("127.0.0.1:{backend_port}"));
        // Tests run in parallel on few cores: no background embedding of what they seed (a test
        // that needs vectors embeds them with `dealaai embeddings rebuild`).
        backend.env("EMBEDDINGS_WORKER", "false");
        quiet(&mut backend);
        let backend = Process::spawn("backend", &mut backend)?;
        let backend_url = format!("http://127.0.0.1:{backend_port}");

        let frontend_port = free_port();
        let mut frontend = Command::new(bin.join("dealaai-frontend-server"));
        frontend
            .env("BIND", format!("127.0.0.1:{frontend_port}"))
            .env("DIST_DIR", dist_dir())
            .env("BACKEND_URL", &backend_url)
            .envs(frontend_env.iter().copied());
        quiet(&mut frontend);
        let frontend = Process::spawn("frontend server", &mut frontend)?;
        let frontend_url = format!("http://127.0.0.1:{frontend_port}");

        wait_until_ok(&format!("{backend_url}/api/health/")).await?;
        wait_until_ok(&format!("{frontend_url}/health")).await?;
        Ok(Stack { frontend_url, backend_url, backend: Some(backend), frontend, db })
    }
}

pub async fn wait_until_ok(url: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = reqwest::get(url).await
            && response.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{url} did not answer within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The viewports the layouts are checked at: a common laptop and a common phone.
pub const LAPTOP: (u32, u32) = (1366, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// Headless Chromium driven through chromedriver (Debian's packages).
pub struct Browser {
    pub client: Client,
    /// The window's size, which screenshots come back to.
    size: (u32, u32),
    _driver: Process,
    _profile: TempDir,
}

impl Browser {
    /// From now on, remembers the URL of every `fetch` the page makes.
    pub async fn record_requests(&self) -> Result<()> {
        self.client
            .execute(
                "window.__requests = []; const f = window.fetch; \
                 window.fetch = (input, init) => { window.__requests.push(String(input.url || input)); return f(input, init); };",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// The first recorded request whose URL holds `part`, waiting for it.
    pub async fn request_to(&self, part: &str) -> Result<String> {
        self.wait_until(&format!("return window.__requests.some(u => u.includes('{part}'))"), part).await?;
        let requests: Vec<String> =
            serde_json::from_value(self.client.execute("return window.__requests", vec![]).await?)?;
        Ok(requests.into_iter().find(|u| u.contains(part)).expect("waited for it"))
    }

    /// A laptop-sized window (1366×900).
    pub async fn start() -> Result<Self> {
        Self::start_sized(LAPTOP).await
    }

    /// A phone-sized window (390×844), for the layouts people use on the shop floor.
    pub async fn phone() -> Result<Self> {
        Self::start_sized(PHONE).await
    }

    pub async fn start_sized((width, height): (u32, u32)) -> Result<Self> {
        let port = free_port();
        let driver = Process::spawn(
            "chromedriver",
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        let profile = TempDir::new("dealaai-chromium")?;
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--lang=es-ES",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.0.display()),
                ]
            }
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if Instant::now() > deadline => {
                    return Err(error).context("connecting to chromedriver");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        // `--window-size` sizes the outer window; the page must get exactly this viewport.
        client.set_window_size(width, height).await?;
        let inner = client.execute("return [window.innerWidth, window.innerHeight]", vec![]).await?;
        let (inner_w, inner_h) = (inner[0].as_u64().unwrap_or(0) as u32, inner[1].as_u64().unwrap_or(0) as u32);
        client.set_window_size(2 * width - inner_w.min(width), 2 * height - inner_h.min(height)).await?;
        Ok(Browser { client, size: (width, height), _driver: driver, _profile: profile })
    }

    /// Saves what the browser shows, the whole page, as `$E2E_SCREENSHOTS/{name}.png` when that
    /// variable names a directory (`cargo xtask test` sets it); does nothing otherwise.
    pub async fn screenshot(&self, name: &str) -> Result<()> {
        let Some(dir) = std::env::var_os("E2E_SCREENSHOTS") else { return Ok(()) };
        let script = "return [document.documentElement.scrollHeight, window.innerHeight]";
        let heights = self.client.execute(script, vec![]).await?;
        let (page, inner) = (heights[0].as_u64().unwrap_or(0), heights[1].as_u64().unwrap_or(0));
        let page = page.clamp(self.size.1 as u64, 8000);
        // The window is taller than its page by the browser's own frame, if any.
        let window = self.client.get_window_size().await?;
        let frame = window.1.saturating_sub(inner);
        self.client.set_window_size(window.0 as u32, (page + frame) as u32).await?;
        let png = self.client.screenshot().await;
        self.client.set_window_size(window.0 as u32, window.1 as u32).await?;
        let png = png?;
        std::fs::create_dir_all(&dir)?;
        std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png)?;
        Ok(())
    }

    /// Ends the WebDriver session (Chromium exits with it).
    pub async fn close(self) -> Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }

    /// Finds `css` and acts on it, again if the app re-rendered the element in between
    /// (WebDriver's "stale element reference"): reactive pages replace nodes at any time.
    async fn with_element<T, F, Fut>(&self, css: &str, action: F) -> Result<T>
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let element = self.client.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css(css)).await?;
            match action(element).await {
                Ok(value) => return Ok(value),
                Err(error) if Instant::now() < deadline && is_stale(&error) => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(error) => return Err(error).with_context(|| format!("acting on `{css}`")),
            }
        }
    }

    /// Waits for an element and returns its text.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        self.with_element(css, |element| async move { element.text().await }).await
    }

    /// Waits until the first element matching `css` reads `expected` (lists refresh as the
    /// user types, so an earlier answer may be on screen first); fails with the last text.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = self.text_of(css).await?;
            if text == expected {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("`{css}` reads {text:?}, expected {expected:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The texts of every element matching `css`, read in one go in the page.
    pub async fn texts_of(&self, css: &str) -> Result<Vec<String>> {
        self.text_of(css).await?;
        let script = "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim());";
        let value = self.client.execute(script, vec![serde_json::json!(css)]).await?;
        Ok(serde_json::from_value(value)?)
    }

    pub async fn fill(&self, css: &str, value: &str) -> Result<()> {
        self.with_element(css, |element| async move {
            element.clear().await?;
            element.send_keys(value).await
        })
        .await
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.with_element(css, |element| async move { element.click().await }).await
    }

    /// Waits until a JavaScript expression (the body of a function) returns true.
    pub async fn wait_until(&self, script: &str, what: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.client.execute(script, vec![]).await? == serde_json::Value::Bool(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sets a `<select>`'s value the way a person choosing an option does.
    pub async fn choose(&self, css: &str, value: &str) -> Result<()> {
        self.text_of(css).await?;
        let script = "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
                      s.dispatchEvent(new Event('change', {bubbles: true}));";
        self.client.execute(script, vec![serde_json::json!(css), serde_json::json!(value)]).await?;
        Ok(())
    }

    /// Logs in through the login form of the app at `base` and waits for the dashboard.
    pub async fn log_in(&self, base: &str, username: &str, password: &str) -> Result<()> {
        self.client.goto(&format!("{base}/login")).await?;
        self.fill("#username", username).await?;
        self.fill("#password", password).await?;
        self.click("button[type=submit]").await?;
        self.wait_for_path("/").await
    }

    /// Waits until the current URL's path is `path`.
    pub async fn wait_for_path(&self, path: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let url = self.client.current_url().await?;
            if url.path() == path {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("expected to reach {path}, still at {url}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing chromedriver orphans its Chromium when a test fails before `close()`;
        // the profile directory names this test's browser processes.
        let _ = Command::new("pkill").arg("-f").arg(self._profile.0.as_os_str()).status();
    }
}

fn is_stale(error: &fantoccini::error::CmdError) -> bool {
    error.to_string().contains("stale element")
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Result<Self> {
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
