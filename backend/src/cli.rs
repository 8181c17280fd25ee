//! The `dealaai` command line: the server and the operator commands, one binary.

mod backup;
mod check;

use std::io::{BufRead, IsTerminal, Write};
use std::net::TcpListener;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use diesel_async::AsyncConnection;
use diesel_async::AsyncPgConnection;

use crate::app;
use crate::state::AppState;
use shared::FieldProblem;
use shared::stock::ImportMode;
use shared::users::Role;
use shared::validation::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, check_email, check_username};

use crate::auth::password::{self, DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME};
use crate::auth::password_policy;
use crate::config::Config;
use crate::{db, stock, telemetry, users};

#[derive(Debug, Parser)]
#[command(name = "dealaai", version, about = "DealaAI stock management: API server and admin commands")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the REST API.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Create an administrator account (asks for the details unless given).
    Createsuperuser(AccountArgs),
    /// Manage user accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Load demo data for development (an admin, dealerships, vehicles); refused in production.
    Seed(SeedArgs),
    /// Import vehicles from a CSV file (the same rules as `POST /api/stock/import`).
    Import {
        file: std::path::PathBuf,
        /// Load the valid rows and report the others, instead of all-or-nothing.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Manage the cache of costly reads.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Semantic search's vectors: how far along they are, and (re)building them.
    Embeddings {
        #[command(subcommand)]
        command: EmbeddingsCommand,
    },
    /// Take today's stock snapshot now (once per day; a second run does nothing).
    Snapshot {
        /// The day to record, `YYYY-MM-DD` (default: today in TIME_ZONE).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// List what is unsafe or unfinished (settings, demo password, administrators,
    /// migrations), one line each; fails if anything is. Production's rules apply in
    /// production, or everywhere with --deploy.
    Check {
        /// Judge the settings as a production deployment, whatever APP_ENV says.
        #[arg(long)]
        deploy: bool,
    },
    /// Write the whole database to a file in PostgreSQL's custom format (`pg_dump -Fc`).
    Backup { file: std::path::PathBuf },
    /// Load a `dealaai backup` file into the database (with `pg_restore`), all or nothing.
    /// Stop the API first. Refused when the database already has tables, unless --clean.
    Restore {
        file: std::path::PathBuf,
        /// Drop each table and object the backup holds before recreating it from the backup
        /// (objects the backup lacks are left alone).
        #[arg(long)]
        clean: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Empty the cache (answers are recomputed on the next request).
    Clear,
}

#[derive(Debug, Subcommand)]
pub enum EmbeddingsCommand {
    /// The model whose vectors are stored, how many vehicles have one, how many are stale.
    Status,
    /// Embed every vehicle whose text has no vector (or, with --all, every vehicle again),
    /// here and now. Resumable: an interrupted rebuild continues where it stopped. The API
    /// keeps serving meanwhile (other workers skip the batches this one holds).
    Rebuild {
        /// Re-embed everything, not only what is missing (old vectors serve until replaced).
        #[arg(long)]
        all: bool,
        /// Stop after this many texts (the rest stay queued for the worker or a later run).
        #[arg(long)]
        limit: Option<u64>,
    },
}

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// How many demo vehicles to generate.
    #[arg(long, default_value_t = 0)]
    pub vehicles: u64,
    /// The generator's seed: the same seed gives the same stock.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Days of daily snapshots to back-fill (and some price changes), for trends.
    #[arg(long, default_value_t = 0)]
    pub history_days: u32,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account with any role.
    Create {
        #[command(flatten)]
        account: AccountArgs,
        #[arg(long, default_value = "viewer")]
        role: shared::users::Role,
    },
    /// Set an account's password (asks for it unless --password-stdin); its sessions end.
    SetPassword {
        username: String,
        /// Read the password from the first line of standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct AccountArgs {
    #[arg(long)]
    pub username: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input (for scripts).
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long, default_value = "")]
    pub first_name: String,
    #[arg(long, default_value = "")]
    pub last_name: String,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = match cli.command {
        // Loads even insecure production settings: listing them is its point.
        Command::Check { .. } => Config::from_env_allowing_insecure()?,
        _ => Config::from_env()?,
    };
    telemetry::init(config.log_format);
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let applied = db::run_migrations_async(config.database_url.expose()).await?;
            println!("{} migration(s) applied", applied.len());
            for name in applied {
                println!("  {name}");
            }
            Ok(())
        }
        Command::Createsuperuser(args) => create_user(&config, args, Role::Admin).await,
        Command::Users { command: UsersCommand::Create { account, role } } => create_user(&config, account, role).await,
        Command::Users { command: UsersCommand::SetPassword { username, password_stdin } } => {
            set_password(&config, &username, password_stdin).await
        }
        Command::Seed(args) => seed(&config, args).await,
        Command::Import { file, skip_invalid } => import(&config, &file, skip_invalid).await,
        Command::Cache { command: CacheCommand::Clear } => {
            let cleared = crate::cache::clear(&mut connect(&config).await?).await?;
            println!("cache cleared ({cleared} entries)");
            Ok(())
        }
        Command::Embeddings { command } => embeddings(&config, command).await,
        Command::Snapshot { date } => {
            let date = date.unwrap_or_else(|| config.today());
            let mut conn = connect(&config).await?;
            match stock::snapshot::take_snapshot(&mut conn, date).await? {
                stock::snapshot::SnapshotOutcome::Taken { vehicles, opened, closed } => {
                    println!("snapshot of {date}: {vehicles} vehicles ({opened} states began, {closed} ended)")
                }
                stock::snapshot::SnapshotOutcome::AlreadyTaken => println!("the snapshot of {date} already exists"),
                stock::snapshot::SnapshotOutcome::Superseded => {
                    bail!("a later snapshot exists: history before it can no longer be taken")
                }
                stock::snapshot::SnapshotOutcome::Busy => bail!("another process is taking the snapshot right now"),
            }
            Ok(())
        }
        Command::Check { deploy } => check::run(&config, deploy).await,
        Command::Backup { file } => backup::backup(&config, &file).await,
        Command::Restore { file, clean } => backup::restore(&config, &file, clean).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let applied = db::run_migrations_async(config.database_url.expose()).await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    let listener = TcpListener::bind(config.bind).with_context(|| format!("binding {}", config.bind))?;
    tracing::info!(address = %config.bind, env = ?config.env, "serving the API");
    let pool = db::build_pool(config.database_url.expose(), config.database_pool_size)?;
    let state = AppState::new(config, pool);
    if state.config.is_production() {
        // In the background: one password hash per account must not delay serving.
        let database_url = state.config.database_url.expose().to_owned();
        actix_web::rt::spawn(async move { check::warn_about_demo_passwords(&database_url).await });
    }
    if state.config.snapshot_scheduler {
        stock::snapshot::spawn_scheduler(state.pool.clone(), state.config.clone());
    }
    app::run(listener, state)?.await?;
    tracing::info!("stopped");
    Ok(())
}

