//! The offline pipeline end to end on the demo data: every layer runs for every demo posting,
//! the CV is grounded, outreach limits hold, results are deterministic and useful.

mod support;

use app::model::*;
use serde_json::Value;
use server::auth::Auth;
use server::config::{Config, Secret};
use server::cv::grounding_violations;
use server::pipeline::layers;
use server::pipeline::{Runner, RunnerSettings};
use server::providers::schema;
use server::services::Services;
use server::store::{SharedStore, new_id, now};
use std::sync::Arc;
use std::time::Duration;

async fn demo_store() -> (SharedStore, tempfile::TempDir) {
    let (store, dir) = support::sqlite_store().await;
    let store: SharedStore = Arc::new(store);
    let services = Services::new(
        Config::from_lookup(|_| None).unwrap(),
        store.clone(),
        Auth::new(&Secret::new("p".repeat(40))).unwrap(),
        server::providers::Providers::offline(store.clone()),
    );
    services.seed_demo(false).await.unwrap();
    (store, dir)
}

async fn run_job(store: &SharedStore, job: &Job, tier: &str) -> PipelineRun {
    let tier: TierChoice = tier.parse().unwrap();
    let runner = Runner::new(
        store.clone(),
        layers::offline_pipeline(store.clone()),
        RunnerSettings::new(1, Duration::from_secs(60)),
    );
    let id = new_id();
    store
        .insert_run(&PipelineRun::queued(id.clone(), job.id.clone(), tier, 3, now()))
        .await
        .unwrap();
    assert!(runner.step().await.unwrap());
    store.get_run(&id).await.unwrap().unwrap()
}

fn output<'a>(run: &'a PipelineRun, layer: &str) -> &'a Value {
    run.layers
        .iter()
        .find(|l| l.name.as_str() == layer)
        .and_then(|l| l.output.as_ref())
        .unwrap_or_else(|| panic!("no output for {layer}"))
}

async fn job_titled(store: &SharedStore, title: &str) -> Job {
    let page = store.list_jobs(&JobQuery { limit: 200, ..Default::default() }).await.unwrap();
    page.items.into_iter().find(|j| j.title == title).unwrap_or_else(|| panic!("demo job {title}"))
}

#[tokio::test]
async fn every_demo_posting_gets_a_complete_grounded_package() {
    let (store, _dir) = demo_store().await;
    let profile = store.get_profile().await.unwrap().unwrap();
    let stars = store.list_stars().await.unwrap();
    let jobs = store.list_jobs(&JobQuery { limit: 200, ..Default::default() }).await.unwrap().items;
    assert_eq!(jobs.len(), 13);
    for job in &jobs {
        let run = run_job(&store, job, "auto").await;
        assert!(
            matches!(run.status, RunStatus::Completed | RunStatus::Partial),
            "{}: {:?} {:?}",
            job.title,
            run.status,
            run.error
        );
        let names: Vec<LayerName> = run.layers.iter().map(|l| l.name).collect();
        assert_eq!(
            names,
            LayerName::ALL,
            "{}: the pipeline runs the layers the UI lists, in order",
            job.title
        );
        for (layer, stored) in layers::offline_pipeline(store.clone()).iter().zip(&run.layers) {
            let value = stored.output.as_ref().expect("every layer stores an output");
            if let Err(e) = schema::validate(&layer.output_schema(), value) {
                panic!("{}: `{}` output does not match its schema: {e}", job.title, stored.name);
            }
        }
        let fit = output(&run, "fit_score");
        let score = fit["score"].as_u64().unwrap();
        assert!(score <= 100);
        let tier = fit["tier"].as_str().unwrap();
        if tier == "D" {
            assert_eq!(output(&run, "people_mapper")["skipped"], true);
            continue;
        }
        let lines: Vec<app::outputs::CvLine> =
            serde_json::from_value(output(&run, "cv_generation")["lines"].clone()).unwrap();
        assert!(lines.iter().any(|l| l.section == "experience"), "{}", job.title);
        assert!(grounding_violations(&lines, &profile.resume, &stars).is_empty(), "{}", job.title);
        for m in output(&run, "outreach")["messages"].as_array().unwrap() {
            let note = m["linkedin_note"].as_str().unwrap();
            let body = m["email_body"].as_str().unwrap();
            assert!(
                note.chars().count() <= 300,
                "{}: note of {} chars",
                job.title,
                note.chars().count()
            );
            let words = body.split_whitespace().count();
            assert!((95..=205).contains(&words), "{}: email of {words} words", job.title);
            assert!(
                !body
                    .chars()
                    .chain(note.chars())
                    .any(|c| (0x1F000..=0x1FAFF).contains(&(c as u32))),
                "no emoji"
            );
        }
        let letter = output(&run, "cover_letter")["text"].as_str().unwrap();
        assert!(letter.starts_with(&format!("Dear {} hiring team,", job.company)), "{letter}");
        // The offline writers pass the fact gate: nothing of theirs is blocked.
        for layer in [
            "jd_extraction",
            "pain_points",
            "company_research",
            "role_research",
            "fit_score",
            "outreach",
            "cover_letter",
            "cv_generation",
        ] {
            let blocked = &output(&run, layer)["blocked"];
            assert!(blocked.is_null(), "{}: {layer} blocked {blocked}", job.title);
        }
        assert!(output(&run, "publish")["dossier"].as_str().unwrap().contains(&job.title));
        let done = store.get_job(&job.id).await.unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Ready, "{}", job.title);
        assert_eq!(done.score.map(u64::from), Some(score), "the fit score is published on the job");
    }
}

