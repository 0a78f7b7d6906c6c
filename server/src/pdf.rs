//! The PDF renderer: one long-lived Chromium driven over CDP (chromiumoxide), launched on first
//! use and kept warm; a page per render; at most `max_concurrency` renders at once and a bounded
//! queue behind them; a timeout per render; a relaunch and one retry when Chromium dies. The
//! page printed is jobintel's own print view (see `print`): bundled fonts as `data:` URLs, a
//! Content-Security-Policy that forbids scripts and every fetch, and request interception that
//! fails any request the page still makes — so nothing from the network, no `file://` and no
//! other local port is ever read.

pub mod info;
pub mod parse_back;
pub mod print;

use app::model::HealthStatus;
use chromiumoxide::cdp::browser_protocol::fetch::{
    EnableParams as FetchEnable, EventRequestPaused, FailRequestParams, RequestPattern,
};
use chromiumoxide::cdp::browser_protocol::network::ErrorReason;
use chromiumoxide::cdp::browser_protocol::page::PrintToPdfParams;
use chromiumoxide::cdp::js_protocol::runtime::{CallArgument, CallFunctionOnParams};
use chromiumoxide::{Browser, BrowserConfig, Page};
use futures_util::StreamExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct PdfSettings {
    pub chromium_path: PathBuf,
    pub max_concurrency: usize,
    /// Renders allowed to wait for a slot; beyond them the answer is 503.
    pub queue_limit: usize,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF renderer is busy; retry in a few seconds")]
    Busy,
    #[error("the PDF took longer than {0} s to render")]
    Timeout(u64),
    #[error("the PDF renderer is unavailable: {0}")]
    Unavailable(String),
}

/// Why Chromium did not start.
#[derive(Debug, thiserror::Error)]
enum LaunchError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Browser(#[from] chromiumoxide::error::CdpError),
}

struct Chromium {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    profile: PathBuf,
    /// Idle pages: opened ahead of the renders that will use them, or warm from an earlier
    /// render (their bundled fonts already loaded).
    spares: Vec<SandboxedPage>,
    /// Which launch this is; a page from an earlier browser is never pooled again.
    generation: usize,
}

impl Chromium {
    /// False once the process has exited or the CDP connection has ended.
    fn alive(&mut self) -> bool {
        let exited =
            self.browser.get_mut_child().is_none_or(|c| !matches!(c.inner.try_wait(), Ok(None)));
        !exited && !self.handler.is_finished()
    }

    async fn shut(mut self) {
        self.spares.clear();
        let _ = self.browser.kill().await;
        self.handler.abort();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The renderer's state, shared with the background tasks that open spare pages.
struct Inner {
    settings: PdfSettings,
    slots: Semaphore,
    waiting: AtomicUsize,
    chromium: tokio::sync::Mutex<Option<Chromium>>,
    /// `not_started`, `healthy`, `degraded` (relaunching) or `unhealthy` (cannot start).
    /// `None` until Chromium was first started (or after a restart).
    status: Mutex<(Option<HealthStatus>, Option<String>)>,
    launches: AtomicUsize,
    /// Renders served by a warm pooled page (content swapped in place).
    warm_renders: AtomicUsize,
    /// The running Chromium's process id (0: none), readable without the browser's lock.
    pid: std::sync::atomic::AtomicU32,
    /// Whether the last launch ran Chromium in its own sandbox, and why not when it did not.
    sandbox: Mutex<Option<(bool, Option<String>)>>,
    /// The warning about running without the sandbox is logged once per process.
    warned_no_sandbox: std::sync::atomic::AtomicBool,
}

/// Why Chromium's own sandbox cannot work in this process, or `None` when it can. Chromium
/// refuses its sandbox as root; as another user, Debian's Chromium (which has no setuid helper)
/// needs the kernel to let unprivileged users create user namespaces.
pub fn sandbox_unavailable() -> Option<String> {
    if effective_uid() == Some(0) {
        return Some("running as root, where Chromium cannot use its sandbox".into());
    }
    let read = |path: &str| std::fs::read_to_string(path).ok().map(|s| s.trim().to_string());
    let forbidden = [
        ("/proc/sys/kernel/unprivileged_userns_clone", "0"),
        ("/proc/sys/user/max_user_namespaces", "0"),
        ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1"),
    ];
    forbidden.iter().find(|(path, value)| read(path).as_deref() == Some(*value)).map(
        |(path, value)| {
            format!("the kernel forbids unprivileged user namespaces ({path} = {value})")
        },
    )
}

/// The effective user id, from `/proc/self/status` (`Uid: real effective saved fs`).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Whether a process runs (and is not a zombie), from `/proc`.
fn process_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| !rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}

/// Flags that work as root without a display and keep Chromium off the network.
const FLAGS: [&str; 9] = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--mute-audio",
];

