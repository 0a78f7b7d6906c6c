//! The PDF renderer with real Chromium, checked with poppler's pdftotext / pdffonts / pdfinfo:
//! content in order, pagination without split entries, embedded bundled fonts, non-ASCII names,
//! a sandbox that fetches nothing, timeouts, concurrency, and recovery after Chromium dies.

mod support;

use server::error::ServiceError;

use app::cv::{CvBullet, CvDocument, CvHeader, CvItem, CvSection, Paper, SectionKind};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use server::pdf::print::page;
use server::pdf::{PdfError, PdfSettings, Renderer};
use server::store::SharedStore;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tower::ServiceExt;

fn chromium() -> std::path::PathBuf {
    std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into()).into()
}

fn renderer(max: usize, queue: usize, timeout: Duration) -> Renderer {
    Renderer::new(PdfSettings {
        chromium_path: chromium(),
        max_concurrency: max,
        queue_limit: queue,
        timeout,
    })
}

/// Runs a poppler tool on the PDF and returns its output.
fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut cmd = Command::new(tool);
    cmd.args(args).arg(&path);
    if tool == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{tool} (poppler-utils): {e}"));
    assert!(out.status.success(), "{tool}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One field of `pdfinfo`, e.g. `Title` or `Page size`.
fn info(pdf: &[u8], field: &str) -> String {
    let out = poppler("pdfinfo", pdf, &[]);
    let prefix = format!("{field}:");
    out.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

fn pages(pdf: &[u8]) -> usize {
    info(pdf, "Pages").parse().unwrap()
}

fn bullet(text: String) -> CvBullet {
    CvBullet { text, provenance: None }
}

fn long_cv(entries: usize) -> CvDocument {
    let items = (0..entries)
        .map(|i| CvItem {
            title: format!("Role number {i}"),
            subtitle: format!("Employer {i}"),
            dates: "2019-01 – 2021-06".into(),
            bullets: (0..4)
                .map(|j| bullet(format!("Entry {i} bullet {j}: led a migration that kept every service online while the team moved three hundred endpoints to the new platform.")))
                .collect(),
            ..Default::default()
        })
        .collect();
    CvDocument {
        header: CvHeader { name: "Ada Lovelace".into(), ..Default::default() },
        sections: vec![CvSection {
            kind: SectionKind::Experience,
            title: "Experience".into(),
            items,
        }],
        ..Default::default()
    }
}

/// The demo data in a fresh SQLite store, offline providers and an admin, for the tests that
/// run the pipeline and call the API.
struct Demo {
    services: Arc<server::services::Services>,
    store: SharedStore,
    user: app::model::UserInfo,
    dir: tempfile::TempDir,
}

impl Demo {
    async fn new() -> Demo {
        let (sqlite, dir) = support::sqlite_store().await;
        let store: SharedStore = Arc::new(sqlite);
        let config = server::config::Config::from_lookup(|_| None).unwrap();
        let providers = server::providers::Providers::offline(store.clone());
        let (services, user) = support::demo_with_admin(config, store.clone(), providers).await;
        Demo { services, store, user, dir }
    }

    /// One run of the job, at tier A, to its end.
    async fn run(&self, job_id: &str) -> app::model::PipelineRun {
        let run =
            self.services.enqueue_run(&self.user, job_id, app::model::TierChoice::A).await.unwrap();
        let runner = server::pipeline::Runner::new(
            self.store.clone(),
            self.services.layers(),
            server::pipeline::RunnerSettings::new(1, Duration::from_secs(60)),
        );
        assert!(runner.step().await.unwrap());
        run
    }

    /// The HTTP router, and a JSON POST to it as the admin.
    async fn api(&self) -> (axum::Router, impl Fn(String, Value) -> Request<Body>) {
        let token =
            self.services.issue_token("admin", chrono::Duration::hours(1), "test").await.unwrap().0;
        let leptos = leptos::prelude::LeptosOptions::builder()
            .output_name("jobintel")
            .site_root(self.dir.path().to_string_lossy().to_string())
            .build();
        let router = server::http::router(self.services.clone(), leptos);
        let post = move |uri: String, body: Value| {
            Request::builder()
                .method("POST")
                .uri(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        (router, post)
    }
}

fn html(doc: &CvDocument) -> String {
    page(doc, "Long CV")
}

#[tokio::test]
async fn a_long_cv_paginates_on_a4_without_splitting_a_line_and_embeds_the_fonts() {
    let r = renderer(2, 4, Duration::from_secs(30));
    let pdf = r.render(&html(&long_cv(24))).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let n = pages(&pdf);
    assert!(n >= 3, "24 entries span several pages, got {n}");
    assert_eq!(info(&pdf, "Title"), "Long CV");
    assert!(info(&pdf, "Page size").ends_with("(A4)"), "A4: {}", info(&pdf, "Page size"));
    // Every bullet is whole on exactly one page: nothing is split across a page break.
    let per_page: Vec<String> = (1..=n)
        .map(|p| squash(&poppler("pdftotext", &pdf, &["-f", &p.to_string(), "-l", &p.to_string()])))
        .collect();
    for i in 0..24 {
        for j in 0..4 {
            let bullet = format!(
                "Entry {i} bullet {j}: led a migration that kept every service online while the team moved three hundred endpoints to the new platform."
            );
            let found = per_page.iter().filter(|t| t.contains(&bullet)).count();
            assert_eq!(found, 1, "bullet {i}.{j} is whole on one page");
        }
    }
    let fonts = poppler("pdffonts", &pdf, &[]);
    assert!(fonts.contains("Inter"), "{fonts}");
    assert!(fonts.lines().skip(2).all(|l| l.contains(" yes ")), "every font embedded: {fonts}");
    let mut short = long_cv(1);
    short.settings.paper = Paper::Letter;
    let letter = r.render(&html(&short)).await.unwrap();
    assert!(info(&letter, "Page size").ends_with("(letter)"), "{}", info(&letter, "Page size"));
}

#[tokio::test]
async fn a_warm_page_prints_the_next_document_exactly_as_a_fresh_one() {
    let r = renderer(1, 2, Duration::from_secs(30));
    let mut alpha = long_cv(1);
    alpha.header.name = "Alpha Person".into();
    let mut beta = long_cv(1);
    beta.header.name = "Beta Persön".into();
    beta.settings.paper = Paper::Letter;
    beta.settings.font = app::cv::Font::SourceSerif;
    beta.settings.page_numbers = false;
    let mut pdfs = Vec::new();
    for (doc, title) in [(&alpha, "Alpha CV"), (&beta, "Beta CV"), (&alpha, "Alpha again")] {
        pdfs.push(r.render(&page(doc, title)).await.unwrap());
        // Let the page go back to the pool before the next render takes one.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(r.warm_renders(), 2, "the second and third renders reused the warm page");
    let text = |pdf: &[u8]| squash(&poppler("pdftotext", pdf, &[]));
    assert!(text(&pdfs[1]).starts_with("Beta Persön") && !text(&pdfs[1]).contains("Alpha"));
    assert_eq!(info(&pdfs[1], "Title"), "Beta CV");
    assert!(info(&pdfs[1], "Page size").ends_with("(letter)"), "{}", info(&pdfs[1], "Page size"));
    let fonts = poppler("pdffonts", &pdfs[1], &[]);
    assert!(fonts.contains("SourceSerif") && !fonts.contains("Inter"), "{fonts}");
    let numbered = |pdf: &[u8]| text(pdf).replace(' ', "").ends_with("1/1");
    assert!(!numbered(&pdfs[1]), "page numbers off");
    assert_eq!(info(&pdfs[2], "Title"), "Alpha again");
    assert!(info(&pdfs[2], "Page size").ends_with("(A4)"));
    assert!(poppler("pdffonts", &pdfs[2], &[]).contains("Inter"));
    assert!(numbered(&pdfs[2]), "page numbers on: {}", text(&pdfs[2]));
    assert_eq!(text(&pdfs[0]), text(&pdfs[2]), "the same document prints the same text");
}

#[tokio::test]
async fn hostile_text_renders_inert_and_the_page_fetches_nothing() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "gotcha" }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let hostile = [
        "<script>document.title='pwned'</script>".to_string(),
        format!("<img src=\"http://127.0.0.1:{port}/img.png\">"),
        "<iframe src=\"file:///etc/passwd\"></iframe>".to_string(),
        format!("<style>@import url(http://127.0.0.1:{port}/x.css);</style>"),
        format!("<link rel=stylesheet href=\"http://127.0.0.1:{port}/y.css\">"),
    ];
    let doc = CvDocument {
        header: CvHeader { name: hostile[0].clone(), ..Default::default() },
        sections: vec![CvSection {
            kind: SectionKind::Experience,
            title: "Experience".into(),
            items: vec![CvItem {
                title: hostile[1].clone(),
                text: hostile[3].clone(),
                bullets: hostile.iter().cloned().map(bullet).collect(),
                ..Default::default()
            }],
        }],
        ..Default::default()
    };
    let r = renderer(1, 2, Duration::from_secs(30));
    // Once on a fresh page (the document is loaded) and once on the warm one (swapped in).
    let fresh = r.render(&page(&doc, "Hostile")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pdf = r.render(&page(&doc, "Hostile")).await.unwrap();
    assert_eq!(r.warm_renders(), 1);
    assert_eq!(
        squash(&poppler("pdftotext", &fresh, &[])),
        squash(&poppler("pdftotext", &pdf, &[]))
    );
    let text = squash(&poppler("pdftotext", &pdf, &[]));
    for h in &hostile {
        assert!(text.contains(&squash(h)), "shown as text: {h}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the local listener saw no request");
    assert_eq!(info(&pdf, "Title"), "Hostile", "no script ran");
}

#[tokio::test]
async fn a_render_past_its_timeout_fails_and_eight_at_once_all_succeed() {
    let slow = renderer(1, 1, Duration::from_millis(1));
    assert!(matches!(slow.render(&html(&long_cv(2))).await, Err(PdfError::Timeout(_))));
    assert_eq!(
        ServiceError::from(PdfError::Timeout(30)).handled().status(),
        StatusCode::GATEWAY_TIMEOUT
    );
    let busy = ServiceError::from(PdfError::Busy).handled();
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        axum::response::IntoResponse::into_response(busy).headers()[header::RETRY_AFTER],
        "5"
    );

    let r = Arc::new(renderer(4, 8, Duration::from_secs(60)));
    let renders = (0..8).map(|i| {
        let r = r.clone();
        tokio::spawn(async move { r.render(&html(&long_cv(i + 1))).await })
    });
    for done in futures_util::future::join_all(renders).await {
        assert!(done.unwrap().unwrap().starts_with(b"%PDF-"));
    }
    assert_eq!(r.launches(), 1, "one warm Chromium served them all");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let open = r.open_pages().await;
    // The pool (at most PDF_MAX_CONCURRENCY pages) and the tab Chromium starts with.
    assert!((1..=5).contains(&open), "only the pool stays open, got {open} pages");
}

#[tokio::test]
async fn a_full_queue_answers_busy() {
    let r = Arc::new(renderer(1, 0, Duration::from_secs(60)));
    let html = html(&long_cv(30));
    let renders = (0..3).map(|_| {
        let (r, html) = (r.clone(), html.clone());
        tokio::spawn(async move { r.render(&html).await })
    });
    let results: Vec<_> =
        futures_util::future::join_all(renders).await.into_iter().map(|r| r.unwrap()).collect();
    assert!(results.iter().any(|r| r.is_ok()));
    assert!(results.iter().any(|r| matches!(r, Err(PdfError::Busy))), "beyond the queue: busy");
}

#[tokio::test]
async fn killing_chromium_mid_render_is_survived_and_the_next_render_succeeds() {
    let r = Arc::new(renderer(2, 4, Duration::from_secs(60)));
    let html = html(&long_cv(40));
    r.render(&html).await.unwrap();
    let pid = r.chromium_pid().expect("Chromium runs");
    let during = {
        let (r, html) = (r.clone(), html.clone());
        tokio::spawn(async move { r.render(&html).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    // Retried on a relaunched browser, or failed cleanly; never a hang or a panic.
    match during.await.unwrap() {
        Ok(pdf) => assert!(pdf.starts_with(b"%PDF-")),
        Err(e) => assert!(matches!(e, PdfError::Unavailable(_)), "{e:?}"),
    }
    let after = r.render(&html).await.unwrap();
    assert!(after.starts_with(b"%PDF-"));
    assert!(r.launches() >= 2, "Chromium was relaunched");
    assert_ne!(r.chromium_pid(), Some(pid));
    assert_eq!(r.status().0, app::model::HealthStatus::Healthy);
}

#[tokio::test]
async fn a_chromium_that_stops_answering_times_out_and_is_replaced() {
    let r = renderer(1, 2, Duration::from_secs(3));
    let html = html(&long_cv(2));
    r.render(&html).await.unwrap();
    let pid = r.chromium_pid().expect("Chromium runs");
    // Frozen, not dead: the process is there but answers nothing.
    Command::new("kill").args(["-STOP", &pid.to_string()]).status().unwrap();
    let frozen = r.render(&html).await;
    assert!(matches!(frozen, Err(PdfError::Timeout(_))), "{frozen:?}");
    // The probe notices within a few seconds and drops it; the next render relaunches.
    let mut replaced = false;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if r.chromium_pid() != Some(pid) {
            replaced = true;
            break;
        }
    }
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    assert!(replaced, "the frozen Chromium was dropped");
    assert!(r.render(&html).await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(r.launches(), 2, "a fresh Chromium served the next render");
    assert_ne!(r.chromium_pid(), Some(pid));
    assert_eq!(r.status().0, app::model::HealthStatus::Healthy);
}

#[tokio::test]
async fn the_cv_endpoint_names_the_file_and_keeps_non_ascii_text() {
    let demo = Demo::new().await;
    let (services, store) = (&demo.services, &demo.store);
    let mut profile = services.profile().await.unwrap();
    profile.resume.basics.name = Some("Zoë Åström-Øster".into());
    store.put_profile(&profile).await.unwrap();
    let mut job = store.list_jobs(&Default::default()).await.unwrap().items.remove(0);
    job.company = "Café Zürich".into();
    job.title = "Développeuse Rust".into();
    store.replace_job(&job).await.unwrap();
    let run = demo.run(&job.id).await;
    assert!(
        store
            .get_run(&run.id)
            .await
            .unwrap()
            .unwrap()
            .layers
            .iter()
            .any(|l| l.name == app::model::LayerName::CvGeneration)
    );

    let (router, post) = demo.api().await;
    let res = router
        .clone()
        .oneshot(post(format!("/api/jobs/{}/cv-editor/pdf", job.id), json!({"paper": "A4"})))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
    // Its text was read back: every line of the CV, in order, non-ASCII names included.
    let parse_back = res.headers()["x-parse-back"].to_str().unwrap().to_string();
    assert!(parse_back.starts_with("ok; lines="), "{parse_back}");
    let lines: usize = parse_back["ok; lines=".len()..].parse().unwrap();
    assert!(lines > 15, "the whole CV is checked: {lines}");
    let disposition = res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"CV_Caf__Z_rich_D_veloppeuse_Rust.pdf\""),
        "{disposition}"
    );
    assert!(
        disposition
            .contains("filename*=UTF-8''CV_Caf%C3%A9_Z%C3%BCrich_D%C3%A9veloppeuse_Rust.pdf"),
        "{disposition}"
    );
    let pdf = axum::body::to_bytes(res.into_body(), 20 << 20).await.unwrap();
    let text = squash(&poppler("pdftotext", &pdf, &[]));
    assert!(text.starts_with("Zoë Åström-Øster"), "{text}");
    let experience =
        text.find("EXPERIENCE").or_else(|| text.find("Experience")).expect("an experience section");
    assert!(
        text.find("SKILLS").or_else(|| text.find("Skills")).unwrap() > experience,
        "sections in order"
    );
    assert!(info(&pdf, "Title").contains("Café Zürich"), "title metadata keeps the name");
    assert_eq!(info(&pdf, "Author"), "Zoë Åström-Øster", "the candidate is the author");
    assert_eq!(info(&pdf, "Creator"), "jobintel");

    let letter = router
        .clone()
        .oneshot(post(format!("/api/jobs/{}/cover-letter/pdf", job.id), json!({})))
        .await
        .unwrap();
    assert_eq!(letter.status(), StatusCode::OK);
    assert!(letter.headers()["x-parse-back"].to_str().unwrap().starts_with("ok; lines="));
    let letter = axum::body::to_bytes(letter.into_body(), 20 << 20).await.unwrap();
    assert!(squash(&poppler("pdftotext", &letter, &[])).contains("Dear Café Zürich hiring team"));
    let check = router
        .clone()
        .oneshot(post(format!("/api/jobs/{}/cv-editor/pdf-check", job.id), json!({})))
        .await
        .unwrap();
    assert_eq!(check.status(), StatusCode::OK);
    let report: app::cv::ParseBack =
        serde_json::from_slice(&axum::body::to_bytes(check.into_body(), 1 << 20).await.unwrap())
            .unwrap();
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.lines, lines, "the check endpoint checks what the export prints");
    let bad = router
        .clone()
        .oneshot(post(format!("/api/jobs/{}/cv-editor/pdf", job.id), json!({"paper": "A3"})))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let missing =
        router.oneshot(post("/api/jobs/nope/cv-editor/pdf".into(), json!({}))).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_flood_of_pdf_requests_from_one_user_gets_429_while_another_user_is_served() {
    let mut config = server::config::Config::from_lookup(|_| None).unwrap();
    config.rate_limits.pdf_per_minute = 3;
    let (services, _dir) = support::web::services(config).await;
    services.seed_demo(false).await.unwrap();
    for (name, role) in [("flooder", app::model::Role::Admin), ("other", app::model::Role::Viewer)]
    {
        services
            .create_user(server::services::Actor::Operator, name, role, "a-long-password".into())
            .await
            .unwrap();
    }
    let token = |name: &'static str| {
        let services = services.clone();
        async move { services.issue_token(name, chrono::Duration::hours(1), "t").await.unwrap().0 }
    };
    let (flooder, other) = (token("flooder").await, token("other").await);
    let leptos = leptos::prelude::LeptosOptions::builder().output_name("jobintel").build();
    let router = server::http::router(services.clone(), leptos);
    let render = |token: String| {
        let router = router.clone();
        async move {
            let req = Request::builder()
                .method("POST")
                .uri("/api/profile/cv/pdf")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            router.oneshot(req).await.unwrap()
        }
    };
    let flood = futures_util::future::join_all((0..8).map(|_| render(flooder.clone()))).await;
    let statuses: Vec<StatusCode> = flood.iter().map(|r| r.status()).collect();
    let served = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let limited: Vec<_> =
        flood.iter().filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS).collect();
    assert_eq!((served, limited.len()), (3, 5), "{statuses:?}");
    let wait: u64 = limited[0].headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    let res = render(other).await;
    assert_eq!(res.status(), StatusCode::OK, "another user is not held up");
    let pdf = axum::body::to_bytes(res.into_body(), 20 << 20).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    services.pdf.restart().await;
}

/// The parse-back check against a real print: the document's own lines pass; a fixture whose
/// expected lines include one the PDF lacks, or list two out of order, fails and names them.
#[tokio::test]
async fn the_parse_back_check_passes_on_a_real_print_and_names_a_missing_line() {
    let r = renderer(1, 2, Duration::from_secs(30));
    let mut doc = long_cv(2);
    doc.header.name = "Zoë Åström-Øster".into();
    doc.sections[0].items[0].bullets.push(bullet("Cut costs — by a third – in 2024…".into()));
    let pdf = r.render(&html(&doc)).await.unwrap();
    let printed = app::cv::print::printed_lines(&doc);
    let report = server::pdf::parse_back::check(&pdf, printed.clone()).await;
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.lines, printed.len());

    let mut expected = printed.clone();
    expected.insert(3, "Kept the ledger online through the migration".into());
    expected.swap(1, 2);
    let report = server::pdf::parse_back::check(&pdf, expected.clone()).await;
    assert!(!report.passed());
    assert_eq!(report.missing, ["Kept the ledger online through the migration"]);
    assert_eq!(report.out_of_order, [expected[2].clone()], "{report:?}");
}

#[tokio::test]
async fn an_over_budget_cv_fits_its_budget_by_cutting_the_least_relevant_bullets() {
    use app::cv::fit::FitRequest;
    let demo = Demo::new().await;
    let (services, store) = (&demo.services, &demo.store);
    let jobs =
        store.list_jobs(&app::model::JobQuery { limit: 50, ..Default::default() }).await.unwrap();
    let job =
        jobs.items.into_iter().find(|j| j.title == "Staff Engineer, Payments Platform").unwrap();
    demo.run(&job.id).await;

    // The pipeline's draft, made long with copies of a highlight the posting does not ask for,
    // and small type the fit must not keep.
    let mut doc = services.cv_document(&job.id).await.unwrap();
    let filler = doc
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .flat_map(|i| &i.bullets)
        .find(|b| b.text.starts_with("Added contract tests"))
        .expect("the demo's contract-tests highlight")
        .clone();
    let last = doc.sections.iter_mut().find(|s| s.kind == SectionKind::Experience).unwrap();
    let item = last.items.last_mut().unwrap();
    item.bullets.extend(std::iter::repeat_n(filler.clone(), 24));
    doc.settings.page_budget = 1;
    doc.settings.font_size_pt = 8.5;
    let request = FitRequest { document: Some(doc.clone()), pages: None };
    let fit = services.fit_cv(&job.id, request).await.unwrap();
    assert!(fit.pages_before >= 2, "over budget to begin with: {}", fit.pages_before);
    assert!(fit.fits && fit.pages_after <= 1, "{} pages", fit.pages_after);
    assert!(!fit.cut.is_empty());
    assert_eq!(fit.document.settings.font_size_pt, app::cv::fit::MIN_FONT_PT, "type floor");
    // What the fit says it prints, it prints.
    let title = format!("CV — {} — {}", job.title, job.company);
    let printed = services.pdf.render(&page(&fit.document, &title)).await.unwrap();
    assert_eq!(pages(&printed), fit.pages_after as usize);
    // The filler went first; the bullet the ledger's must-haves rest on stayed; every bullet
    // kept is at least as relevant as every bullet cut.
    assert!(fit.cut.iter().take(24).all(|c| c.line.text == filler.text), "{:?}", fit.cut);
    let kept: Vec<&CvBullet> =
        fit.document.sections.iter().flat_map(|s| &s.items).flat_map(|i| &i.bullets).collect();
    assert!(kept.iter().any(|b| {
        b.provenance.as_ref().is_some_and(|p| p.source.to_string() == "star:demo-star-ledger")
            || b.text.starts_with("Led the rewrite of the double-entry ledger")
    }));
    let highest_cut = fit.cut.iter().map(|c| c.relevance).fold(f64::MIN, f64::max);
    let run = store
        .list_runs(&app::model::RunQuery { job_id: Some(job.id.clone()), ..Default::default() })
        .await
        .unwrap();
    let outputs = app::outputs::RunOutputs::of(&run[0].layers);
    let cv =
        outputs.find::<app::outputs::OrSkipped<app::outputs::Cv>>().and_then(|c| c.done()).unwrap();
    let fit_output: app::outputs::Fit = outputs.get().unwrap();
    let relevance = server::page_fit::Relevance::new(
        Some(&fit_output.ledger),
        outputs.find().as_ref(),
        &cv.keyword_coverage.keywords,
    );
    assert!(kept.iter().all(|b| relevance.of(b) >= highest_cut), "kept ≥ {highest_cut}");
    // The fewest cuts: with the last one put back, the CV runs over again.
    let mut one_less = fit.document.clone();
    let last_cut = fit.cut.last().unwrap();
    app::cv::fit::restore(&mut one_less, last_cut, std::slice::from_ref(last_cut));
    let printed = services.pdf.render(&page(&one_less, &title)).await.unwrap();
    assert!(pages(&printed) > 1, "one cut fewer would not fit");
    // Put back in any order, the cuts give the document sent (type floors aside).
    let mut restored = fit.document.clone();
    for (k, c) in fit.cut.iter().enumerate().rev() {
        app::cv::fit::restore(&mut restored, c, &fit.cut[..=k]);
    }
    let mut floored = doc.clone();
    floored.settings = doc.settings.with_floors();
    assert_eq!(restored.sections, floored.sections);

    // The API: the same fit, and its errors.
    let (router, post) = demo.api().await;
    let uri = format!("/api/jobs/{}/cv-editor/fit", job.id);
    let res = router
        .clone()
        .oneshot(post(uri.clone(), json!({"document": doc, "pages": 1})))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value =
        serde_json::from_slice(&axum::body::to_bytes(res.into_body(), 20 << 20).await.unwrap())
            .unwrap();
    assert_eq!(body["cut"].as_array().unwrap().len(), fit.cut.len());
    let res = router.clone().oneshot(post(uri.clone(), json!({"pages": 0}))).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = router.clone().oneshot(post(uri, json!({"pages": 1, "shrink": true}))).await.unwrap();
    assert!(res.status().is_client_error(), "unknown fields are refused: {}", res.status());
    let res = router.oneshot(post("/api/jobs/nope/cv-editor/fit".into(), json!({}))).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
