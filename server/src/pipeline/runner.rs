//! The durable runner. Runs live in the store's queue, not in memory: a worker claims one
//! under a lease, a heartbeat extends the lease while it works, and the sweeper sends runs
//! whose lease expired (a crash, `kill -9`) back to the queue or fails them. So no run — and no
//! job — stays `processing` longer than a lease plus a sweep interval.

use super::{Layer, LayerError, LayerOutput, RunContext};
use crate::clock::SharedClock;
use crate::store::{self, SharedStore, StoreError, StoreResult};
use app::model::*;
use app::outputs::{Dossier, RunOutputs};
use futures_util::FutureExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tracing::Instrument;

#[derive(Clone)]
pub struct RunnerSettings {
    /// Unique per process, so leases name their holder.
    pub worker_id: String,
    pub max_concurrent: usize,
    pub lease: chrono::Duration,
    pub sweep_interval: Duration,
    /// Requeued runs wait `backoff × attempt` before they can be claimed again.
    pub backoff: chrono::Duration,
    pub timeout: Duration,
    /// How long to wait before looking again when the queue is empty.
    pub poll_interval: Duration,
    /// Claims, leases, sweeps and layer times read it; tests move it instead of sleeping.
    pub clock: SharedClock,
}

impl RunnerSettings {
    /// The settings `serve` uses, from the configuration.
    pub fn from_config(config: &crate::config::Config) -> Self {
        let mut s = Self::new(
            config.runner.max_concurrent_runs as usize,
            Duration::from_secs(config.runner.timeout_seconds),
        );
        s.lease = chrono::Duration::seconds(config.runner.lease_seconds as i64);
        s.sweep_interval = Duration::from_secs(config.runner.sweep_seconds);
        s
    }

    pub fn new(max_concurrent: usize, timeout: Duration) -> Self {
        RunnerSettings {
            worker_id: format!("worker-{}", store::new_id()),
            max_concurrent,
            lease: chrono::Duration::seconds(60),
            sweep_interval: Duration::from_secs(30),
            backoff: chrono::Duration::seconds(30),
            timeout,
            poll_interval: Duration::from_millis(500),
            clock: crate::clock::system(),
        }
    }
}

pub struct Runner {
    store: SharedStore,
    layers: Vec<Arc<dyn Layer>>,
    settings: RunnerSettings,
    permits: Arc<Semaphore>,
    active: AtomicUsize,
    /// True while `run_until` is looping; the health check reports a dead loop.
    looping: AtomicBool,
}

/// How a run ended inside this worker.
enum Ending {
    Finished(RunStatus, Option<String>),
    /// The worker no longer holds the run (cancelled, or its lease was taken back).
    Lost,
}

impl Runner {
    pub fn new(
        store: SharedStore,
        layers: Vec<Arc<dyn Layer>>,
        settings: RunnerSettings,
    ) -> Arc<Self> {
        let permits = Arc::new(Semaphore::new(settings.max_concurrent));
        Arc::new(Runner {
            store,
            layers,
            settings,
            permits,
            active: AtomicUsize::new(0),
            looping: AtomicBool::new(false),
        })
    }

    pub fn active_runs(&self) -> usize {
        self.active.load(Ordering::SeqCst)
    }

    pub fn capacity(&self) -> usize {
        self.settings.max_concurrent
    }

    pub fn is_looping(&self) -> bool {
        self.looping.load(Ordering::SeqCst)
    }

    pub async fn is_paused(&self) -> StoreResult<bool> {
        Ok(crate::control::pause_state(&*self.store).await?.paused)
    }

