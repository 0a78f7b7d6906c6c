//! The fact gate over a whole run's documents: one offline run of each demo posting, then the
//! gate built from the profile and the posting and run over the cover letter, every outreach
//! message, the CV's lines and the fit rationale, `BENCH_ROUNDS` times (default 200). The floor
//! is one tokenisation pass over the same texts (sources and documents), the least any check
//! on words must do. `cargo bench -p server --bench facts`.

use app::model::{Role, TierChoice};
use app::outputs::{Cv, Fit, Jd, Letter, Messages, OrSkipped, RunOutputs};
use server::pipeline::RunContext;
use server::pipeline::layers::fact_gate;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at =
        |p: f64| samples[((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<48} n={:<5} median {:>7.3} ms   p95 {:>7.3} ms",
        samples.len(),
        ms(at(0.5)),
        ms(at(0.95))
    );
}

#[tokio::main]
async fn main() {
    let rounds: usize =
        std::env::var("BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let store: server::store::SharedStore =
        Arc::new(server::store::SqliteStore::open(dir.path()).await.unwrap());
    let providers = server::providers::Providers::offline(store.clone());
    let config = server::config::Config::from_lookup(|_| None).unwrap();
    let auth = server::auth::Auth::new(&server::config::Secret::new("g".repeat(40))).unwrap();
    let services = server::services::Services::new(config, store.clone(), auth, providers);
    services.seed_demo(false).await.unwrap();
    let user = services
        .create_user(
            server::services::Actor::Operator,
            "bench",
            Role::Admin,
            "bench-password".into(),
        )
        .await
        .unwrap();
    let runner = server::pipeline::Runner::new(
        store.clone(),
        services.layers(),
        server::pipeline::RunnerSettings::new(1, Duration::from_secs(60)),
    );
    let profile = services.profile().await.unwrap();
    let stars = services.list_stars().await.unwrap();
    let jobs = services.list_jobs(&Default::default()).await.unwrap().items;
    let mut runs = Vec::new();
    for job in jobs {
        let run = services.enqueue_run(&user, &job.id, TierChoice::A).await.unwrap();
        assert!(runner.step().await.unwrap());
        let run = store.get_run(&run.id).await.unwrap().unwrap();
        let ctx = RunContext {
            job,
            profile: profile.clone(),
            stars: stars.clone(),
            tier: TierChoice::A,
            started_at: server::store::now(),
            outputs: RunOutputs::of(&run.layers),
        };
        runs.push(ctx);
    }
    let mut gate_times = Vec::new();
    let mut floor_times = Vec::new();
    let mut chain_times = Vec::new();
    let mut blocked = 0;
    for round in 0..rounds {
        let ctx = &runs[round % runs.len()];
        let jd: Jd = ctx.outputs.get().unwrap();
        let letter = ctx.outputs.find::<OrSkipped<Letter>>().and_then(OrSkipped::done).unwrap();
        let messages = ctx.outputs.find::<OrSkipped<Messages>>().and_then(OrSkipped::done).unwrap();
        let cv = ctx.outputs.find::<OrSkipped<Cv>>().and_then(OrSkipped::done).unwrap();
        let fit: Fit = ctx.outputs.get().unwrap();
        let documents: Vec<&str> = std::iter::once(letter.text.as_str())
            .chain(messages.messages.iter().flat_map(|m| {
                [m.linkedin_note.as_str(), m.email_subject.as_str(), m.email_body.as_str()]
            }))
            .chain(fit.rationale.iter().chain(&fit.gaps).map(String::as_str))
            .collect();

        let started = Instant::now();
        let gate = fact_gate(ctx, &jd);
        for text in &documents {
            blocked += gate.filter(text).1.len();
        }
        let (_, cv_blocked) = server::cv::gate_lines(
            cv.lines.clone(),
            &cv.lines,
            &ctx.profile.resume,
            &ctx.stars,
            &jd.technical_skills,
        );
        blocked += cv_blocked.len();
        gate_times.push(started.elapsed());

        let started = Instant::now();
        let attributor = server::pipeline::layers::attributor(ctx);
        let mut sentences = 0;
        for text in &documents {
            sentences += attributor.document(app::chain::DocPart::CoverLetter, text).len();
        }
        std::hint::black_box(sentences);
        chain_times.push(started.elapsed());

        let started = Instant::now();
        let mut tokens = server::text::words(&ctx.profile.resume.as_text()).len();
        tokens += server::text::words(&ctx.job.description).len();
        for text in documents.iter().copied().chain(cv.lines.iter().map(|l| l.text.as_str())) {
            tokens += server::text::words(text).len();
        }
        std::hint::black_box(tokens);
        floor_times.push(started.elapsed());
    }
    println!(
        "fact gate over {} demo runs' documents, {rounds} rounds; lexicon of {} names; {blocked} \
         claims blocked",
        runs.len(),
        server::facts::Lexicon::bundled().len()
    );
    report("gate: build + letter, outreach, CV, fit", gate_times);
    report("attribution: sources and transform of each sentence", chain_times);
    report("floor: one tokenisation pass over the same texts", floor_times);
}
