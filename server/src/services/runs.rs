//! Pipeline runs: queueing, cancel, retry, pause and the runbook's recovery procedures.

use super::{Actor, Services, require_admin};
use crate::error::{ServiceError, ServiceResult};
use crate::store::{self, StoreError};
use app::error::AppError;
use app::model::*;
use serde_json::json;

/// How many attempts a run gets before a lost lease fails it.
pub const MAX_ATTEMPTS: u32 = 3;
/// The error the runbook's "Clear Stuck Jobs" procedure writes.
pub const STUCK_ERROR: &str = "Stuck processing - manual reset";

/// The tier a caller asked for (`auto`, `A`–`D`); an error names the field and the choices.
pub fn tier_choice(text: &str) -> Result<TierChoice, AppError> {
    text.parse().map_err(|_| {
        let names: Vec<&str> = TierChoice::ALL.iter().map(|t| t.as_str()).collect();
        AppError::Invalid(format!("`tier` must be one of {}, got `{text}`", names.join(", ")))
    })
}

impl Services {
    pub async fn paused(&self) -> ServiceResult<bool> {
        Ok(self.pause_state().await?.0)
    }

    /// Paused or not, and why when the pipeline paused itself.
    pub async fn pause_state(&self) -> ServiceResult<(bool, Option<String>)> {
        let state = self.providers.control.pause_state().await?;
        Ok((state.paused, state.reason))
    }

    /// Pauses or resumes claiming runs (PDF export keeps working). `actor` None is the CLI.
    pub async fn set_paused(&self, actor: Actor<'_>, paused: bool) -> ServiceResult<()> {
        let who = actor.admin()?;
        self.providers.control.set_paused(paused).await?;
        self.audit(
            &who,
            if paused { "pipeline.pause" } else { "pipeline.resume" },
            "pipeline",
            json!({}),
        )
        .await;
        Ok(())
    }

    /// Queues a run for a job: 404 for an unknown job, 409 naming the active run, 503 when the
    /// pipeline is paused.
    pub async fn enqueue_run(
        &self,
        user: &UserInfo,
        job_id: &str,
        tier: TierChoice,
    ) -> ServiceResult<PipelineRun> {
        require_admin(user)?;
        let mut job = self.get_job(job_id).await?;
        if self.paused().await? {
            return Err(AppError::Unavailable(
                "the pipeline is paused; resume it to queue runs".into(),
            )
            .into());
        }
        let run =
            PipelineRun::queued(store::new_id(), job.id.clone(), tier, MAX_ATTEMPTS, self.now());
        self.insert_run(&run).await?;
        job.status = JobStatus::Queued;
        job.error = None;
        job.updated_at = self.now();
        self.store.replace_job(&job).await?;
        self.audit(&user.actor(), "run.queue", &run.id, json!({"job_id": job_id, "tier": tier}))
            .await;
        Ok(run)
    }

    async fn insert_run(&self, run: &PipelineRun) -> ServiceResult<()> {
        self.store.insert_run(run).await.map_err(|e| match e {
            StoreError::Duplicate { existing_id, .. } => AppError::Conflict(format!(
                "job `{}` already has an active run{}",
                run.job_id,
                existing_id.map(|id| format!(": {id}")).unwrap_or_default()
            ))
            .into(),
            other => other.into(),
        })
    }

    pub async fn get_run(&self, id: &str) -> ServiceResult<PipelineRun> {
        Ok(self.store.get_run(id).await?.ok_or_else(|| AppError::not_found("pipeline run", id))?)
    }

    /// The evidence chain of the job's latest finished run (`app::chain`).
    pub async fn job_chain(&self, job_id: &str) -> ServiceResult<app::chain::Chain> {
        self.get_job(job_id).await?;
        let runs = self
            .list_runs(RunQuery { job_id: Some(job_id.into()), limit: 20, ..Default::default() })
            .await?;
        let run = runs
            .into_iter()
            .find(|r| matches!(r.status, RunStatus::Completed | RunStatus::Partial))
            .ok_or_else(|| AppError::NotFound(format!("job {job_id} has no finished run")))?;
        Ok(app::chain::Chain::of(&app::outputs::RunOutputs::of(&run.layers)))
    }

