//! The `jobintel` command line. Each command calls the same `Services` method as the API.

use crate::auth::parse_ttl;
use crate::config::Config;
use crate::services::{Actor, Services};
use crate::{demo, startup, telemetry};
use app::model::{ImportRow, Role};
use clap::{Parser, Subcommand};
use std::io::Read;

#[derive(Parser)]
#[command(name = "jobintel", version, about = "Self-hosted job intelligence pipeline")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the dashboard and the API.
    Serve,
    #[command(flatten)]
    Tool(ToolCommand),
}

/// Commands that act on the store and exit.
#[derive(Subcommand)]
enum ToolCommand {
    /// Load the demo candidate, STAR records and postings (idempotent).
    SeedDemo {
        /// Do nothing if the store already has jobs or users.
        #[arg(long)]
        if_empty: bool,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Issue API tokens.
    Token {
        #[command(subcommand)]
        action: TokenCommand,
    },
    /// Import postings: a link (Greenhouse, Lever, Ashby or any page with JobPosting data), a
    /// file (CSV, JSON, a board's payload, a saved job page) or `-` for standard input. Prints
    /// one line per posting. `import board greenhouse:TOKEN` (or `lever:SITE`,
    /// `ashby:NAME`) imports every open posting of a board.
    Import {
        #[arg(num_args = 1..=2, value_name = "SOURCE")]
        source: Vec<String>,
    },
    /// Operations from the runbook.
    Admin {
        #[command(subcommand)]
        action: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Stop claiming pipeline runs (the runbook's emergency disable).
    Pause,
    /// Claim pipeline runs again.
    Resume,
    /// Fail runs processing for longer than --older-than ("Stuck processing - manual reset").
    ClearStuck {
        #[arg(long, default_value = app::model::CLEAR_STUCK_OLDER_THAN)]
        older_than: String,
    },
    /// Retry failed runs created within --since, each from its failed layer.
    RerunFailed {
        #[arg(long, default_value = app::model::RERUN_FAILED_SINCE)]
        since: String,
    },
    /// Delete cached company research: one company, or all without --company.
    ClearCompanyCache {
        #[arg(long)]
        company: Option<String>,
    },
    /// Switch FireCrawl on or off at runtime (persisted; every process follows).
    Firecrawl {
        #[arg(value_parser = ["enable", "disable"])]
        state: String,
    },
    /// Restart the running server's PDF renderer (its Chromium): asks the server at --url
    /// through its API, as the first admin user, since the renderer lives in that process.
    RestartPdf {
        /// The server; defaults to http://<JOBINTEL_ADDR>.
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["admin", "viewer"])]
        role: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users and their roles.
    List,
    /// Set a user's password, read from standard input.
    SetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role (ends the user's sessions).
    SetRole {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["admin", "viewer"])]
        role: String,
    },
    /// Disable a user: no sign-in, every session ended.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// End every session and token of a user.
    Revoke {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a JWT for the user, e.g. for `curl -H "Authorization: Bearer …"`.
    Issue {
        #[arg(long)]
        username: String,
        /// Lifetime such as 30d, 12h or 45m.
        #[arg(long, default_value = "30d")]
        ttl: String,
        /// What the token is for; the audit log names it.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List live tokens (of one user, or all).
    List {
        #[arg(long)]
        username: Option<String>,
    },
    /// End a token by its id (from `token list`).
    Revoke { id: String },
}

fn read_password(flag: bool) -> Result<String, CommandError> {
    if !flag {
        return Err("pass --password-stdin and write the password to standard input".into());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

/// `admin restart-pdf`: `POST /api/admin/pdf/restart` on the running server with a
/// five-minute token of the first admin user.
async fn restart_pdf(services: &Services, url: Option<String>) -> Result<(), CommandError> {
    let base = url.unwrap_or_else(|| {
        let addr = services.config.addr;
        let host =
            if addr.ip().is_unspecified() { "127.0.0.1".into() } else { addr.ip().to_string() };
        format!("http://{host}:{}", addr.port())
    });
    let users = services.list_users().await?;
    let admin = users
        .iter()
        .find(|u| u.role == Role::Admin)
        .ok_or("no admin user; create one with `jobintel user create --role admin`")?;
    let (token, session) =
        services.issue_token(&admin.username, chrono::Duration::minutes(5), "restart-pdf").await?;
    let endpoint = format!("{}/api/admin/pdf/restart", base.trim_end_matches('/'));
    let reply = reqwest::Client::new()
        .post(&endpoint)
        .bearer_auth(token)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await;
    // The token was for this one call.
    let _ = services.revoke_session(Actor::Operator, &session.id).await;
    let reply = reply.map_err(|e| format!("cannot reach the server at {base}: {e}"))?;
    if reply.status().is_success() {
        return Ok(());
    }
    let status = reply.status();
    let body: serde_json::Value = reply.json().await.unwrap_or_default();
    let reason = body["error"].as_str().unwrap_or("no message");
    Err(format!("{endpoint}: {status}: {reason}").into())
}

/// Why a command failed: the message `main` prints before exiting with 1.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command was used wrongly, or what it asked could not be done (said in words).
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Startup(#[from] startup::StartupError),
    #[error(transparent)]
    App(#[from] app::error::AppError),
    /// The operator at the command line sees a store failure in full.
    #[error(transparent)]
    Service(#[from] crate::error::ServiceError),
    #[error(transparent)]
    Value(#[from] app::model::BadValue),
    #[error(transparent)]
    Unknown(#[from] app::model::UnknownValue),
}

impl From<String> for CommandError {
    fn from(message: String) -> Self {
        CommandError::Failed(message)
    }
}

impl From<&str> for CommandError {
    fn from(message: &str) -> Self {
        CommandError::Failed(message.to_string())
    }
}

/// What `jobintel import SOURCE` imports: a link as `{"url": …}`, else the file's (or standard
/// input's) text, with the content type its extension names.
fn import_source(source: &str) -> Result<(String, &'static str), CommandError> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return Ok((serde_json::json!({ "url": source }).to_string(), "application/json"));
    }
    let mut body = String::new();
    if source == "-" {
        std::io::stdin().read_to_string(&mut body).map_err(|e| format!("standard input: {e}"))?;
        return Ok((body, ""));
    }
    body = std::fs::read_to_string(source).map_err(|e| format!("{source}: {e}"))?;
    let kind = match source.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => "text/csv",
        Some("json") => "application/json",
        Some("html" | "htm") => "text/html",
        _ => "",
    };
    Ok((body, kind))
}

/// Runs the command; the error is the message to print.
pub async fn run(cli: Cli) -> Result<(), CommandError> {
    let config = Config::from_env()?;
    telemetry::init(&config);
    match cli.command {
        Command::Serve => Ok(startup::serve(config).await?),
        Command::Tool(tool) => {
            let services = startup::services(config).await?;
            run_tool(&services, tool).await
        }
    }
}

async fn run_tool(services: &Services, tool: ToolCommand) -> Result<(), CommandError> {
    match tool {
        ToolCommand::SeedDemo { if_empty } => {
            let r = services.seed_demo(if_empty).await?;
            println!(
                "demo data: {} jobs, {} STAR records{}{}",
                r.jobs_created,
                r.stars_created,
                if r.profile_created { ", master CV" } else { "" },
                if r.user_created { ", demo user" } else { "" },
            );
            if r.user_created {
                println!(
                    "demo login: username `{}`, password `{}`",
                    demo::DEMO_USERNAME,
                    demo::DEMO_PASSWORD
                );
            }
        }
        ToolCommand::User { action } => match action {
            UserCommand::Create { username, role, password_stdin } => {
                let role: Role = role.parse()?;
                let password = read_password(password_stdin)?;
                let u = services.create_user(Actor::Operator, &username, role, password).await?;
                println!("created {} ({})", u.username, u.role);
            }
            UserCommand::List => {
                for u in services.list_users().await? {
                    println!("{}\t{}", u.username, u.role);
                }
            }
            UserCommand::SetPassword { username, password_stdin } => {
                let password = read_password(password_stdin)?;
                services.set_password(&username, password).await?;
                println!("password changed for {username}; their sessions are ended");
            }
            UserCommand::SetRole { username, role } => {
                let role: Role = role.parse()?;
                services.set_role(Actor::Operator, &username, role).await?;
                println!("{username} is now {role}; their sessions are ended");
            }
            UserCommand::Disable { username } => {
                services.set_disabled(Actor::Operator, &username, true).await?;
                println!("{username} disabled; their sessions are ended");
            }
            UserCommand::Enable { username } => {
                services.set_disabled(Actor::Operator, &username, false).await?;
                println!("{username} enabled");
            }
            UserCommand::Revoke { username } => {
                let n = services.revoke_user(Actor::Operator, &username).await?;
                println!("ended {n} sessions of {username}");
            }
        },
        ToolCommand::Import { source } => {
            let (body, content_type) = match source.as_slice() {
                [board, spec] if board == "board" => {
                    let (kind, name) = spec
                        .split_once(':')
                        .ok_or("a board is KIND:NAME, e.g. greenhouse:acme or lever:acme")?;
                    let board = serde_json::json!({"board": {"kind": kind, "name": name}});
                    (board.to_string(), "application/json")
                }
                [one] => import_source(one)?,
                _ => return Err("import takes a link, a file, `-` or `board KIND:NAME`".into()),
            };
            for row in services.import_jobs(Actor::Operator, &body, content_type).await? {
                match row {
                    ImportRow::Created { row, id } => println!("{row}\tcreated\t{id}"),
                    ImportRow::Duplicate { row, existing_id } => {
                        println!("{row}\tduplicate\t{existing_id}")
                    }
                    ImportRow::Error { row, message } => println!("{row}\terror\t{message}"),
                }
            }
        }
        ToolCommand::Admin { action } => match action {
            AdminCommand::Pause => {
                services.set_paused(Actor::Operator, true).await?;
                println!("pipeline paused");
            }
            AdminCommand::Resume => {
                services.set_paused(Actor::Operator, false).await?;
                println!("pipeline resumed");
            }
            AdminCommand::ClearStuck { older_than } => {
                let cleared =
                    services.clear_stuck(Actor::Operator, parse_ttl(&older_than)?).await?;
                println!("cleared {} stuck runs {}", cleared.len(), cleared.join(" "));
            }
            AdminCommand::RerunFailed { since } => {
                let queued = services.rerun_failed(Actor::Operator, parse_ttl(&since)?).await?;
                println!("queued {} retries {}", queued.len(), queued.join(" "));
            }
            AdminCommand::ClearCompanyCache { company } => {
                let n = services.clear_company_cache(Actor::Operator, company.as_deref()).await?;
                println!("deleted {n} cached companies");
            }
            AdminCommand::Firecrawl { state } => {
                let on = services.set_firecrawl(Actor::Operator, state == "enable").await?;
                println!("firecrawl {}", if on { "enabled" } else { "disabled" });
            }
            AdminCommand::RestartPdf { url } => {
                restart_pdf(services, url).await?;
                println!("PDF renderer restarted");
            }
        },
        ToolCommand::Token { action } => match action {
            TokenCommand::Issue { username, ttl, name } => {
                let ttl = parse_ttl(&ttl)?;
                let (token, session) = services.issue_token(&username, ttl, &name).await?;
                // The token alone on standard output, so `TOKEN=$(jobintel token issue …)` works.
                eprintln!("token {} ({name}) for {username}", session.id);
                println!("{token}");
            }
            TokenCommand::List { username } => {
                let tokens =
                    services.list_sessions(Actor::Operator, username.as_deref(), true).await?;
                for t in tokens {
                    println!(
                        "{}\t{}\t{}\tcreated {}\texpires {}",
                        t.id,
                        t.username,
                        t.name,
                        t.created_at.format("%Y-%m-%d %H:%M UTC"),
                        t.expires_at.format("%Y-%m-%d %H:%M UTC"),
                    );
                }
            }
            TokenCommand::Revoke { id } => {
                services.revoke_session(Actor::Operator, &id).await?;
                println!("token {id} revoked");
            }
        },
    }
    Ok(())
}