impl Inner {
    fn new(settings: PdfSettings) -> Self {
        let slots = Semaphore::new(settings.max_concurrency.max(1));
        Inner {
            settings,
            slots,
            waiting: AtomicUsize::new(0),
            chromium: tokio::sync::Mutex::new(None),
            status: Mutex::new((None, None)),
            launches: AtomicUsize::new(0),
            warm_renders: AtomicUsize::new(0),
            pid: std::sync::atomic::AtomicU32::new(0),
            sandbox: Mutex::new(None),
            warned_no_sandbox: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn sandbox(&self) -> Option<(bool, Option<String>)> {
        self.sandbox.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records how Chromium runs; running without the sandbox is a warning, logged once.
    fn set_sandbox(&self, on: bool, reason: Option<String>) {
        if !on && !self.warned_no_sandbox.swap(true, Ordering::SeqCst) {
            let reason = reason.as_deref().unwrap_or("unknown");
            tracing::warn!(reason, "Chromium runs without its sandbox (--no-sandbox)");
        }
        *self.sandbox.lock().unwrap_or_else(|e| e.into_inner()) = Some((on, reason));
    }

    fn set_status(&self, status: Option<HealthStatus>, detail: Option<String>) {
        *self.status.lock().unwrap_or_else(|e| e.into_inner()) = (status, detail);
    }

    /// For `/api/health`: healthy, degraded (relaunching) or unhealthy, and why. Before the
    /// first render Chromium is not running yet; it is healthy if it can be started.
    fn status(&self) -> (HealthStatus, Option<String>) {
        let (status, detail) = self.status.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(status) = status {
            return (status, detail);
        }
        if self.settings.chromium_path.is_file() {
            (HealthStatus::Healthy, None)
        } else {
            let missing =
                format!("no Chromium at {} (CHROMIUM_PATH)", self.settings.chromium_path.display());
            (HealthStatus::Unhealthy, Some(missing))
        }
    }

    /// How many times Chromium was launched (a relaunch after a crash counts).
    fn launches(&self) -> usize {
        self.launches.load(Ordering::SeqCst)
    }

    /// The Chromium process id, when it runs.
    fn chromium_pid(&self) -> Option<u32> {
        Some(self.pid.load(Ordering::SeqCst)).filter(|p| *p != 0)
    }

    async fn launch(&self) -> Result<Chromium, PdfError> {
        let n = self.launches.fetch_add(1, Ordering::SeqCst);
        let profile = std::env::temp_dir().join(format!(
            "jobintel-chromium-{}-{n}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let unavailable = sandbox_unavailable();
        let mut launched = self.start(&profile, unavailable.is_none()).await;
        let mut sandbox = (unavailable.is_none(), unavailable);
        if let (Err(e), true) = (&launched, sandbox.0) {
            // The checks passed but the sandbox still did not start (a seccomp or container
            // policy, say): fall back rather than leave the user without PDFs.
            let reason = format!("a sandboxed launch failed: {e}");
            launched = self.start(&profile, false).await;
            sandbox = (false, Some(reason));
        }
        let (browser, mut handler) = launched.map_err(|e| {
            let message =
                format!("cannot start Chromium at {}: {e}", self.settings.chromium_path.display());
            self.set_status(Some(HealthStatus::Unhealthy), Some(message.clone()));
            PdfError::Unavailable(message)
        })?;
        self.set_sandbox(sandbox.0, sandbox.1);
        // Chromium sends messages chromiumoxide cannot parse; they are harmless, so the loop
        // keeps going and only ends when the connection does.
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(e) = event {
                    tracing::debug!(error = %e, "chromium handler");
                }
            }
        });
        self.set_status(Some(HealthStatus::Healthy), None);
        let mut chromium =
            Chromium { browser, handler, profile, spares: Vec::new(), generation: n };
        let pid = chromium.browser.get_mut_child().and_then(|c| c.inner.id()).unwrap_or(0);
        self.pid.store(pid, Ordering::SeqCst);
        Ok(chromium)
    }

    /// Starts Chromium with a fresh profile, in its own sandbox or with `--no-sandbox`.
    async fn start(
        &self,
        profile: &std::path::Path,
        sandbox: bool,
    ) -> Result<(Browser, chromiumoxide::Handler), LaunchError> {
        let _ = std::fs::remove_dir_all(profile);
        let mut config = BrowserConfig::builder()
            .chrome_executable(&self.settings.chromium_path)
            .new_headless_mode()
            .user_data_dir(profile)
            .args(FLAGS)
            .launch_timeout(Duration::from_secs(20));
        if !sandbox {
            config = config.no_sandbox();
        }
        let config = config.build().map_err(LaunchError::Config)?;
        Browser::launch(config).await.map_err(LaunchError::Browser)
    }

    /// A fresh sandboxed page on the warm browser (launching it first if needed): the spare one
    /// opened during the previous render when there is one, so page set-up is off the path.
    async fn new_page(&self) -> Result<SandboxedPage, PdfError> {
        let mut guard = self.chromium.lock().await;
        if guard.as_mut().is_some_and(|c| !c.alive()) {
            tracing::warn!("Chromium is gone; launching a new one");
            if let Some(dead) = guard.take() {
                dead.shut().await;
            }
        }
        if guard.is_none() {
            *guard = Some(self.launch().await?);
        }
        let chromium = guard.as_mut().ok_or_else(|| PdfError::Unavailable("no browser".into()))?;
        match chromium.spares.pop() {
            Some(page) => Ok(page),
            None => SandboxedPage::open(&chromium.browser, chromium.generation).await,
        }
    }

    /// After a good render the page goes back to the pool, warm, until it has served
    /// `PAGE_RENDERS` renders; then it is closed and a fresh one opened in its place.
    async fn give_back(&self, page: SandboxedPage) {
        let mut guard = self.chromium.lock().await;
        let Some(chromium) = guard.as_mut() else { return };
        let fits = chromium.spares.len() < self.settings.max_concurrency.max(1);
        if page.generation == chromium.generation && page.renders < PAGE_RENDERS && fits {
            chromium.spares.push(page);
            return;
        }
        drop((guard, page));
        self.prepare_spare().await;
    }

    /// Opens a page for the next render while this one prints.
    async fn prepare_spare(&self) {
        let mut guard = self.chromium.lock().await;
        let Some(chromium) = guard.as_mut() else { return };
        if chromium.spares.len() >= self.settings.max_concurrency.max(1) {
            return;
        }
        match SandboxedPage::open(&chromium.browser, chromium.generation).await {
            Ok(page) => chromium.spares.push(page),
            Err(e) => tracing::debug!(error = %e, "could not open a spare page"),
        }
    }

    /// Drops the browser (after a crash, or on the admin's "restart PDF renderer"); the next
    /// render launches a fresh one.
    async fn restart(&self) {
        self.pid.store(0, Ordering::SeqCst);
        let old = self.chromium.lock().await.take();
        if let Some(c) = old {
            c.shut().await;
        }
        self.set_status(None, None);
    }

    /// Renders `html` (a complete print view) to PDF bytes.
    async fn render(self: &Arc<Self>, html: &str) -> Result<Vec<u8>, PdfError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst)
            >= self.settings.queue_limit + self.settings.max_concurrency
        {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(PdfError::Busy);
        }
        let _left = Leave(&self.waiting);
        let _slot =
            self.slots.acquire().await.map_err(|_| PdfError::Unavailable("closed".into()))?;
        let deadline = self.settings.timeout;
        let attempt = || async {
            match tokio::time::timeout(deadline, self.render_once(html)).await {
                Ok(result) => result,
                Err(_) => Err(PdfError::Timeout(deadline.as_secs().max(1))),
            }
        };
        match attempt().await {
            Err(PdfError::Unavailable(e)) => {
                // Chromium died or stopped answering: relaunch and retry once.
                tracing::warn!(error = %e, "PDF render failed; relaunching Chromium and retrying once");
                self.set_status(
                    Some(HealthStatus::Degraded),
                    Some(format!("relaunching after: {e}")),
                );
                self.restart().await;
                attempt().await
            }
            Err(PdfError::Timeout(n)) => {
                // Slow, or hung? A browser that does not answer a trivial call is replaced, so
                // the next render does not wait on it too.
                let inner = self.clone();
                tokio::spawn(async move { inner.replace_if_hung().await });
                Err(PdfError::Timeout(n))
            }
            other => other,
        }
    }

