//! Configuration comes only from environment variables (plus `.env` in development),
//! parsed once at start-up into typed values. Production refuses insecure defaults.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use shared::proxies::TrustedProxies;

/// The signing key used when none is given in development. Production refuses it.
const DEVELOPMENT_SECRET_KEY: &str = "development-only-secret-key-do-not-use-in-production";
const MIN_SECRET_KEY_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Which `Host` headers the API answers; anything else gets 400 (like Django's ALLOWED_HOSTS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedHosts {
    Any,
    Only(Vec<String>),
}

impl AllowedHosts {
    /// `host` is a Host header value, possibly with a port.
    pub fn allows(&self, host: &str) -> bool {
        match self {
            AllowedHosts::Any => true,
            AllowedHosts::Only(hosts) => {
                let name = strip_port(host).to_ascii_lowercase();
                hosts.iter().any(|allowed| {
                    allowed == &name
                        || allowed
                            .strip_prefix('.')
                            .is_some_and(|domain| name == domain || name.ends_with(&format!(".{domain}")))
                })
            }
        }
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        // [::1]:8000
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub env: AppEnv,
    pub secret_key: Secret,
    /// Holds the database password.
    pub database_url: Secret,
    pub database_pool_size: usize,
    pub bind: SocketAddr,
    pub allowed_hosts: AllowedHosts,
    pub cors_allowed_origins: Vec<String>,
    /// Peers whose `X-Forwarded-*` headers are believed (the :3000 server, a load balancer).
    pub trusted_proxies: TrustedProxies,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// A refresh token presented again this soon after its rotation is a race between two
    /// tabs, not theft.
    pub refresh_reuse_grace: Duration,
    pub log_format: LogFormat,
    /// The business's time zone: "today", days in stock and the snapshot time follow it.
    pub time_zone: chrono_tz::Tz,
    /// When the daily stock snapshot runs, local time.
    pub snapshot_time: chrono::NaiveTime,
    /// Whether this process schedules the daily snapshot (an advisory lock still lets only
    /// one replica take it).
    pub snapshot_scheduler: bool,
    /// How long a cached answer may be served at most (changes to the stock drop it at once).
    pub cache_ttl: Duration,
    /// Up to this many vehicles, each process keeps the stock's filter and sort columns in
    /// memory (~0.2 KB a vehicle) to count, order and facet without PostgreSQL.
    pub stock_index_max_vehicles: i64,
    /// Where semantic search gets its vectors.
    pub embeddings: EmbeddingsProvider,
    /// Whether this process embeds queued vehicles in the background (replicas share the
    /// queue: each batch is taken by one of them).
    pub embeddings_worker: bool,
    /// A meaning search whose filters leave fewer vehicles than this compares with each of
    /// them (exact, and cheaper than walking the index past the others).
    pub semantic_exact_below: i64,
    /// Who writes the assistant's answers, and its per-user limits.
    pub assistant: AssistantConfig,
    /// `DEBUG` switches nothing on here, but an operator who sets it expects a debug mode:
    /// production refuses it.
    pub debug: bool,
    /// Where `dealaai backup`/`restore` find `pg_dump` and `pg_restore` (else on PATH).
    pub pg_bin_dir: Option<std::path::PathBuf>,
}

/// A value that must never reach a log: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The model under semantic search (`EMBEDDINGS_PROVIDER`).
#[derive(Debug, Clone, PartialEq)]
pub enum EmbeddingsProvider {
    /// The embedded multilingual-e5-small: in-process, offline (the default).
    Embedded { model_path: std::path::PathBuf },
    /// An OpenAI-compatible `/embeddings` endpoint.
    OpenAi(OpenAiEmbeddings),
    /// No semantic search: ranked searches answer from words only.
    Disabled,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiEmbeddings {
    pub base_url: String,
    pub api_key: Option<Secret>,
    pub model: String,
    pub dimensions: usize,
}

/// Where `cargo xtask` and the Docker image put the embedded model's weights.
const DEFAULT_EMBEDDINGS_MODEL_PATH: &str = ".local/models/e5-small-q4.bin";

fn embeddings_provider<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Result<EmbeddingsProvider, ConfigError> {
    match get("EMBEDDINGS_PROVIDER").unwrap_or("embedded") {
        "embedded" => Ok(EmbeddingsProvider::Embedded {
            model_path: get("EMBEDDINGS_MODEL_PATH").unwrap_or(DEFAULT_EMBEDDINGS_MODEL_PATH).into(),
        }),
        "openai" => {
            let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
            Ok(EmbeddingsProvider::OpenAi(OpenAiEmbeddings {
                base_url: required("EMBEDDINGS_BASE_URL")?.to_owned(),
                api_key: get("EMBEDDINGS_API_KEY").map(Secret::new),
                model: required("EMBEDDINGS_MODEL")?.to_owned(),
                dimensions: parse::<usize>("EMBEDDINGS_DIMENSIONS", required("EMBEDDINGS_DIMENSIONS")?).and_then(
                    |d| match d {
                        1..=4000 => Ok(d),
                        _ => Err(ConfigError::Invalid {
                            name: "EMBEDDINGS_DIMENSIONS",
                            reason: "must be between 1 and 4000 (pgvector's halfvec index limit)".into(),
                        }),
                    },
                )?,
            }))
        }
        "none" => Ok(EmbeddingsProvider::Disabled),
        other => Err(ConfigError::Invalid {
            name: "EMBEDDINGS_PROVIDER",
            reason: format!("`{other}` is none of `embedded`, `openai`, `none`"),
        }),
    }
}

/// The assistant's model (`ASSISTANT_PROVIDER`) and what each user may ask of it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistantConfig {
    pub provider: ChatProvider,
    pub messages_per_minute: i64,
    pub tokens_per_day: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChatProvider {
    /// The embedded rule-based planner: offline, no key (the default).
    Embedded,
    /// An OpenAI-compatible chat completions API with streaming and tool calls.
    OpenAi(OpenAiChat),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiChat {
    pub base_url: String,
    pub api_key: Option<Secret>,
    /// Tried in order: the next one on 429, 5xx or a timeout before the first token.
    pub models: Vec<String>,
    /// How long to wait for a model's first token.
    pub first_token_timeout: Duration,
}

fn assistant_config<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Result<AssistantConfig, ConfigError> {
    let provider = match get("ASSISTANT_PROVIDER").unwrap_or("embedded") {
        "embedded" => ChatProvider::Embedded,
        "openai" => {
            let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
            let models: Vec<String> = required("ASSISTANT_MODELS")?
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect();
            if models.is_empty() {
                return Err(ConfigError::Missing("ASSISTANT_MODELS"));
            }
            ChatProvider::OpenAi(OpenAiChat {
                base_url: required("ASSISTANT_BASE_URL")?.trim_end_matches('/').to_owned(),
                api_key: get("ASSISTANT_API_KEY").map(Secret::new),
                models,
                first_token_timeout: Duration::from_secs(parse(
                    "ASSISTANT_TIMEOUT_SECONDS",
                    get("ASSISTANT_TIMEOUT_SECONDS").unwrap_or("30"),
                )?),
            })
        }
        other => {
            return Err(ConfigError::Invalid {
                name: "ASSISTANT_PROVIDER",
                reason: format!("`{other}` is none of `embedded`, `openai`"),
            });
        }
    };
    Ok(AssistantConfig {
        provider,
        messages_per_minute: parse(
            "ASSISTANT_MESSAGES_PER_MINUTE",
            get("ASSISTANT_MESSAGES_PER_MINUTE").unwrap_or("10"),
        )?,
        tokens_per_day: parse("ASSISTANT_TOKENS_PER_DAY", get("ASSISTANT_TOKENS_PER_DAY").unwrap_or("200000"))?,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    /// Every insecure setting, `; `-separated.
    #[error("refusing to start in production: {0}")]
    Insecure(String),
}

impl Config {
    /// Reads the process environment (and `.env` in development).
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; production sets real variables.
        let _ = dotenvy::dotenv();
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_vars(&vars)
    }

    /// Parses configuration from a map of variables; `from_env` and the tests share it.
    /// Production refuses every [`insecure_settings`](Self::insecure_settings).
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let config = Self::from_vars_allowing_insecure(vars)?;
        let insecure = config.insecure_settings();
        if config.is_production() && !insecure.is_empty() {
            return Err(ConfigError::Insecure(insecure.join("; ")));
        }
        Ok(config)
    }

    /// Like [`from_env`](Self::from_env) but accepts insecure production settings, for
    /// `dealaai check` to list them.
    pub fn from_env_allowing_insecure() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_vars_allowing_insecure(&vars)
    }

    pub fn from_vars_allowing_insecure(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());

        let env = match get("APP_ENV").unwrap_or("development") {
            "development" | "dev" => AppEnv::Development,
            "production" | "prod" => AppEnv::Production,
            other => {
                return Err(ConfigError::Invalid {
                    name: "APP_ENV",
                    reason: format!("`{other}` is neither `development` nor `production`"),
                });
            }
        };

        let secret_key = get("SECRET_KEY").unwrap_or(DEVELOPMENT_SECRET_KEY).to_owned();
        let database_url = match get("DATABASE_URL") {
            Some(url) => url.to_owned(),
            None => database_url_from_parts(&get)?,
        };
        let bind = match get("BIND") {
            Some(bind) => parse("BIND", bind)?,
            None => SocketAddr::from(([0, 0, 0, 0], parse("PORT", get("PORT").unwrap_or("8000"))?)),
        };
        let allowed_hosts = match get("ALLOWED_HOSTS") {
            None => AllowedHosts::Any,
            Some(list) if list.split(',').any(|h| h.trim() == "*") => AllowedHosts::Any,
            Some(list) => AllowedHosts::Only(comma_list(list).map(|h| h.to_ascii_lowercase()).collect()),
        };
        let cors_allowed_origins = get("CORS_ALLOWED_ORIGINS").map(|l| comma_list(l).collect()).unwrap_or_default();
        let trusted_proxies = match get("TRUSTED_PROXIES") {
            Some(list) => TrustedProxies::parse(list)
                .map_err(|reason| ConfigError::Invalid { name: "TRUSTED_PROXIES", reason })?,
            None => TrustedProxies::loopback(),
        };
        let log_format = match get("LOG_FORMAT") {
            Some("json") => LogFormat::Json,
            Some("pretty") | None => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "LOG_FORMAT",
                    reason: format!("`{other}` is neither `json` nor `pretty`"),
                });
            }
        };

        let config = Config {
            env,
            secret_key: Secret::new(secret_key),
            database_url: Secret::new(database_url),
            database_pool_size: parse("DATABASE_POOL_SIZE", get("DATABASE_POOL_SIZE").unwrap_or("16"))?,
            bind,
            allowed_hosts,
            cors_allowed_origins,
            trusted_proxies,
            access_token_ttl: Duration::from_secs(parse(
                "ACCESS_TOKEN_TTL_SECONDS",
                get("ACCESS_TOKEN_TTL_SECONDS").unwrap_or("900"),
            )?),
            refresh_token_ttl: Duration::from_secs(
                86_400 * parse::<u64>("REFRESH_TOKEN_TTL_DAYS", get("REFRESH_TOKEN_TTL_DAYS").unwrap_or("30"))?,
            ),
            refresh_reuse_grace: Duration::from_secs(parse(
                "REFRESH_REUSE_GRACE_SECONDS",
                get("REFRESH_REUSE_GRACE_SECONDS").unwrap_or("10"),
            )?),
            log_format,
            time_zone: parse("TIME_ZONE", get("TIME_ZONE").unwrap_or("Europe/Madrid"))?,
            snapshot_time: chrono::NaiveTime::parse_from_str(get("SNAPSHOT_TIME").unwrap_or("01:00"), "%H:%M")
                .map_err(|_| ConfigError::Invalid { name: "SNAPSHOT_TIME", reason: "expected HH:MM".to_owned() })?,
            snapshot_scheduler: parse("SNAPSHOT_SCHEDULER", get("SNAPSHOT_SCHEDULER").unwrap_or("true"))?,
            cache_ttl: Duration::from_secs(parse("CACHE_TTL_SECONDS", get("CACHE_TTL_SECONDS").unwrap_or("60"))?),
            stock_index_max_vehicles: parse(
                "STOCK_INDEX_MAX_VEHICLES",
                get("STOCK_INDEX_MAX_VEHICLES").unwrap_or("500000"),
            )?,
            embeddings: embeddings_provider(&get)?,
            embeddings_worker: parse("EMBEDDINGS_WORKER", get("EMBEDDINGS_WORKER").unwrap_or("true"))?,
            semantic_exact_below: parse("SEMANTIC_EXACT_BELOW", get("SEMANTIC_EXACT_BELOW").unwrap_or("4000"))?,
            assistant: assistant_config(&get)?,
            debug: get("DEBUG").is_some_and(|d| matches!(d.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")),
            pg_bin_dir: get("PG_BIN_DIR").map(Into::into),
        };
        Ok(config)
    }

    /// Today's date where the dealerships are.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.time_zone).date_naive()
    }

    /// The instant a local day starts where the dealerships are.
    pub fn start_of_day(&self, day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
        use chrono::TimeZone;
        let midnight = day.and_time(chrono::NaiveTime::MIN);
        // A day whose midnight falls in a DST gap starts at the first valid instant (UTC then).
        self.time_zone
            .from_local_datetime(&midnight)
            .earliest()
            .map_or_else(|| midnight.and_utc(), |start| start.with_timezone(&chrono::Utc))
    }

    pub fn is_production(&self) -> bool {
        self.env == AppEnv::Production
    }

    /// What production must not run with, one line each (empty when nothing): production
    /// refuses to start with any, and `dealaai check --deploy` lists them all.
    pub fn insecure_settings(&self) -> Vec<&'static str> {
        let mut insecure = Vec::new();
        let secret_key = self.secret_key.expose();
        if secret_key == DEVELOPMENT_SECRET_KEY {
            insecure.push("SECRET_KEY is not set (generate one with `openssl rand -hex 32`)");
        } else if secret_key.len() < MIN_SECRET_KEY_BYTES {
            insecure.push("SECRET_KEY must be at least 32 bytes long");
        } else if ["changeme", "secret", "django-insecure"].iter().any(|weak| secret_key.contains(weak)) {
            insecure.push("SECRET_KEY looks like a placeholder");
        } else if entropy_bits(secret_key) < MIN_SECRET_KEY_ENTROPY_BITS {
            insecure
                .push("SECRET_KEY is too predictable (repeated characters); generate one with `openssl rand -hex 32`");
        }
        if self.debug {
            insecure.push("DEBUG must be off");
        }
        if self.allowed_hosts == AllowedHosts::Any {
            insecure.push("ALLOWED_HOSTS must list the public host names (not `*`)");
        }
        if self.cors_allowed_origins.iter().any(|o| o == "*") {
            insecure.push("CORS_ALLOWED_ORIGINS must not be `*`");
        }
        if self.trusted_proxies.trusts_any_address() {
            insecure.push("TRUSTED_PROXIES must not trust every address (`0.0.0.0/0`, `::/0`)");
        }
        insecure
    }
}