async fn embeddings(config: &Config, command: EmbeddingsCommand) -> anyhow::Result<()> {
    use crate::search::{Semantic, store};
    let mut conn = connect(config).await?;
    let semantic = Semantic::from_config(config);
    match command {
        EmbeddingsCommand::Status => {
            let status = store::status(&mut conn).await?;
            match &status.model {
                Some((model, dimensions)) => println!("stored model:      {model} ({dimensions} dimensions)"),
                None => println!("stored model:      none yet"),
            }
            match (semantic.embedder(), semantic.unavailable_reason()) {
                (Ok(embedder), _) => println!("configured model:  {}", embedder.model_id()),
                (Err(_), reason) => println!("configured model:  unavailable ({})", reason.unwrap_or("unknown")),
            }
            println!("vehicles:          {}", status.vehicles);
            println!("  embedded:        {}", status.embedded_vehicles);
            println!("  stale:           {}", status.stale_vehicles());
            println!("distinct texts:    {} ({} embedded)", status.passages, status.embedded_passages);
            println!("queued:            {}", status.queued);
            if let (Ok(embedder), Some((stored, _))) = (semantic.embedder(), &status.model)
                && embedder.model_id() != stored
            {
                println!("the configured model differs: `rebuild` (or the server) will re-embed everything");
            }
            Ok(())
        }
        EmbeddingsCommand::Rebuild { all, limit } => {
            let embedder = semantic
                .embedder()
                .map_err(|_| anyhow::anyhow!("{}", semantic.unavailable_reason().unwrap_or("no embedding model")))?
                .clone();
            if let store::Adoption::Adopted { previous, .. } = store::adopt_model(&mut conn, &*embedder).await? {
                println!(
                    "model changed ({} -> {}): every vector is rebuilt",
                    previous.as_deref().unwrap_or("none"),
                    embedder.model_id()
                );
            }
            if all {
                store::queue_all(&mut conn).await?
            } else {
                store::queue_missing(&mut conn).await?
            };
            let queued = store::status(&mut conn).await?.queued as u64;
            let goal = limit.map_or(queued, |limit| limit.min(queued));
            let bar = progress_bar(goal, "{pos}/{len} texts  {per_sec}");
            while bar.position() < goal {
                let size = crate::search::worker::BATCH_SIZE.min((goal - bar.position()) as i64);
                let done = store::embed_batch(&mut conn, &*embedder, size).await?;
                if done == 0 {
                    break;
                }
                bar.inc(done as u64);
            }
            bar.finish();
            let status = store::status(&mut conn).await?;
            println!(
                "{} of {} vehicles embedded with {}",
                status.embedded_vehicles,
                status.vehicles,
                embedder.model_id()
            );
            Ok(())
        }
    }
}