    /// Asks Chromium for its version; without an answer within two seconds it is relaunched.
    async fn replace_if_hung(&self) {
        let answered = tokio::time::timeout(Duration::from_secs(2), async {
            let guard = self.chromium.lock().await;
            match guard.as_ref() {
                Some(c) => c.browser.version().await.is_ok(),
                None => true,
            }
        })
        .await
        .unwrap_or(false);
        if !answered {
            tracing::warn!("Chromium stopped answering; relaunching it");
            self.set_status(
                Some(HealthStatus::Degraded),
                Some("relaunching: Chromium stopped answering".into()),
            );
            self.restart().await;
        }
    }

    async fn render_once(self: &Arc<Self>, html: &str) -> Result<Vec<u8>, PdfError> {
        // A dead browser never answers; notice it within a moment instead of at the timeout.
        let died = async {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let pid = self.pid.load(Ordering::SeqCst);
                if pid != 0 && !process_alive(pid) {
                    return PdfError::Unavailable("Chromium exited during the render".into());
                }
            }
        };
        let print = async {
            let mut page = self.new_page().await?;
            let result = page.print(html).await;
            if result.is_ok() && page.renders > 1 {
                self.warm_renders.fetch_add(1, Ordering::SeqCst);
            }
            // Pages go back to the pool off the render's path; a page whose render failed is
            // dropped (closed), never reused.
            if result.is_ok() {
                let pool = self.clone();
                tokio::spawn(async move { pool.give_back(page).await });
            }
            result
        };
        tokio::select! {
            printed = print => printed,
            dead = died => Err(dead),
        }
    }
}

