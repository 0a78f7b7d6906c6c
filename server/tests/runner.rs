//! The durable runner on both stores, with small layers written for the tests: order and
//! outputs, failures, partial results, retries that reuse finished layers, timeouts, cancel,
//! a crashed worker's run recovered by the sweeper, capacity, and pause.

mod support;

use app::model::*;
use async_trait::async_trait;
use serde_json::{Value, json};
use server::clock::Clock;
use server::pipeline::{Layer, LayerError, LayerOutput, RunContext, Runner, RunnerSettings};
use server::store::{SharedStore, new_id, now};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Default)]
struct Probe {
    calls: AtomicUsize,
    running: AtomicUsize,
    max_running: AtomicUsize,
}

/// The test layers take the first three layers' names; what they do is the test's.
const ONE: LayerName = LayerName::JdExtraction;
const TWO: LayerName = LayerName::PainPoints;
const THREE: LayerName = LayerName::StarSelection;

struct TestLayer {
    name: LayerName,
    delay: Duration,
    outcome: Result<Option<&'static str>, &'static str>,
    probe: Arc<Probe>,
}

#[async_trait]
impl Layer for TestLayer {
    fn name(&self) -> LayerName {
        self.name
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object"})
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        self.probe.calls.fetch_add(1, Ordering::SeqCst);
        let now_running = self.probe.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.probe.max_running.fetch_max(now_running, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.probe.running.fetch_sub(1, Ordering::SeqCst);
        let seen: Vec<LayerName> = ctx.outputs.layers().collect();
        match self.outcome {
            Err(e) => Err(LayerError::Grounding(vec![e.into()])),
            Ok(warning) => {
                let value = json!({"layer": self.name, "seen": seen, "job": ctx.job.title});
                let mut out = LayerOutput::new(value, "test");
                out.log.push(format!("{} done", self.name));
                out.warning = warning.map(Into::into);
                Ok(out)
            }
        }
    }
}

/// A layer with a bug: it panics.
struct PanickingLayer;

#[async_trait]
impl Layer for PanickingLayer {
    fn name(&self) -> LayerName {
        LayerName::PainPoints
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object"})
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        panic!("index out of bounds in {}", ctx.job.title)
    }
}

fn layer(name: LayerName, probe: &Arc<Probe>) -> Arc<dyn Layer> {
    Arc::new(TestLayer { name, delay: Duration::ZERO, outcome: Ok(None), probe: probe.clone() })
}

fn slow(name: LayerName, delay_ms: u64, probe: &Arc<Probe>) -> Arc<dyn Layer> {
    Arc::new(TestLayer {
        name,
        delay: Duration::from_millis(delay_ms),
        outcome: Ok(None),
        probe: probe.clone(),
    })
}

fn settings() -> RunnerSettings {
    let mut s = RunnerSettings::new(2, Duration::from_secs(30));
    s.lease = chrono::Duration::milliseconds(600);
    s.backoff = chrono::Duration::zero();
    s.sweep_interval = Duration::from_millis(100);
    s.poll_interval = Duration::from_millis(20);
    s
}

async fn job(store: &SharedStore, title: &str) -> Job {
    let mut j = server::services::build_job(
        NewJob { title: title.into(), company: "Acme".into(), ..Default::default() },
        now(),
    )
    .expect("valid job");
    j.status = JobStatus::Queued;
    store.insert_job(&j).await.unwrap();
    j
}

async fn enqueue(store: &SharedStore, job: &Job) -> String {
    let id = new_id();
    store
        .insert_run(&PipelineRun::queued(
            id.clone(),
            job.id.clone(),
            app::model::TierChoice::Auto,
            3,
            now(),
        ))
        .await
        .unwrap();
    id
}

async fn run_of(store: &SharedStore, id: &str) -> PipelineRun {
    store.get_run(id).await.unwrap().expect("run exists")
}

mod scenario {
    use super::*;

    pub async fn step_runs_every_layer_in_order_and_readies_the_job(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        let runner =
            Runner::new(store.clone(), vec![layer(ONE, &probe), layer(TWO, &probe)], settings());
        let j = job(&store, "Rust Engineer").await;
        let id = enqueue(&store, &j).await;
        assert!(runner.step().await.unwrap());
        assert!(!runner.step().await.unwrap(), "queue drained");
        let run = run_of(&store, &id).await;
        assert_eq!(run.status, RunStatus::Completed);
        assert_eq!(run.layers.iter().map(|l| l.name).collect::<Vec<_>>(), [ONE, TWO]);
        assert_eq!(
            run.layers[1].output.as_ref().unwrap()["seen"],
            json!([ONE]),
            "later layers see earlier outputs"
        );
        assert_eq!(run.layers[0].log, [format!("{ONE} done")]);
        assert!(
            run.layers
                .iter()
                .all(|l| l.duration_ms.is_some() && l.provider.as_deref() == Some("test"))
        );
        assert_eq!((run.worker_id, run.lease_until), (None, None));
        assert_eq!(store.get_job(&j.id).await.unwrap().unwrap().status, JobStatus::Ready);
    }

