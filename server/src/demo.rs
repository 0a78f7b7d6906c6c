//! Demo data (`jobintel seed-demo`, `make run`): a fictional candidate and fictional postings
//! written for this project. Seeding is idempotent: what already exists is left alone.

use crate::error::ServiceResult;
use crate::services::{Actor, Services};
use crate::services::{build_star, dedupe_key};
use crate::store::StoreError;
use app::error::AppError;
use app::model::*;
use serde::Deserialize;

pub const DEMO_USERNAME: &str = "demo";
pub const DEMO_PASSWORD: &str = "jobintel-demo";

const RESUME: &str = include_str!("../demo/resume.json");
const STARS: &str = include_str!("../demo/stars.json");
const JOBS: &str = include_str!("../demo/jobs.json");

#[derive(Deserialize)]
struct DemoStar {
    id: String,
    #[serde(flatten)]
    input: StarInput,
}

#[derive(Deserialize)]
struct DemoJob {
    #[serde(flatten)]
    job: NewJob,
    /// How long ago the posting was added, so date filters have something to show.
    age_hours: i64,
    status: JobStatus,
    #[serde(default)]
    stage: Option<ApplicationStage>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub user_created: bool,
    pub profile_created: bool,
    pub stars_created: usize,
    pub jobs_created: usize,
}

/// The demo postings as jobs, for tests and the benchmark seeder.
pub fn demo_jobs(now: chrono::DateTime<chrono::Utc>) -> Result<Vec<Job>, AppError> {
    let jobs: Vec<DemoJob> =
        serde_json::from_str(JOBS).map_err(|e| AppError::Internal(format!("demo jobs: {e}")))?;
    jobs.into_iter()
        .map(|d| {
            let mut job = crate::services::build_job(d.job, now)?;
            let at = now - chrono::Duration::hours(d.age_hours);
            job.created_at = at;
            job.updated_at = at;
            job.status = d.status;
            if d.status == JobStatus::Failed {
                job.error = Some("Demo: the pipeline has not run on this instance yet".into());
            }
            job.application = Application::new(at);
            if let Some(stage) = d.stage {
                job.application.move_to(stage, at + chrono::Duration::hours(2));
            }
            job.dedupe_key = dedupe_key(&job.company, &job.title, &job.location);
            Ok(job)
        })
        .collect()
}

impl Services {
    /// Loads the demo candidate, STAR records and jobs. With `only_if_empty`, does nothing when
    /// the store already has any job or user (so `make run` never re-adds deleted demo data).
    pub async fn seed_demo(&self, only_if_empty: bool) -> ServiceResult<SeedReport> {
        let mut report = SeedReport::default();
        let users = self.store.list_users().await?;
        let any_job = !self
            .store
            .list_jobs(&JobQuery { limit: 1, ..Default::default() })
            .await?
            .items
            .is_empty();
        if only_if_empty && (any_job || !users.is_empty()) {
            return Ok(report);
        }
        if users.is_empty() {
            self.create_user(Actor::Operator, DEMO_USERNAME, Role::Admin, DEMO_PASSWORD.into())
                .await?;
            report.user_created = true;
        }
        if self.store.get_profile().await?.is_none() {
            let resume = serde_json::from_str(RESUME)
                .map_err(|e| AppError::Internal(format!("demo resume: {e}")))?;
            self.store.put_profile(&Profile { resume, updated_at: self.now() }).await?;
            report.profile_created = true;
        }
        let stars: Vec<DemoStar> = serde_json::from_str(STARS)
            .map_err(|e| AppError::Internal(format!("demo stars: {e}")))?;
        for (i, s) in stars.into_iter().enumerate() {
            if self.store.get_star(&s.id).await?.is_none() {
                // Spaced a second apart so the records list in file order.
                let created = self.now() - chrono::Duration::seconds(100 - i as i64);
                self.store.put_star(&build_star(s.id, created, self.now(), s.input)?).await?;
                report.stars_created += 1;
            }
        }
        for job in demo_jobs(self.now())? {
            match self.store.insert_job(&job).await {
                Ok(()) => report.jobs_created += 1,
                Err(StoreError::Duplicate { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.audit("cli", "seed_demo", "store", serde_json::json!({"jobs": report.jobs_created}))
            .await;
        Ok(report)
    }
}