pub struct Renderer {
    inner: Arc<Inner>,
}

impl Renderer {
    pub fn new(settings: PdfSettings) -> Self {
        Renderer { inner: Arc::new(Inner::new(settings)) }
    }

    /// Renders `html` (a complete print view) to PDF bytes.
    pub async fn render(&self, html: &str) -> Result<Vec<u8>, PdfError> {
        self.inner.render(html).await
    }

    /// For `/api/health`: healthy, degraded (relaunching) or unhealthy, and why.
    pub fn status(&self) -> (HealthStatus, Option<String>) {
        self.inner.status()
    }

    /// Whether the running Chromium uses its own sandbox (`None` before the first launch), and
    /// why not when it does not.
    pub fn sandbox(&self) -> Option<(bool, Option<String>)> {
        self.inner.sandbox()
    }

    /// Stops Chromium (the admin's "restart PDF renderer"); the next render launches a fresh one.
    pub async fn restart(&self) {
        self.inner.restart().await
    }

    /// How many times Chromium was launched (a relaunch after a crash counts).
    pub fn launches(&self) -> usize {
        self.inner.launches()
    }

    /// How many renders a warm pooled page served (its document swapped in place).
    pub fn warm_renders(&self) -> usize {
        self.inner.warm_renders.load(Ordering::SeqCst)
    }

    /// The pages (tabs) open in Chromium now: the pool, plus those rendering.
    pub async fn open_pages(&self) -> usize {
        let guard = self.inner.chromium.lock().await;
        match guard.as_ref() {
            Some(c) => c.browser.pages().await.map_or(0, |p| p.len()),
            None => 0,
        }
    }

    /// The Chromium process id, when it runs.
    pub fn chromium_pid(&self) -> Option<u32> {
        self.inner.chromium_pid()
    }
}

/// Decrements the queue count however the render ends.
struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A page whose every request is paused and failed (the print view needs none), with the task
/// that does the failing.
struct SandboxedPage {
    page: Page,
    blocker: tokio::task::JoinHandle<()>,
    generation: usize,
    /// Renders this page has printed; the first loads the document (and with it the CSP),
    /// later ones swap its content in place.
    renders: u32,
    /// A hash of the `@font-face` rules the page has loaded.
    faces: u64,
}

/// The print view's `<style id="faces">` content (the inlined fonts) and the page without it.
fn split_faces(html: &str) -> Option<(&str, String)> {
    const OPEN: &str = "<style id=\"faces\">";
    let start = html.find(OPEN)? + OPEN.len();
    let len = html[start..].find("</style>")?;
    Some((&html[start..start + len], format!("{}{}", &html[..start], &html[start + len..])))
}

fn hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// A page that is not pooled closes: after a failed render, when it retires, and when its
/// render is abandoned (a timeout drops it mid-print), so no tab is left behind.
impl Drop for SandboxedPage {
    fn drop(&mut self) {
        self.blocker.abort();
        let page = self.page.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = page.close().await;
            });
        }
    }
}

/// Renders one pooled page serves before it is replaced by a fresh one.
const PAGE_RENDERS: u32 = 100;