    /// Cancels a queued or processing run; 409 when it already finished.
    pub async fn cancel_run(&self, user: &UserInfo, id: &str) -> ServiceResult<PipelineRun> {
        require_admin(user)?;
        let run = self
            .store
            .cancel_run(id, self.now())
            .await?
            .ok_or_else(|| AppError::not_found("pipeline run", id))?;
        if run.status != RunStatus::Cancelled {
            return Err(AppError::Conflict(format!(
                "run `{id}` already finished ({})",
                run.status
            ))
            .into());
        }
        if let Some(mut job) = self.store.get_job(&run.job_id).await? {
            job.status = JobStatus::New;
            job.updated_at = self.now();
            self.store.replace_job(&job).await?;
        }
        self.audit(&user.actor(), "run.cancel", id, json!({})).await;
        Ok(run)
    }

    /// Queues a new run of a failed (or cancelled) run's job that starts at the layer that
    /// failed: the layers before it are copied over and not run again.
    pub async fn retry_run(&self, actor: Actor<'_>, id: &str) -> ServiceResult<PipelineRun> {
        let who = actor.admin()?;
        let old = self.get_run(id).await?;
        if !matches!(old.status, RunStatus::Failed | RunStatus::Cancelled) {
            return Err(AppError::Conflict(format!(
                "only failed or cancelled runs are retried; `{id}` is {}",
                old.status
            ))
            .into());
        }
        if self.paused().await? {
            return Err(AppError::Unavailable(
                "the pipeline is paused; resume it to queue runs".into(),
            )
            .into());
        }
        let mut run = PipelineRun::queued(
            store::new_id(),
            old.job_id.clone(),
            old.tier,
            MAX_ATTEMPTS,
            self.now(),
        );
        run.layers = old.layers.into_iter().take_while(|l| l.status.succeeded()).collect();
        self.insert_run(&run).await?;
        self.audit(
            &who,
            "run.retry",
            &run.id,
            json!({"from": id, "reused_layers": run.layers.len()}),
        )
        .await;
        Ok(run)
    }

    /// The runbook's "Clear Stuck Jobs": runs processing for longer than `older_than` (and
    /// their jobs) are failed with `Stuck processing - manual reset`. Returns the run ids.
    pub async fn clear_stuck(
        &self,
        actor: Actor<'_>,
        older_than: chrono::Duration,
    ) -> ServiceResult<Vec<String>> {
        let who = actor.admin()?;
        let threshold = self.now() - older_than;
        let processing =
            self.store.list_runs(&RunQuery::with_status(RunStatus::Processing, 1_000)).await?;
        let mut cleared = Vec::new();
        for run in
            processing.into_iter().filter(|r| r.started_at.unwrap_or(r.created_at) < threshold)
        {
            let stopped = self
                .store
                .stop_run(&run.id, RunStatus::Failed, Some(STUCK_ERROR.into()), self.now())
                .await?;
            if stopped.is_some_and(|r| r.error.as_deref() == Some(STUCK_ERROR)) {
                if let Some(mut job) = self.store.get_job(&run.job_id).await? {
                    job.status = JobStatus::Failed;
                    job.error = Some(STUCK_ERROR.into());
                    job.updated_at = self.now();
                    self.store.replace_job(&job).await?;
                }
                cleared.push(run.id);
            }
        }
        // Jobs left `processing` with no active run (e.g. written by hand) are reset too.
        let jobs = self
            .store
            .list_jobs(&JobQuery {
                statuses: vec![JobStatus::Processing],
                limit: 200,
                ..Default::default()
            })
            .await?;
        for mut job in jobs.items.into_iter().filter(|j| j.updated_at < threshold) {
            job.status = JobStatus::Failed;
            job.error = Some(STUCK_ERROR.into());
            job.updated_at = self.now();
            self.store.replace_job(&job).await?;
        }
        self.audit(
            &who,
            "runs.clear_stuck",
            "pipeline",
            json!({"runs": cleared, "older_than_minutes": older_than.num_minutes()}),
        )
        .await;
        Ok(cleared)
    }

    /// Retries every failed run created within `since` whose job has no active run.
    pub async fn rerun_failed(
        &self,
        actor: Actor<'_>,
        since: chrono::Duration,
    ) -> ServiceResult<Vec<String>> {
        let threshold = self.now() - since;
        let failed = self.store.list_runs(&RunQuery::with_status(RunStatus::Failed, 200)).await?;
        let mut queued = Vec::new();
        let mut seen_jobs = std::collections::BTreeSet::new();
        for run in failed.into_iter().filter(|r| r.created_at >= threshold) {
            if !seen_jobs.insert(run.job_id.clone()) {
                continue;
            }
            match self.retry_run(actor, &run.id).await {
                Ok(new) => queued.push(new.id),
                Err(ServiceError::Refused(AppError::Conflict(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(queued)
    }
}