#[tokio::test]
async fn the_payments_posting_is_matched_with_the_ledger_work() {
    let (store, _dir) = demo_store().await;
    let job = job_titled(&store, "Staff Engineer, Payments Platform").await;
    let run = run_job(&store, &job, "auto").await;
    let jd = output(&run, "jd_extraction");
    assert_eq!(jd["seniority"], "staff");
    assert!(jd["technical_skills"].as_array().unwrap().iter().any(|s| s == "Rust"));
    let pains = output(&run, "pain_points");
    assert!(!pains["pain_points"].as_array().unwrap().is_empty());
    for p in pains["pain_points"].as_array().unwrap() {
        assert!(
            job.description.contains(p["evidence"].as_str().unwrap()),
            "evidence is quoted from the posting"
        );
    }
    let selected: Vec<&str> = output(&run, "star_selection")["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!((2..=5).contains(&selected.len()));
    assert!(
        selected.contains(&"demo-star-ledger") || selected.contains(&"demo-star-events"),
        "{selected:?}"
    );
    // The score is the ledger's: each requirement quoted from the posting, with its evidence.
    let fit: app::outputs::Fit = serde_json::from_value(output(&run, "fit_score").clone()).unwrap();
    assert_eq!(fit.score, fit.ledger.score);
    assert_eq!(fit.score, server::ledger::score(&fit.ledger.requirements));
    assert!(fit.ledger.requirements.iter().all(|r| job.description.contains(&r.quote)));
    let ledgers = fit
        .ledger
        .requirements
        .iter()
        .find(|r| r.quote == "Deep experience with double-entry ledgers or payment systems")
        .expect("the posting's first requirement");
    assert_eq!(ledgers.strength, app::outputs::Strength::Direct, "{ledgers:?}");
    assert!(
        ledgers
            .evidence
            .iter()
            .any(|e| e.source == app::resume::Source::Star("demo-star-ledger".into())),
        "{ledgers:?}"
    );
    assert!(fit.score >= 50, "{fit:?}");
    let coverage = &output(&run, "cv_generation")["keyword_coverage"];
    assert!(coverage["cv_percent"].as_u64().is_some());
    // Every keyword is covered, declared or missing in the printed CV, exactly once.
    let coverage: app::outputs::KeywordCoverage = serde_json::from_value(coverage.clone()).unwrap();
    let mut sorted: Vec<&String> =
        coverage.covered.iter().chain(&coverage.declared).chain(&coverage.missing).collect();
    sorted.sort();
    let mut keywords: Vec<&String> = coverage.keywords.iter().collect();
    keywords.sort();
    assert_eq!(sorted, keywords);
    assert!(!coverage.covered.is_empty(), "{coverage:?}");
    assert!(output(&run, "company_research")["source"].as_str().unwrap().contains("offline"));
}

#[tokio::test]
async fn the_offline_pipeline_is_deterministic() {
    let (store, _dir) = demo_store().await;
    let job = job_titled(&store, "Principal Engineer, Reliability").await;
    let first = run_job(&store, &job, "auto").await;
    let second = run_job(&store, &job, "auto").await;
    for (a, b) in first.layers.iter().zip(&second.layers) {
        assert_eq!(a.output, b.output, "layer {} differs between runs", a.name);
    }
}

#[tokio::test]
async fn tier_d_skips_the_generation_layers() {
    let (store, _dir) = demo_store().await;
    let job = job_titled(&store, "Backend Developer (Node.js)").await;
    let run = run_job(&store, &job, "D").await;
    assert_eq!(output(&run, "fit_score")["tier"], "D");
    for layer in ["people_mapper", "outreach", "cover_letter", "cv_generation"] {
        assert_eq!(output(&run, layer)["skipped"], true, "{layer}");
    }
    let run = run_job(&store, &job, "A").await;
    assert_eq!(output(&run, "people_mapper")["primary"].as_array().unwrap().len(), 2);
    assert_eq!(
        output(&run, "people_mapper")["secondary"].as_array().unwrap().len(),
        3,
        "tier A: five contacts"
    );
    assert!(output(&run, "people_mapper")["primary"][0]["synthetic"].as_bool().unwrap());
}

#[tokio::test]
async fn grounding_rejects_invented_numbers_and_missing_sources() {
    let (store, _dir) = demo_store().await;
    let profile = store.get_profile().await.unwrap().unwrap();
    let stars = store.list_stars().await.unwrap();
    let line = |text: &str, source: &str| app::outputs::CvLine {
        also: Vec::new(),
        transform: None,
        section: "experience".into(),
        text: text.into(),
        source: source.parse().unwrap(),
    };
    let honest = line(
        &profile.resume.work()[0].highlights.as_ref().unwrap()[0],
        "master_cv:work[0].highlights[0]",
    );
    assert!(
        grounding_violations(std::slice::from_ref(&honest), &profile.resume, &stars).is_empty()
    );
    let inflated = line(&honest.text.replace("35 ms", "5 ms"), &honest.source.to_string());
    assert_eq!(grounding_violations(&[inflated], &profile.resume, &stars).len(), 1);
    let invented = line("Led a team of 40 at Globex", "master_cv:work[9].highlights[0]");
    assert!(
        grounding_violations(&[invented], &profile.resume, &stars)[0].contains("does not exist")
    );
    let star =
        line("Zero unreconciled postings during and after cut-over", "star:demo-star-ledger");
    assert!(grounding_violations(&[star], &profile.resume, &stars).is_empty());
}

#[tokio::test]
async fn every_document_sentence_has_its_sources_and_the_chain_links_needs_to_lines() {
    use app::chain::{Chain, DocPart, Grounding, Transform};
    let (store, _dir) = demo_store().await;
    let job = job_titled(&store, "Staff Engineer, Payments Platform").await;
    let run = run_job(&store, &job, "A").await;
    let chain = Chain::of(&app::outputs::RunOutputs::of(&run.layers));
    let parts: std::collections::BTreeSet<DocPart> = chain.lines.iter().map(|l| l.part).collect();
    assert_eq!(parts.len(), DocPart::ALL.len(), "every document is in the chain: {parts:?}");
    for line in &chain.lines {
        // A sentence resting on nothing is the writer's fixed wording, nothing more.
        assert_eq!(line.sources.is_empty(), line.transform == Transform::Template, "{line:?}");
        for g in &line.sources {
            if let Grounding::Posting { quote } = g {
                assert!(job.description.contains(quote.as_str()), "{quote}");
            }
        }
    }
    // The ledger requirement met by the ledger STAR record is served by a CV line resting on
    // that record and by a sentence of the letter, and those lines name it.
    let ledgers = chain
        .needs
        .iter()
        .find(|n| n.quote == "Deep experience with double-entry ledgers or payment systems")
        .expect("the ledger requirement");
    let star = app::resume::Source::Star("demo-star-ledger".into());
    assert!(ledgers.records.contains(&star), "{ledgers:?}");
    let serving: Vec<&app::chain::ChainLine> =
        chain.lines.iter().filter(|l| ledgers.lines.contains(&l.id)).collect();
    assert!(serving.iter().all(|l| l.answers.contains(&ledgers.id)));
    for part in [DocPart::Cv, DocPart::CoverLetter] {
        assert!(serving.iter().any(|l| l.part == part), "no {part} line serves {ledgers:?}");
    }
    // A letter sentence citing a STAR result names that record.
    let letter: Vec<_> = chain.lines.iter().filter(|l| l.part == DocPart::CoverLetter).collect();
    assert!(letter.iter().any(|l| {
        l.sources
            .iter()
            .any(|g| matches!(g, Grounding::Record { source: app::resume::Source::Star(_) }))
    }));
    // The greeting is a template; the posting's need is quoted from the posting.
    assert_eq!(letter[0].transform, Transform::Template, "{:?}", letter[0]);
    assert!(
        letter.iter().any(|l| l.sources.iter().any(|g| matches!(g, Grounding::Posting { .. })))
    );
}