/// Replaces the page's document with the next print view without navigating; the first
/// document's Content-Security-Policy stays in force. With `keep`, the next view uses the
/// fonts the page has loaded (its faces were left out of `html`) and they stay; otherwise the
/// new faces are all loaded before it resolves.
const SWAP_DOCUMENT: &str = r#"(html, keep) => {
    const next = new DOMParser().parseFromString(html, "text/html");
    const loaded = document.getElementById("faces");
    keep = keep && loaded !== null;
    for (const el of [...document.head.children]) if (!(keep && el === loaded)) el.remove();
    for (const el of [...next.head.children]) {
        if (!(keep && el.id === "faces")) document.head.appendChild(document.adoptNode(el));
    }
    document.body.replaceWith(document.adoptNode(next.body));
    if (keep) return document.fonts.size;
    return Promise.all([...document.fonts].map((f) => f.load())).then(() => document.fonts.size);
}"#;

/// Loads every bundled face of the page (not only those its text uses yet), so a later
/// document swapped in finds them all ready.
const LOAD_FONTS: &str =
    "Promise.all([...document.fonts].map((f) => f.load())).then(() => document.fonts.size)";

impl SandboxedPage {
    /// Opens a page, or gives up after a few seconds (a dead browser never answers, and the
    /// browser's lock is held meanwhile).
    async fn open(browser: &Browser, generation: usize) -> Result<Self, PdfError> {
        match tokio::time::timeout(Duration::from_secs(5), Self::open_now(browser, generation))
            .await
        {
            Ok(opened) => opened,
            Err(_) => Err(PdfError::Unavailable("Chromium did not open a page in 5 s".into())),
        }
    }

    async fn open_now(browser: &Browser, generation: usize) -> Result<Self, PdfError> {
        let page = browser.new_page("about:blank").await.map_err(cdp)?;
        let mut paused = page.event_listener::<EventRequestPaused>().await.map_err(cdp)?;
        let intercept_all = RequestPattern::builder().url_pattern("*").build();
        page.execute(FetchEnable::builder().pattern(intercept_all).build()).await.map_err(cdp)?;
        let failing = page.clone();
        let blocker = tokio::spawn(async move {
            while let Some(request) = paused.next().await {
                tracing::warn!(url = %request.request.url, "PDF page tried to fetch; blocked");
                let fail = FailRequestParams::new(
                    request.request_id.clone(),
                    ErrorReason::BlockedByClient,
                );
                let _ = failing.execute(fail).await;
            }
        });
        Ok(SandboxedPage { page, blocker, generation, renders: 0, faces: 0 })
    }

    async fn print(&mut self, html: &str) -> Result<Vec<u8>, PdfError> {
        let page = &self.page;
        let faces = split_faces(html);
        let faces_hash = faces.as_ref().map_or(0, |(f, _)| hash(f));
        if self.renders == 0 {
            page.set_content(html).await.map_err(cdp)?;
            page.evaluate(LOAD_FONTS).await.map_err(cdp)?;
        } else {
            // The same fonts as last time: they stay loaded and are not sent again.
            let keep = faces_hash != 0 && faces_hash == self.faces;
            let next = match &faces {
                Some((_, without)) if keep => without.as_str(),
                _ => html,
            };
            let swap = CallFunctionOnParams::builder()
                .function_declaration(SWAP_DOCUMENT)
                .argument(CallArgument::builder().value(serde_json::json!(next)).build())
                .argument(CallArgument::builder().value(serde_json::json!(keep)).build())
                .await_promise(true)
                .build()
                .map_err(PdfError::Unavailable)?;
            page.evaluate_function(swap).await.map_err(cdp)?;
        }
        self.faces = faces_hash;
        self.renders += 1;
        // Paper size, margins and page numbers are the print view's `@page` rules.
        let params =
            PrintToPdfParams::builder().prefer_css_page_size(true).print_background(true).build();
        page.pdf(params).await.map_err(cdp)
    }
}

fn cdp(e: chromiumoxide::error::CdpError) -> PdfError {
    PdfError::Unavailable(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fonts_split_off_the_print_view() {
        let html = "<head><style id=\"faces\">@font-face{x}</style><style>p{}</style></head>";
        let (faces, rest) = split_faces(html).unwrap();
        assert_eq!(faces, "@font-face{x}");
        assert_eq!(rest, "<head><style id=\"faces\"></style><style>p{}</style></head>");
        assert_eq!(split_faces("<p>no fonts</p>"), None);
    }
}
