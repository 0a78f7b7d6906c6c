//! `Services`: what jobintel does, in one place. The REST API, the page forms, the server
//! functions and the CLI all call these methods, so each rule is written once.

mod cv;
mod jobs;
mod metrics;
mod pdf;
mod profile;
mod providers;
mod runs;
mod users;

pub use cv::KEEP_VERSIONS;
pub use jobs::{build_job, dedupe_key, parse_import, split_list};

pub use pdf::{Pdf, PrintOverrides, file_name};
pub use profile::{build_star, star_input_from_form};
pub use runs::{MAX_ATTEMPTS, STUCK_ERROR, tier_choice};
pub use users::SESSION_TTL_HOURS;

use crate::auth::Auth;
use crate::config::Config;
use crate::error::ServiceResult;
use crate::error::StartupError;
use crate::store::{self, AuditEntry, SharedStore};
use app::error::AppError;
use app::model::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Services {
    pub config: Config,
    pub store: SharedStore,
    pub auth: Auth,
    /// LLM and FireCrawl clients, shared with the pipeline's layers.
    pub providers: crate::providers::SharedProviders,
    /// The pipeline runner of this process, once `serve` has started it.
    pub runner: std::sync::OnceLock<Arc<crate::pipeline::Runner>>,
    /// The Chromium PDF renderer (launched on first use).
    pub pdf: crate::pdf::Renderer,
}

pub type SharedServices = Arc<Services>;

/// Who asks for an admin action. Each such action takes one, so no call can skip the role
/// check: a signed-in user's stored role is checked; the operator at this machine's command
/// line, who holds the store itself, is trusted and is `cli` in the audit log.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a UserInfo),
    Operator,
}

impl Actor<'_> {
    /// The audit log's name for the actor, once the admin role is checked (403 for viewers).
    pub fn admin(self) -> Result<String, AppError> {
        match self {
            Actor::User(user) => {
                require_admin(user)?;
                Ok(user.actor())
            }
            Actor::Operator => Ok("cli".into()),
        }
    }
}

impl<'a> From<&'a UserInfo> for Actor<'a> {
    fn from(user: &'a UserInfo) -> Self {
        Actor::User(user)
    }
}

/// Viewers read; changing anything needs the admin role.
pub fn require_admin(user: &UserInfo) -> Result<(), AppError> {
    match user.role {
        Role::Admin => Ok(()),
        Role::Viewer => Err(AppError::Forbidden("this action needs the admin role".into())),
    }
}

/// How long the health check waits for the store before calling it unhealthy.
const STORE_PING_TIMEOUT: Duration = Duration::from_secs(2);

impl Services {
    /// Opens the configured store (MongoDB when `MONGODB_URI` is set, else SQLite).
    pub async fn open_store(config: &Config) -> Result<SharedStore, StartupError> {
        let store: SharedStore = match &config.store.mongodb_uri {
            Some(uri) => {
                Arc::new(store::MongoStore::connect(uri.expose(), &config.store.mongodb_db).await?)
            }
            None => {
                let dir = &config.data_dir;
                let context = format!("cannot create data directory {}", dir.display());
                std::fs::create_dir_all(dir).map_err(StartupError::io(context))?;
                Arc::new(store::SqliteStore::open(dir).await?)
            }
        };
        Ok(store)
    }

    pub fn new(
        config: Config,
        store: SharedStore,
        auth: Auth,
        providers: crate::providers::SharedProviders,
    ) -> SharedServices {
        let pdf = crate::pdf::Renderer::new(crate::pdf::PdfSettings {
            chromium_path: config.pdf.chromium_path.clone(),
            max_concurrency: config.pdf.max_concurrency as usize,
            queue_limit: 4 * config.pdf.max_concurrency as usize,
            timeout: Duration::from_secs(config.pdf.timeout_seconds),
        });
        Arc::new(Services {
            config,
            store,
            auth,
            providers,
            runner: std::sync::OnceLock::new(),
            pdf,
        })
    }

    /// The pipeline's layers on this process's providers.
    pub fn layers(&self) -> Vec<Arc<dyn crate::pipeline::Layer>> {
        crate::pipeline::layers::pipeline(self.store.clone(), self.providers.clone())
    }

    /// Records who did what. A failed audit write is logged, never silently dropped.
    pub async fn audit(&self, actor: &str, action: &str, target: &str, details: serde_json::Value) {
        let entry = AuditEntry {
            id: store::new_id(),
            at: self.now(),
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            details,
        };
        if let Err(e) = self.store.append_audit(&entry).await {
            tracing::error!(error = %e, action, target, "audit write failed");
        }
    }