async fn connect(config: &Config) -> anyhow::Result<AsyncPgConnection> {
    AsyncPgConnection::establish(config.database_url.expose()).await.context("connecting to the database")
}

async fn create_user(config: &Config, args: AccountArgs, role: Role) -> anyhow::Result<()> {
    let interactive = !args.password_stdin && std::io::stdin().is_terminal();
    let username = match args.username {
        Some(u) => u,
        None if interactive => prompt("Username: ")?,
        None => bail!("--username is required when not running interactively"),
    };
    let email = match args.email {
        Some(e) => e,
        None if interactive => prompt("Email: ")?,
        None => bail!("--email is required when not running interactively"),
    };
    let password = read_new_password(args.password_stdin)?;

    let username = username.trim();
    let email = email.trim();
    if let Some(problem) = check_username(username) {
        bail!("the username is not valid ({problem})");
    }
    if let Some(problem) = check_email(email) {
        bail!("the email is not valid ({problem})");
    }
    refuse_weak_password(&password, username)?;
    let hash = password::hash(password).await?;
    let mut conn = connect(config).await?;
    if users::find_by_username(&mut conn, username).await?.is_some() {
        bail!("a user named `{username}` already exists");
    }
    if users::find_by_email(&mut conn, email).await?.is_some() {
        bail!("a user with the email `{email}` already exists");
    }
    let new_user = users::NewUser {
        first_name: &args.first_name,
        last_name: &args.last_name,
        ..users::NewUser::basic(username, email, &hash, role)
    };
    let user = users::insert(&mut conn, &new_user).await?;
    println!("{role} `{}` created (id {})", user.username, user.id);
    Ok(())
}

async fn set_password(config: &Config, username: &str, password_stdin: bool) -> anyhow::Result<()> {
    let mut conn = connect(config).await?;
    let Some(user) = users::find_by_username(&mut conn, username).await? else {
        bail!("there is no user named `{username}`");
    };
    let password = read_new_password(password_stdin)?;
    refuse_weak_password(&password, &user.username)?;
    users::replace_password(&mut conn, &user, password, None).await.map_err(|error| anyhow::anyhow!("{error}"))?;
    println!("password of `{}` changed; their sessions have ended", user.username);
    Ok(())
}

/// A new password from standard input (`--password-stdin`) or typed twice at a terminal.
fn read_new_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        if rpassword::prompt_password("Password (again): ")? != first {
            bail!("the passwords do not match");
        }
        Ok(first)
    } else {
        bail!("pass --password-stdin to read the password from standard input")
    }
}

/// The API's password rules, each broken one explained.
fn refuse_weak_password(password: &str, username: &str) -> anyhow::Result<()> {
    let problems = password_policy::problems(password, username);
    if !problems.is_empty() {
        let reasons: Vec<String> = problems.into_iter().map(describe_password_problem).collect();
        bail!("the password {}", reasons.join("; "));
    }
    Ok(())
}