    pub async fn a_failing_layer_fails_the_run_and_the_job_with_the_reason(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        let broken: Arc<dyn Layer> = Arc::new(TestLayer {
            name: TWO,
            delay: Duration::ZERO,
            outcome: Err("no keywords"),
            probe: probe.clone(),
        });
        let runner = Runner::new(
            store.clone(),
            vec![layer(ONE, &probe), broken, layer(THREE, &probe)],
            settings(),
        );
        let j = job(&store, "Data Engineer").await;
        let id = enqueue(&store, &j).await;
        runner.step().await.unwrap();
        let run = run_of(&store, &id).await;
        assert_eq!(run.status, RunStatus::Failed);
        assert_eq!(run.error.as_deref(), Some("pain_points: grounding check failed: no keywords"));
        assert_eq!(run.layers.last().unwrap().status, LayerStatus::Failed);
        assert_eq!(probe.calls.load(Ordering::SeqCst), 2, "nothing runs after the failure");
        let job = store.get_job(&j.id).await.unwrap().unwrap();
        assert_eq!(
            (job.status, job.error.as_deref()),
            (JobStatus::Failed, Some("pain_points: grounding check failed: no keywords"))
        );
    }

    pub async fn a_warning_makes_the_run_partial(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        let warns: Arc<dyn Layer> = Arc::new(TestLayer {
            name: TWO,
            delay: Duration::ZERO,
            outcome: Ok(Some("no pain points found")),
            probe,
        });
        let runner = Runner::new(store.clone(), vec![warns], settings());
        let j = job(&store, "SRE").await;
        let id = enqueue(&store, &j).await;
        runner.step().await.unwrap();
        let run = run_of(&store, &id).await;
        assert_eq!(run.status, RunStatus::Partial);
        assert_eq!(run.layers[0].status, LayerStatus::Warning);
        assert!(run.layers[0].log[0].contains("no pain points found"));
        assert_eq!(store.get_job(&j.id).await.unwrap().unwrap().status, JobStatus::Ready);
    }

    pub async fn a_retried_run_reuses_the_layers_that_finished(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        let runner =
            Runner::new(store.clone(), vec![layer(ONE, &probe), layer(TWO, &probe)], settings());
        let j = job(&store, "Platform Engineer").await;
        let mut run =
            PipelineRun::queued(new_id(), j.id.clone(), app::model::TierChoice::Auto, 3, now());
        run.layers.push(LayerRun {
            started_at: Some(now()),
            finished_at: Some(now()),
            duration_ms: Some(1),
            provider: Some("earlier".into()),
            output: Some(json!({"kept": true})),
            ..LayerRun::new(ONE, LayerStatus::Completed)
        });
        store.insert_run(&run).await.unwrap();
        runner.step().await.unwrap();
        let done = run_of(&store, &run.id).await;
        assert_eq!(done.status, RunStatus::Completed);
        assert_eq!(probe.calls.load(Ordering::SeqCst), 1, "only the missing layer ran");
        assert_eq!(done.layers[0].output, Some(json!({"kept": true})));
        assert_eq!(done.layers[1].output.as_ref().unwrap()["seen"], json!([ONE]));
    }

    pub async fn a_run_past_its_timeout_fails_with_reason_timeout(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        let mut s = settings();
        s.timeout = Duration::from_millis(150);
        let runner = Runner::new(store.clone(), vec![slow(ONE, 3_000, &probe)], s);
        let j = job(&store, "Slow Role").await;
        let id = enqueue(&store, &j).await;
        runner.step().await.unwrap();
        let run = run_of(&store, &id).await;
        assert_eq!((run.status, run.error.as_deref()), (RunStatus::Failed, Some("timeout")));
        assert_eq!(store.get_job(&j.id).await.unwrap().unwrap().error.as_deref(), Some("timeout"));
    }

    pub async fn cancelling_a_processing_run_stops_its_worker(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        let runner = Runner::new(
            store.clone(),
            vec![slow(ONE, 800, &probe), layer(TWO, &probe)],
            settings(),
        );
        let j = job(&store, "Cancelled Role").await;
        let id = enqueue(&store, &j).await;
        let worker = {
            let runner = runner.clone();
            tokio::spawn(async move { runner.step().await })
        };
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(
            store.cancel_run(&id, now()).await.unwrap().unwrap().status,
            RunStatus::Cancelled
        );
        worker.await.unwrap().unwrap();
        let run = run_of(&store, &id).await;
        assert_eq!(run.status, RunStatus::Cancelled, "the worker does not overwrite the cancel");
        assert_eq!(probe.calls.load(Ordering::SeqCst), 1, "the next layer never starts");
    }