/// A key of 32 identical characters is 32 bytes long and guessable: its characters' Shannon
/// entropy, times its length, must reach 128 bits (a random hex key of 64 has ~250).
const MIN_SECRET_KEY_ENTROPY_BITS: f64 = 128.0;

fn entropy_bits(text: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in text.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let length = text.chars().count() as f64;
    let per_char: f64 = counts.values().map(|&n| n as f64 / length).map(|p| -p * p.log2()).sum();
    per_char * length
}

fn comma_list(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn parse<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| ConfigError::Invalid { name, reason: e.to_string() })
}

fn database_url_from_parts<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Result<String, ConfigError> {
    let host = get("DB_HOST").ok_or(ConfigError::Missing("DATABASE_URL (or DB_HOST)"))?;
    let mut url = url::Url::parse("postgres://localhost").expect("static URL parses");
    let invalid = |reason: &str| ConfigError::Invalid { name: "DB_HOST", reason: reason.to_owned() };
    url.set_host(Some(host)).map_err(|e| invalid(&e.to_string()))?;
    url.set_port(Some(parse("DB_PORT", get("DB_PORT").unwrap_or("5432"))?)).map_err(|_| invalid("bad port"))?;
    url.set_username(get("DB_USER").unwrap_or("postgres")).map_err(|_| invalid("bad user"))?;
    url.set_password(get("DB_PASSWORD")).map_err(|_| invalid("bad password"))?;
    url.set_path(get("DB_NAME").unwrap_or("dealaai"));
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const STRONG: &str = "9f1c2a7e5b3d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d";

    #[test]
    fn development_has_working_defaults() {
        let config = Config::from_vars(&vars(&[("DATABASE_URL", "postgres://x/y")])).unwrap();
        assert_eq!(config.env, AppEnv::Development);
        assert_eq!(config.bind.to_string(), "0.0.0.0:8000");
        assert_eq!(config.access_token_ttl, Duration::from_secs(900));
        assert_eq!(config.allowed_hosts, AllowedHosts::Any);
        assert_eq!(config.trusted_proxies, TrustedProxies::loopback());
    }

    #[test]
    fn trusted_proxies_are_a_checked_list() {
        let with =
            |list: &str| Config::from_vars(&vars(&[("DATABASE_URL", "postgres://x/y"), ("TRUSTED_PROXIES", list)]));
        let config = with("10.0.0.0/8, 172.16.0.0/12").unwrap();
        assert!(config.trusted_proxies.trusts("172.18.0.5".parse().unwrap()));
        assert!(!config.trusted_proxies.trusts("127.0.0.1".parse().unwrap()), "the list replaces the default");
        assert!(matches!(
            with("10.0.0.0/8, proxy.internal"),
            Err(ConfigError::Invalid { name: "TRUSTED_PROXIES", .. })
        ));
    }

    #[test]
    fn database_url_is_built_from_parts_with_escaping() {
        let config = Config::from_vars(&vars(&[
            ("DB_HOST", "db"),
            ("DB_USER", "deala"),
            ("DB_PASSWORD", "p@ss/word"),
            ("DB_NAME", "stock"),
        ]))
        .unwrap();
        assert_eq!(config.database_url.expose(), "postgres://deala:p%40ss%2Fword@db:5432/stock");
    }

    #[test]
    fn a_database_is_required() {
        assert!(matches!(Config::from_vars(&vars(&[])), Err(ConfigError::Missing(_))));
    }

    #[test]
    fn production_refuses_insecure_settings() {
        let base = [("APP_ENV", "production"), ("DATABASE_URL", "postgres://x/y"), ("ALLOWED_HOSTS", "deala.example")];
        let with = |extra: &[(&str, &str)]| {
            let mut all = base.to_vec();
            all.extend_from_slice(extra);
            Config::from_vars(&vars(&all))
        };
        assert!(matches!(with(&[]), Err(ConfigError::Insecure(_))), "no SECRET_KEY");
        assert!(matches!(with(&[("SECRET_KEY", "short")]), Err(ConfigError::Insecure(_))));
        assert!(matches!(with(&[("SECRET_KEY", STRONG), ("DEBUG", "true")]), Err(ConfigError::Insecure(_))));
        assert!(matches!(with(&[("SECRET_KEY", STRONG), ("ALLOWED_HOSTS", "*")]), Err(ConfigError::Insecure(_))));
        assert!(matches!(
            with(&[("SECRET_KEY", STRONG), ("CORS_ALLOWED_ORIGINS", "*")]),
            Err(ConfigError::Insecure(_))
        ));
        assert!(matches!(
            with(&[("SECRET_KEY", STRONG), ("TRUSTED_PROXIES", "10.0.0.0/8, 0.0.0.0/0")]),
            Err(ConfigError::Insecure(_))
        ));
        for predictable in ["a".repeat(64), "abcd".repeat(8), "ab".repeat(32)] {
            assert!(matches!(with(&[("SECRET_KEY", &predictable)]), Err(ConfigError::Insecure(_))), "{predictable}");
        }
        let config = with(&[("SECRET_KEY", STRONG)]).unwrap();
        assert!(config.is_production());
    }

    #[test]
    fn insecure_settings_are_all_listed_and_production_names_them_all() {
        let insecure = [
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://x/y"),
            ("DEBUG", "on"),
            ("ALLOWED_HOSTS", "*"),
            ("CORS_ALLOWED_ORIGINS", "https://a.example, *"),
        ];
        let config = Config::from_vars_allowing_insecure(&vars(&insecure)).unwrap();
        assert_eq!(
            config.insecure_settings(),
            [
                "SECRET_KEY is not set (generate one with `openssl rand -hex 32`)",
                "DEBUG must be off",
                "ALLOWED_HOSTS must list the public host names (not `*`)",
                "CORS_ALLOWED_ORIGINS must not be `*`",
            ]
        );
        let Err(ConfigError::Insecure(refusal)) = Config::from_vars(&vars(&insecure)) else {
            panic!("production must refuse these settings");
        };
        for setting in ["SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CORS_ALLOWED_ORIGINS"] {
            assert!(refusal.contains(setting), "{setting} missing from: {refusal}");
        }

        // One finding per setting: a short key is not also reported as predictable.
        let short_key = Config::from_vars_allowing_insecure(&vars(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("SECRET_KEY", "aaaa"),
            ("ALLOWED_HOSTS", "deala.example"),
        ]))
        .unwrap();
        assert_eq!(short_key.insecure_settings(), ["SECRET_KEY must be at least 32 bytes long"]);

        let secure = Config::from_vars_allowing_insecure(&vars(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("SECRET_KEY", STRONG),
            ("DEBUG", "off"),
            ("ALLOWED_HOSTS", "deala.example"),
        ]))
        .unwrap();
        assert!(secure.insecure_settings().is_empty());
    }

    #[test]
    fn embeddings_default_to_the_embedded_model_and_keys_never_print() {
        let config = Config::from_vars(&vars(&[("DATABASE_URL", "postgres://x/y")])).unwrap();
        assert!(matches!(config.embeddings, EmbeddingsProvider::Embedded { .. }));
        let openai = Config::from_vars(&vars(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("EMBEDDINGS_PROVIDER", "openai"),
            ("EMBEDDINGS_BASE_URL", "https://api.example/v1"),
            ("EMBEDDINGS_API_KEY", "sk-very-secret"),
            ("EMBEDDINGS_MODEL", "text-embedding-3-small"),
            ("EMBEDDINGS_DIMENSIONS", "1536"),
        ]))
        .unwrap();
        assert!(matches!(&openai.embeddings, EmbeddingsProvider::OpenAi(o) if o.dimensions == 1536));
        assert!(!format!("{openai:?}").contains("sk-very-secret"));
        let missing_model = [("DATABASE_URL", "postgres://x/y"), ("EMBEDDINGS_PROVIDER", "openai")];
        assert!(matches!(Config::from_vars(&vars(&missing_model)), Err(ConfigError::Missing(_))));
        let unknown = [("DATABASE_URL", "postgres://x/y"), ("EMBEDDINGS_PROVIDER", "magic")];
        assert!(matches!(Config::from_vars(&vars(&unknown)), Err(ConfigError::Invalid { .. })));
    }

    #[test]
    fn no_secret_of_the_configuration_reaches_its_debug_output() {
        let config = Config::from_vars(&vars(&[
            ("SECRET_KEY", "the-signing-key-0123456789abcdefghij"),
            ("DB_HOST", "db"),
            ("DB_USER", "deala"),
            ("DB_PASSWORD", "database-password"),
            ("EMBEDDINGS_PROVIDER", "openai"),
            ("EMBEDDINGS_BASE_URL", "https://api.example/v1"),
            ("EMBEDDINGS_API_KEY", "sk-embeddings-key"),
            ("EMBEDDINGS_MODEL", "text-embedding-3-small"),
            ("EMBEDDINGS_DIMENSIONS", "1536"),
            ("ASSISTANT_PROVIDER", "openai"),
            ("ASSISTANT_BASE_URL", "https://api.example/v1"),
            ("ASSISTANT_API_KEY", "sk-assistant-key"),
            ("ASSISTANT_MODELS", "deepseek-chat"),
        ]))
        .unwrap();
        let printed = format!("{config:?}");
        for secret in ["the-signing-key", "database-password", "sk-embeddings-key", "sk-assistant-key"] {
            assert!(!printed.contains(secret), "{secret} printed");
        }
    }

    #[test]
    fn allowed_hosts_ignore_ports_and_case_and_accept_subdomain_wildcards() {
        let hosts = AllowedHosts::Only(vec!["deala.example".into(), ".easypanel.host".into(), "::1".into()]);
        assert!(hosts.allows("Deala.Example:443"));
        assert!(hosts.allows("app.easypanel.host"));
        assert!(hosts.allows("[::1]:8000"));
        assert!(!hosts.allows("evil.example"));
        assert!(!hosts.allows("deala.example.evil"));
    }
}