    /// Claims one run and executes it to the end, in this task. Returns false when nothing
    /// was claimable. Tests drive the runner with this.
    pub async fn step(&self) -> StoreResult<bool> {
        match self
            .store
            .claim_run(&self.settings.worker_id, self.settings.clock.now(), self.settings.lease)
            .await?
        {
            Some(run) => {
                self.execute(run).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Sends runs with expired leases back to the queue (or fails them) and moves their jobs
    /// along. Returns how many runs it changed.
    pub async fn sweep(&self) -> StoreResult<usize> {
        let ttl = chrono::Duration::seconds(store::COMPANY_CACHE_TTL_SECONDS);
        let purged = self.store.purge_companies(self.settings.clock.now() - ttl).await?;
        if purged > 0 {
            tracing::info!(purged, "expired company research removed");
        }
        let changed =
            self.store.expire_leases(self.settings.clock.now(), self.settings.backoff).await?;
        for run in &changed {
            let (status, error) = match run.status {
                RunStatus::Failed => (JobStatus::Failed, run.error.clone()),
                _ => (JobStatus::Queued, None),
            };
            self.set_job_status(&run.job_id, status, error).await?;
            tracing::warn!(run = %run.id, status = %run.status, "lease expired");
        }
        Ok(changed.len())
    }

    /// Claims and executes runs until `shutdown` turns true, at most `max_concurrent` at once,
    /// sweeping expired leases on the side.
    pub async fn run_until(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        self.looping.store(true, Ordering::SeqCst);
        let mut sweep = tokio::time::interval(self.settings.sweep_interval);
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = sweep.tick() => {
                    if let Err(e) = self.sweep().await {
                        tracing::error!(error = %e, "sweep failed");
                    }
                }
                permit = self.permits.clone().acquire_owned() => {
                    let Ok(permit) = permit else { break };
                    let claimed = match self.is_paused().await {
                        Ok(false) => self.store.claim_run(&self.settings.worker_id, self.settings.clock.now(), self.settings.lease).await,
                        Ok(true) => Ok(None),
                        Err(e) => Err(StoreError::Backend(e.to_string().into())),
                    };
                    match claimed {
                        Ok(Some(run)) => {
                            let runner = self.clone();
                            tokio::spawn(async move {
                                let _permit = permit;
                                if let Err(e) = runner.execute(run).await {
                                    tracing::error!(error = %e, "run failed to execute");
                                }
                            });
                        }
                        Ok(None) => {
                            drop(permit);
                            tokio::time::sleep(self.settings.poll_interval).await;
                        }
                        Err(e) => {
                            drop(permit);
                            tracing::error!(error = %e, "claim failed");
                            tokio::time::sleep(self.settings.poll_interval).await;
                        }
                    }
                }
            }
        }
        self.looping.store(false, Ordering::SeqCst);
    }

    async fn execute(&self, run: PipelineRun) -> StoreResult<()> {
        self.active.fetch_add(1, Ordering::SeqCst);
        let (lost_tx, lost_rx) = watch::channel(false);
        let _executing = Executing {
            heartbeat: tokio::spawn(heartbeat(
                self.store.clone(),
                self.settings.clock.clone(),
                run.id.clone(),
                self.settings.worker_id.clone(),
                self.settings.lease,
                lost_tx,
            )),
            active: &self.active,
        };
        // Every line logged while the run executes carries the run it belongs to.
        let span = tracing::info_span!(
            "run",
            run_id = %run.id,
            job_id = %run.job_id,
            attempt = run.attempt,
            tier = %run.tier,
        );
        self.execute_layers(run, lost_rx).instrument(span).await
    }

    /// Runs one layer until it answers, fails, panics or the run's time is up.
    async fn attempt(
        &self,
        layer: &dyn Layer,
        ctx: &RunContext,
        deadline: tokio::time::Instant,
    ) -> Result<LayerOutput, LayerError> {
        tracing::debug!("layer started");
        // A layer that panics fails like one that returns an error (crates.io's worker
        // counts panics as failures), so its run finishes instead of staying processing.
        let attempt = std::panic::AssertUnwindSafe(layer.run(ctx)).catch_unwind();
        match tokio::time::timeout_at(deadline, attempt).await {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => Err(LayerError::Panicked(panic_text(&*panic))),
            Err(_) => Err(LayerError::Timeout),
        }
    }

    async fn execute_layers(
        &self,
        mut run: PipelineRun,
        lost: watch::Receiver<bool>,
    ) -> StoreResult<()> {
        let worker = self.settings.worker_id.clone();
        let Some(job) = self.store.get_job(&run.job_id).await? else {
            return self
                .finish(
                    run,
                    &worker,
                    Ending::Finished(RunStatus::Failed, Some("the job was deleted".into())),
                )
                .await;
        };
        self.set_job_status(&job.id, JobStatus::Processing, None).await?;
        let now = self.settings.clock.now();
        let profile = self
            .store
            .get_profile()
            .await?
            .unwrap_or(Profile { resume: app::resume::Resume::empty(), updated_at: now });
        let mut ctx = RunContext {
            job,
            profile,
            started_at: now,
            stars: self.store.list_stars().await?,
            tier: run.tier,
            outputs: Default::default(),
        };
        // A retried run keeps what its earlier layers produced.
        for layer in &run.layers {
            if layer.status.succeeded()
                && let Some(output) = &layer.output
            {
                ctx.outputs.insert(layer.name, output.clone());
            }
        }
        let deadline = tokio::time::Instant::now() + self.settings.timeout;
        let mut warnings = 0;
        for layer in &self.layers {
            if ctx.outputs.contains(layer.name()) {
                continue;
            }
            if *lost.borrow() {
                return self.finish(run, &worker, Ending::Lost).await;
            }
            let started = self.settings.clock.now();
            let index = upsert_layer(&mut run, layer.name(), started);
            if !self.store.save_run(&run, &worker).await? {
                return self.finish(run, &worker, Ending::Lost).await;
            }
            let span = tracing::info_span!("layer", layer = %layer.name());
            let outcome =
                self.attempt(layer.as_ref(), &ctx, deadline).instrument(span.clone()).await;
            let finished = self.settings.clock.now();
            let record = &mut run.layers[index];
            record.finished_at = Some(finished);
            let duration_ms = (finished - started).num_milliseconds().max(0) as u64;
            record.duration_ms = Some(duration_ms);
            match outcome {
                Err(e) => {
                    tracing::warn!(parent: &span, error = %e, duration_ms, "layer failed");
                    record.status = LayerStatus::Failed;
                    record.error = Some(e.to_string());
                    // A timeout is the run's, not the layer's: the run says only that.
                    let reason = match e {
                        LayerError::Timeout => e.to_string(),
                        e => format!("{}: {e}", layer.name()),
                    };
                    return self
                        .finish(run, &worker, Ending::Finished(RunStatus::Failed, Some(reason)))
                        .await;
                }
                Ok(out) => {
                    if out.warning.is_some() {
                        warnings += 1;
                    }
                    record_success(record, &out);
                    tracing::info!(
                        parent: &span,
                        status = %record.status,
                        duration_ms,
                        provider = record.provider.as_deref().unwrap_or_default(),
                        cost_usd = record.cost_usd,
                        "layer finished"
                    );
                    for line in &record.log {
                        tracing::debug!(parent: &span, line = %line, "layer log");
                    }
                    ctx.outputs.insert(layer.name(), out.value);
                }
            }
        }
        let status = if warnings > 0 { RunStatus::Partial } else { RunStatus::Completed };
        self.finish(run, &worker, Ending::Finished(status, None)).await
    }

    async fn finish(&self, mut run: PipelineRun, worker: &str, ending: Ending) -> StoreResult<()> {
        let Ending::Finished(status, error) = ending else {
            tracing::info!(run = %run.id, "run no longer held by this worker; stopping");
            return Ok(());
        };
        let now = self.settings.clock.now();
        run.status = status;
        run.error = error.clone();
        run.finished_at = Some(now);
        run.updated_at = now;
        run.worker_id = None;
        run.lease_until = None;
        if !self.store.save_run(&run, worker).await? {
            return Ok(());
        }
        let job_status =
            if status == RunStatus::Failed { JobStatus::Failed } else { JobStatus::Ready };
        self.set_job_status(&run.job_id, job_status, error).await?;
        // Publish puts the fit score on the job, so lists can sort and filter by it.
        if let Some(dossier) = RunOutputs::of(&run.layers).find::<Dossier>()
            && let Some(mut job) = self.store.get_job(&run.job_id).await?
        {
            job.score = Some(dossier.fit_score.min(100));
            self.store.replace_job(&job).await?;
        }
        tracing::info!(run = %run.id, status = %status, "run finished");
        Ok(())
    }

    /// Moves a job along with its run; a job deleted meanwhile is left alone.
    async fn set_job_status(
        &self,
        job_id: &str,
        status: JobStatus,
        error: Option<String>,
    ) -> StoreResult<()> {
        if let Some(mut job) = self.store.get_job(job_id).await? {
            job.status = status;
            job.error = if status == JobStatus::Failed { error } else { None };
            job.updated_at = self.settings.clock.now();
            self.store.replace_job(&job).await?;
        }
        Ok(())
    }
}

/// Writes a finished layer's result into its record.
fn record_success(record: &mut LayerRun, out: &LayerOutput) {
    record.status =
        if out.warning.is_some() { LayerStatus::Warning } else { LayerStatus::Completed };
    if let Some(w) = &out.warning {
        record.log.push(format!("warning: {w}"));
    }
    record.log.extend(out.log.iter().cloned());
    let usage = &out.usage;
    record.provider = Some(usage.provider.clone());
    record.model = usage.model.clone();
    record.input_tokens = usage.input_tokens;
    record.output_tokens = usage.output_tokens;
    record.cost_usd = usage.cost_usd;
    record.calls = usage.calls;
    record.retries = usage.retries;
    record.fallbacks = usage.fallbacks.clone();
    record.prompt_version = usage.prompt_version.clone();
    record.output = Some(out.value.clone());
}

/// Marks `name` running on the run (replacing an earlier failed attempt's record); returns its index.
fn upsert_layer(
    run: &mut PipelineRun,
    name: LayerName,
    started: chrono::DateTime<chrono::Utc>,
) -> usize {
    let record =
        LayerRun { started_at: Some(started), ..LayerRun::new(name, LayerStatus::Running) };
    match run.layers.iter().position(|l| l.name == name) {
        Some(i) => {
            run.layers[i] = record;
            i
        }
        None => {
            run.layers.push(record);
            run.layers.len() - 1
        }
    }
}

/// Renews the lease every third of its length; tells the worker when it no longer holds the run.
/// Stops the heartbeat and counts the run out however `execute` ends, a panic included: a run
/// whose worker stops renewing its lease is taken back by the sweeper.
struct Executing<'a> {
    heartbeat: tokio::task::JoinHandle<()>,
    active: &'a AtomicUsize,
}

impl Drop for Executing<'_> {
    fn drop(&mut self) {
        self.heartbeat.abort();
        self.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The message of a panic (`panic!("…")` carries a `&str` or a `String`).
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

async fn heartbeat(
    store: SharedStore,
    clock: SharedClock,
    id: String,
    worker: String,
    lease: chrono::Duration,
    lost: watch::Sender<bool>,
) {
    let every = (lease / 3).to_std().unwrap_or(Duration::from_secs(10));
    loop {
        tokio::time::sleep(every).await;
        match store.renew_lease(&id, &worker, clock.now() + lease).await {
            Ok(true) => {}
            Ok(false) => {
                let _ = lost.send(true);
                return;
            }
            Err(e) => tracing::warn!(run = %id, error = %e, "heartbeat failed; retrying"),
        }
    }
}