    pub async fn a_crashed_workers_run_is_requeued_and_finished_by_another(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        // The runner's clock only moves when told to: the lease expires without any sleep.
        let clock = server::clock::ManualClock::new(now() + chrono::Duration::seconds(1));
        let mut s = settings();
        s.clock = clock.clone();
        let runner = Runner::new(store.clone(), vec![layer(ONE, &probe)], s);
        let j = job(&store, "Recovered Role").await;
        let id = enqueue(&store, &j).await;
        // A worker claims the run and dies without a word: no heartbeat, no result.
        store
            .claim_run("crashed-worker", clock.now(), chrono::Duration::minutes(5))
            .await
            .unwrap()
            .unwrap();
        assert!(!runner.step().await.unwrap(), "held by the crashed worker");
        clock.advance(chrono::Duration::minutes(4));
        assert_eq!(runner.sweep().await.unwrap(), 0, "lease not expired yet");
        clock.advance(chrono::Duration::minutes(2));
        assert_eq!(runner.sweep().await.unwrap(), 1);
        assert_eq!(store.get_job(&j.id).await.unwrap().unwrap().status, JobStatus::Queued);
        assert!(runner.step().await.unwrap());
        let run = run_of(&store, &id).await;
        assert_eq!((run.status, run.attempt), (RunStatus::Completed, 2));
        assert_eq!(store.get_job(&j.id).await.unwrap().unwrap().status, JobStatus::Ready);
    }

    pub async fn the_loop_never_exceeds_its_capacity_and_honours_pause(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        let runner = Runner::new(store.clone(), vec![slow(ONE, 150, &probe)], settings());
        store.put_setting("pipeline", &json!({"paused": true})).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..5 {
            let j = job(&store, &format!("Role {i}")).await;
            ids.push(enqueue(&store, &j).await);
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let handle = tokio::spawn(runner.clone().run_until(stopped));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(probe.calls.load(Ordering::SeqCst), 0, "paused: nothing is claimed");
        store.put_setting("pipeline", &json!({"paused": false})).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mut done = 0;
            for id in &ids {
                if run_of(&store, id).await.status == RunStatus::Completed {
                    done += 1;
                }
            }
            if done == ids.len() {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "runs did not finish");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop.send(true).unwrap();
        handle.await.unwrap();
        assert_eq!(probe.calls.load(Ordering::SeqCst), 5);
        assert!(probe.max_running.load(Ordering::SeqCst) <= runner.capacity(), "capacity exceeded");
        assert_eq!(probe.max_running.load(Ordering::SeqCst), 2, "and it is used");
    }

    pub async fn a_panicking_layer_fails_its_run_and_the_process_keeps_serving(store: SharedStore) {
        let probe = Arc::new(Probe::default());
        let layers = vec![layer(ONE, &probe), Arc::new(PanickingLayer), layer(THREE, &probe)];
        let runner = Runner::new(store.clone(), layers, settings());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let handle = tokio::spawn(runner.clone().run_until(stopped));
        // Two runs one after the other: the second shows the loop still claims after a panic.
        for title in ["Role one", "Role two"] {
            let j = job(&store, title).await;
            let id = enqueue(&store, &j).await;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            // The run is saved finished first, then its job: wait for both.
            let run = loop {
                let run = run_of(&store, &id).await;
                let job = store.get_job(&j.id).await.unwrap().unwrap();
                if !run.status.is_active() && job.status != JobStatus::Processing {
                    break run;
                }
                assert!(tokio::time::Instant::now() < deadline, "{title}: stuck {:?}", run.status);
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            assert_eq!(run.status, RunStatus::Failed, "{title}");
            let reason = run.error.clone().unwrap_or_default();
            assert!(
                reason.starts_with("pain_points: panicked: index out of bounds in"),
                "{reason}"
            );
            let buggy = run.layers.iter().find(|l| l.name == TWO).unwrap();
            assert_eq!(buggy.status, LayerStatus::Failed);
            assert!(buggy.error.as_deref().unwrap().contains(title), "{:?}", buggy.error);
            assert!(run.layers.iter().all(|l| l.name != THREE), "nothing runs after it");
            assert_eq!((run.worker_id, run.lease_until), (None, None), "the lease is released");
            let job = store.get_job(&j.id).await.unwrap().unwrap();
            assert_eq!(job.status, JobStatus::Failed);
        }
        assert_eq!(runner.active_runs(), 0, "the panicked runs are counted out");
        // No heartbeat outlives its run: past a lease, nothing is renewed or swept.
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(runner.sweep().await.unwrap(), 0);
        assert!(runner.is_looping());
        stop.send(true).unwrap();
        handle.await.unwrap();
    }
}

macro_rules! runner_suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (store, _dir) = crate::support::sqlite_store().await;
                    crate::scenario::$name(std::sync::Arc::new(store)).await;
                }
            )*
        }
        mod mongodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (store, _db) = crate::support::mongo_store().await;
                    crate::scenario::$name(std::sync::Arc::new(store)).await;
                }
            )*
        }
    };
}