fn describe_password_problem(problem: FieldProblem) -> String {
    match problem {
        FieldProblem::Required => "must not be blank".to_owned(),
        FieldProblem::TooShort => format!("must be at least {MIN_PASSWORD_CHARS} characters long"),
        FieldProblem::TooLong => format!("must be at most {MAX_PASSWORD_CHARS} characters long"),
        FieldProblem::OnlyDigits => "must not be only digits".to_owned(),
        FieldProblem::ContainsUsername => "must not contain the username, forwards or backwards".to_owned(),
        FieldProblem::TooCommon => "is too common (a well-known password, or one character repeated)".to_owned(),
        _ => "is not acceptable".to_owned(),
    }
}

fn prompt(label: &str) -> anyhow::Result<String> {
    print!("{label}");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// A bar with `template` after it and the time left.
fn progress_bar(length: u64, template: &str) -> indicatif::ProgressBar {
    let style = indicatif::ProgressStyle::with_template(&format!("{{bar:40}} {template}  eta {{eta}}"));
    indicatif::ProgressBar::new(length).with_style(style.expect("valid template"))
}

async fn import(config: &Config, file: &std::path::Path, skip_invalid: bool) -> anyhow::Result<()> {
    let reader = tokio::fs::File::open(file).await.with_context(|| format!("opening {}", file.display()))?;
    let size = reader.metadata().await?.len();
    let mode = if skip_invalid { ImportMode::SkipInvalid } else { ImportMode::AllOrNothing };
    let mut conn = connect(config).await?;
    let bar = progress_bar(size, "{bytes}/{total_bytes}  {msg}");
    let (progress, mut watcher) = tokio::sync::watch::channel(Default::default());
    let import = stock::import::import_csv(&mut conn, reader, mode, None, config.today(), &progress);
    let show = async {
        while watcher.changed().await.is_ok() {
            let progress: shared::stock::ImportProgress = *watcher.borrow_and_update();
            bar.set_position(progress.bytes_read);
            bar.set_message(format!("{} rows read, {} written", progress.rows_read, progress.rows_applied));
        }
        std::future::pending().await
    };
    let report = tokio::select! {
        report = import => report.map_err(|error| anyhow::anyhow!("{error}"))?,
        never = show => match never {},
    };
    bar.finish_and_clear();
    if report.created + report.updated > 0 {
        stock::import::merge_search_entries(&mut conn).await?;
    }
    for row in &report.rejected {
        eprintln!("line {}: {} {} {}", row.row, row.field, row.problem, row.detail);
    }
    println!(
        "{} rows: {} created, {} updated, {} rejected{}",
        report.rows,
        report.created,
        report.updated,
        report.rejected_rows,
        if report.committed { "" } else { " - nothing imported" }
    );
    if !report.committed {
        bail!("the file has invalid rows (use --skip-invalid to load the valid ones)");
    }
    Ok(())
}

async fn seed(config: &Config, args: SeedArgs) -> anyhow::Result<()> {
    if config.is_production() {
        bail!("`dealaai seed` loads demo data and is refused in production");
    }
    db::run_migrations_async(config.database_url.expose()).await?;
    let mut conn = connect(config).await?;
    if users::count(&mut conn).await? == 0 {
        let hash = password::hash(DEMO_ADMIN_PASSWORD.to_owned()).await?;
        let admin = users::NewUser {
            first_name: "Admin",
            last_name: "DealaAI",
            ..users::NewUser::basic(DEMO_ADMIN_USERNAME, "admin@dealaai.local", &hash, Role::Admin)
        };
        users::insert(&mut conn, &admin).await?;
        println!("demo administrator created: username `{DEMO_ADMIN_USERNAME}`, password `{DEMO_ADMIN_PASSWORD}`");
    } else {
        println!("users already exist: demo administrator not created (existing passwords are never reset)");
    }
    if args.vehicles > 0 {
        let bar = progress_bar(args.vehicles, "{pos}/{len} vehicles  {per_sec}");
        let today = config.today();
        let inserted = stock::seed::insert_vehicles(&mut conn, args.seed, args.vehicles, today, |n| bar.inc(n)).await?;
        bar.finish();
        println!("{inserted} demo vehicles added (seed {}; existing VINs left alone)", args.seed);
        if args.history_days > 0 && inserted > 0 {
            stock::seed::backfill_history(&mut conn, args.history_days, today).await?;
            println!("{} days of snapshots back-filled", args.history_days);
        }
    }
    Ok(())
}
