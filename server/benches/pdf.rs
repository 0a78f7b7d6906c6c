//! PDF render times with real Chromium: the same CV printed warm through the renderer (median
//! and p95 over `BENCH_RENDERS`, default 50), the floor (a bare CDP `Page.printToPDF` on a warm
//! page that already holds the content), a cold start (fresh Chromium, first render), and eight
//! renders at once; and the parse-back check each export runs, with its share of a warm
//! render. `cargo bench -p server --bench pdf`.

use chromiumoxide::cdp::browser_protocol::page::PrintToPdfParams;
use chromiumoxide::{Browser, BrowserConfig};
use futures_util::StreamExt;
use server::cv::master_cv_lines;
use server::pdf::{PdfSettings, Renderer};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn chromium() -> std::path::PathBuf {
    std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into()).into()
}

fn renderer() -> Renderer {
    Renderer::new(PdfSettings {
        chromium_path: chromium(),
        max_concurrency: 4,
        queue_limit: 16,
        timeout: Duration::from_secs(60),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Prints the median and p95 of the samples and returns the median.
fn report(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let at =
        |p: f64| samples[((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
    println!(
        "{name:<44} n={:<3} median {:>7.1} ms   p95 {:>7.1} ms",
        samples.len(),
        ms(at(0.5)),
        ms(at(0.95))
    );
    at(0.5)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_RENDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let resume: app::resume::Resume =
        serde_json::from_str(include_str!("../demo/resume.json")).unwrap();
    // The demo master CV with its experience repeated: two A4 pages.
    let mut lines = master_cv_lines(&resume);
    let experience: Vec<_> = lines.iter().filter(|l| l.section == "experience").cloned().collect();
    let at = lines.iter().rposition(|l| l.section == "experience").map_or(lines.len(), |i| i + 1);
    lines.splice(at..at, experience);
    let doc = server::cv::document_from_lines(&lines, &resume, &[]);
    let html = server::pdf::print::page(&doc, "Bench CV");

    // Warm renderer: launch once, then the same CV n times.
    let r = renderer();
    let first = r.render(&html).await.unwrap();
    let pdf_path = std::env::temp_dir().join("jobintel-bench-cv.pdf");
    std::fs::write(&pdf_path, &first).unwrap();
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf_path)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let pages =
        info.lines().find_map(|l| l.strip_prefix("Pages:")).map_or("?", str::trim).to_string();
    println!(
        "CV: {} bytes of HTML, {} bytes of PDF, {pages} A4 page(s) (pdfinfo)",
        html.len(),
        first.len()
    );
    let mut warm = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        r.render(&html).await.unwrap();
        warm.push(t.elapsed());
    }
    let warm = report("warm render (renderer, sequential)", warm);

    // The parse-back check every export runs: pdftotext -raw on the PDF, then the comparison.
    let printed = app::cv::print::printed_lines(&doc);
    assert!(server::pdf::parse_back::check(&first, printed.clone()).await.passed());
    let mut checks = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        server::pdf::parse_back::check(&first, printed.clone()).await;
        checks.push(t.elapsed());
    }
    let check = report("parse-back check (pdftotext -raw + compare)", checks);
    println!(
        "parse-back share of a warm render + check: {:.1} % (goal: under 30 %)",
        100.0 * check.as_secs_f64() / (warm + check).as_secs_f64()
    );

    // Floor: bare printToPDF on one warm page that already holds the CV.
    let profile = std::env::temp_dir().join(format!("jobintel-bench-{}", std::process::id()));
    let config = BrowserConfig::builder()
        .chrome_executable(chromium())
        .new_headless_mode()
        .no_sandbox()
        .user_data_dir(&profile)
        .args([
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
        ])
        .build()
        .unwrap();
    let (mut browser, mut handler) = Browser::launch(config).await.unwrap();
    let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
    let page = browser.new_page("about:blank").await.unwrap();
    page.set_content(&html).await.unwrap();
    page.evaluate("document.fonts.ready.then(() => 1)").await.unwrap();
    let params = || {
        PrintToPdfParams::builder()
            .paper_width(8.27)
            .paper_height(11.69)
            .print_background(true)
            .build()
    };
    let mut floor = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        page.pdf(params()).await.unwrap();
        floor.push(t.elapsed());
    }
    let floor = report("floor: printToPDF only (content already loaded)", floor);
    let mut load_and_print = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        page.set_content(&html).await.unwrap();
        page.evaluate("document.fonts.ready.then(() => 1)").await.unwrap();
        page.pdf(params()).await.unwrap();
        load_and_print.push(t.elapsed());
    }
    report("floor: set content + printToPDF, warm page", load_and_print);
    let _ = browser.kill().await;
    events.abort();
    let _ = std::fs::remove_dir_all(&profile);

    // Cold: a fresh Chromium for each first render.
    let mut cold = Vec::new();
    for _ in 0..5 {
        let fresh = renderer();
        let t = Instant::now();
        fresh.render(&html).await.unwrap();
        cold.push(t.elapsed());
        fresh.restart().await;
    }
    let cold = report("cold: launch Chromium + first render", cold);
    println!(
        "warm / floor = {:.2}x (goal <= 1.3x); launch-per-render / warm = {:.1}x (goal >= 10x)",
        ms(warm) / ms(floor),
        ms(cold) / ms(warm)
    );

    // Throughput with 4 and 8 renders at once on the warm renderer (PDF_MAX_CONCURRENCY=4:
    // with 8, four wait), five rounds each.
    let r = Arc::new(r);
    for at_once in [4, 8] {
        let t = Instant::now();
        for _ in 0..5 {
            let all = (0..at_once).map(|_| {
                let (r, html) = (r.clone(), html.clone());
                tokio::spawn(async move { r.render(&html).await.unwrap() })
            });
            futures_util::future::join_all(all).await;
        }
        let total = t.elapsed();
        let pdfs = 5 * at_once;
        println!(
            "{:<44} {pdfs} PDFs in {:>7.1} ms: {:>5.1} PDFs/s, {:>6.1} ms per PDF",
            format!("{at_once} concurrent renders (x5 rounds)"),
            ms(total),
            pdfs as f64 / total.as_secs_f64(),
            ms(total) / pdfs as f64
        );
    }
    r.restart().await;
}