runner_suite!(
    step_runs_every_layer_in_order_and_readies_the_job,
    a_failing_layer_fails_the_run_and_the_job_with_the_reason,
    a_warning_makes_the_run_partial,
    a_retried_run_reuses_the_layers_that_finished,
    a_run_past_its_timeout_fails_with_reason_timeout,
    cancelling_a_processing_run_stops_its_worker,
    a_crashed_workers_run_is_requeued_and_finished_by_another,
    the_loop_never_exceeds_its_capacity_and_honours_pause,
    a_panicking_layer_fails_its_run_and_the_process_keeps_serving,
);

/// What the JSON log writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The runbook's "Debug Layer-by-Layer": with `LOG_FORMAT=json` at debug level, each layer
/// logs its start, its finish (status, duration, provider) and its log lines, and every line
/// names its run, job, attempt and layer.
#[tokio::test]
async fn every_log_line_of_a_run_names_its_run_and_layer() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(true)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let (store, _dir) = support::sqlite_store().await;
    let store: SharedStore = Arc::new(store);
    let probe = Arc::new(Probe::default());
    let runner =
        Runner::new(store.clone(), vec![layer(ONE, &probe), layer(TWO, &probe)], settings());
    let j = job(&store, "Observability Engineer").await;
    let id = enqueue(&store, &j).await;
    assert!(runner.step().await.unwrap());
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let of_layer = |name: LayerName, message: &str| {
        lines
            .iter()
            .find(|l| l["message"] == message && l["span"]["layer"] == name.as_str())
            .unwrap_or_else(|| panic!("no `{message}` line for {name}:\n{text}"))
    };
    for name in [ONE, TWO] {
        let finished = of_layer(name, "layer finished");
        assert_eq!(finished["status"], "completed");
        assert_eq!(finished["provider"], "test");
        assert!(finished["duration_ms"].is_u64());
        let run = &finished["spans"][0];
        assert_eq!(
            (&run["name"], &run["run_id"], &run["job_id"]),
            (&json!("run"), &json!(id), &json!(j.id))
        );
        assert_eq!(run["attempt"], 1);
        of_layer(name, "layer started");
        assert_eq!(of_layer(name, "layer log")["line"], format!("{name} done"));
    }
    let done = lines.iter().find(|l| l["message"] == "run finished").expect("run finished");
    assert_eq!(done["spans"][0]["run_id"], json!(id));
}

/// The runbook's "Clear Stuck Jobs" reads the services' clock: a run claimed now is stuck once
/// the clock has moved past the threshold, with no sleep and no hand-written timestamps.
#[tokio::test]
async fn clearing_stuck_runs_follows_the_services_clock() {
    use server::services::{Actor, Services};
    let (store, _dir) = support::sqlite_store().await;
    let store: SharedStore = Arc::new(store);
    let clock = server::clock::ManualClock::new(now() + chrono::Duration::seconds(1));
    let providers = server::providers::Providers::offline_with_clock(store.clone(), clock.clone());
    let config = server::config::Config::from_lookup(|_| None).unwrap();
    let auth = server::auth::Auth::new(&server::config::Secret::new("k".repeat(40))).unwrap();
    let services = Services::new(config, store.clone(), auth, providers);
    let j = job(&store, "Stuck Role").await;
    let id = enqueue(&store, &j).await;
    store.claim_run("gone-worker", clock.now(), chrono::Duration::hours(2)).await.unwrap().unwrap();
    let thirty_minutes = chrono::Duration::minutes(30);
    assert!(services.clear_stuck(Actor::Operator, thirty_minutes).await.unwrap().is_empty());
    clock.advance(chrono::Duration::minutes(31));
    let cleared = services.clear_stuck(Actor::Operator, thirty_minutes).await.unwrap();
    assert_eq!(cleared, std::slice::from_ref(&id));
    let run = run_of(&store, &id).await;
    assert_eq!(
        (run.status, run.error.as_deref()),
        (RunStatus::Failed, Some(server::services::STUCK_ERROR))
    );
    assert_eq!(run.finished_at, Some(clock.now()), "stamped by the services' clock");
}