    pub async fn audit_log(&self, user: &UserInfo, limit: u32) -> ServiceResult<Vec<AuditEntry>> {
        require_admin(user)?;
        Ok(self.store.list_audit(limit.clamp(1, 500)).await?)
    }

    /// The time of the services' clock (the providers' clock: tests can move it).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.providers.clock.now()
    }

    /// `/api/health`: a real store round trip with a short timeout. The runner and the PDF
    /// renderer do not exist yet, so they report `not_configured` without failing `overall`.
    pub async fn health(&self) -> Health {
        let started = Instant::now();
        let ping = tokio::time::timeout(STORE_PING_TIMEOUT, self.store.ping()).await;
        let latency_ms = Some((started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0);
        let store = match ping {
            Ok(Ok(())) => StoreHealth {
                status: HealthStatus::Healthy,
                backend: self.store.backend().into(),
                latency_ms,
                error: None,
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health: store ping failed");
                StoreHealth {
                    status: HealthStatus::Unhealthy,
                    backend: self.store.backend().into(),
                    latency_ms: None,
                    error: Some("store ping failed".into()),
                }
            }
            Err(_) => StoreHealth {
                status: HealthStatus::Unhealthy,
                backend: self.store.backend().into(),
                latency_ms: None,
                error: Some(format!("no answer within {} s", STORE_PING_TIMEOUT.as_secs())),
            },
        };
        let runner = self.runner_health().await;
        let llm = self.llm_health();
        let (pdf, _) = self.pdf.status();
        use HealthStatus::{Degraded, Healthy, NotConfigured};
        let overall = match (store.status, runner.status) {
            (Healthy, Healthy | NotConfigured) if llm.status == Healthy && pdf == Healthy => {
                Healthy
            }
            (Healthy, Healthy | NotConfigured | Degraded) => Degraded,
            _ => HealthStatus::Unhealthy,
        };
        Health {
            overall,
            runner,
            mongodb: store,
            pdf_service: self.pdf_health(pdf),
            llm,
            firecrawl: self.firecrawl_health().await,
            checked_at: self.now(),
        }
    }

    /// The renderer's status, and whether Chromium runs in its own sandbox (and why not).
    fn pdf_health(&self, status: HealthStatus) -> ServiceHealth {
        let sandbox = self.pdf.sandbox();
        ServiceHealth {
            status,
            sandbox: sandbox.as_ref().map(|(on, _)| *on),
            detail: sandbox.and_then(|(_, why)| why).map(|why| format!("no sandbox: {why}")),
        }
    }

    /// Healthy; degraded at ≥ 80 % capacity or when paused; unhealthy when its loop died;
    /// `not_configured` in processes that run no pipeline (CLI, tests).
    pub(crate) async fn runner_health(&self) -> RunnerHealth {
        let queued = self
            .store
            .list_runs(&RunQuery::with_status(RunStatus::Queued, 1_000))
            .await
            .map_or(0, |r| r.len() as u32);
        let (paused, paused_reason) = self.pause_state().await.unwrap_or_default();
        let Some(runner) = self.runner.get() else {
            return RunnerHealth {
                status: HealthStatus::NotConfigured,
                active_runs: 0,
                capacity_percent: 0,
                queued,
                paused,
                paused_reason,
            };
        };
        let active = runner.active_runs() as u32;
        let percent = (100 * active) / runner.capacity().max(1) as u32;
        let status = if !runner.is_looping() {
            HealthStatus::Unhealthy
        } else if paused || percent >= 80 {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        };
        RunnerHealth {
            status,
            active_runs: active,
            capacity_percent: percent,
            queued,
            paused,
            paused_reason,
        }
    }

    pub async fn list_runs(&self, filter: RunQuery) -> ServiceResult<Vec<PipelineRun>> {
        Ok(self.store.list_runs(&filter).await?)
    }

    /// The pipeline's layers in order, each with the JSON Schema of the output it stores.
    pub fn layer_schemas(&self) -> Vec<LayerSchema> {
        self.layers()
            .iter()
            .map(|l| LayerSchema { name: l.name(), output_schema: l.output_schema() })
            .collect()
    }
}

/// A layer and the JSON Schema (2020-12) of the output it stores on a run.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct LayerSchema {
    pub name: LayerName,
    pub output_schema: serde_json::Value,
}
