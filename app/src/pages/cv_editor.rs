//! The CV editor of a job (`/jobs/:id/cv`): the structured document on the left, its print view
//! on the right (the same HTML the PDF is printed from, with page breaks marked), autosave
//! 3 s after the last change, undo/redo, versions, settings, provenance chips and an ATS panel.
//! Without JavaScript the page still shows the preview and exports the PDF.

use crate::components::{Layout, PageTitle};
use crate::cv::form;
use crate::cv::print::{Fonts, faces_css, html};
use crate::cv::*;
use crate::error::AppError;
use crate::functions::{
    check_cv_pdf, cv_claims, get_cv_editor, get_cv_version, list_cv_versions, mark_cv_sent,
    restore_cv_version, save_cv,
};
use leptos::html as el;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};
use std::time::Duration;

mod fit_panel;
use fit_panel::FitPanel;

/// Autosave waits this long after the last change.
const SAVE_DELAY: Duration = Duration::from_secs(3);
/// The preview follows the text this long after the last keystroke.
const PREVIEW_DELAY: Duration = Duration::from_millis(250);
const UNDO_LIMIT: usize = 200;

/// The editor's route, loaded lazily: its code is a separate WASM chunk (with
/// `cargo leptos build --split`), fetched when the page is opened, so the first load of the
/// dashboard does not carry it.
pub struct CvEditorRoute;

#[lazy_route]
impl LazyRoute for CvEditorRoute {
    fn data() -> Self {
        CvEditorRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <CvEditorPage /> }.into_any()
    }
}

#[component]
pub fn CvEditorPage() -> impl IntoView {
    let params = use_params_map();
    let state = Resource::new(move || params.get().get("id").unwrap_or_default(), get_cv_editor);
    view! {
        <Layout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(state) => view! { <Editor state /> }.into_any(),
                        Err(e) => {
                            view! {
                                <PageTitle text="CV not found · jobintel" />
                                <h1>"CV not found"</h1>
                                <p class="flash error">{e.to_string()}</p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Saved,
    Unsaved,
    Saving,
    Failed(String),
}

/// The editor's state and its operations; every field is a handle, so it is `Copy` into any
/// event handler.
#[derive(Clone, Copy)]
struct Ed {
    job_id: StoredValue<String>,
    doc: RwSignal<CvDocument>,
    /// What the preview shows: `doc`, a moment later.
    shown: RwSignal<CvDocument>,
    /// Bumped when the form's shape changes (a section, item or bullet added, moved or
    /// removed; undo; restore), so the form is rebuilt; typing does not rebuild it.
    shape: RwSignal<u64>,
    version: RwSignal<Option<u32>>,
    /// Bumped when the version list changes without a new version (a version marked sent).
    history: RwSignal<u64>,
    saved_at: RwSignal<Option<chrono::DateTime<chrono::Utc>>>,
    status: RwSignal<SaveState>,
    edits: StoredValue<u64>,
    undo: RwSignal<Vec<CvDocument>>,
    redo: RwSignal<Vec<CvDocument>>,
    /// The field typed into last: consecutive keystrokes in one field are one undo step.
    last_field: StoredValue<String>,
    save_timer: StoredValue<Option<TimeoutHandle>>,
    preview_timer: StoredValue<Option<TimeoutHandle>>,
    export_after_save: StoredValue<bool>,
    export_form: NodeRef<el::Form>,
    /// The last parse-back check of the exported PDF: `None` until one ran.
    parse_back: RwSignal<Option<Result<ParseBack, AppError>>>,
}

impl Ed {
    fn remember(self) {
        let current = self.doc.get_untracked();
        self.undo.update(|u| {
            u.push(current);
            if u.len() > UNDO_LIMIT {
                u.remove(0);
            }
        });
        self.redo.update(Vec::clear);
    }

    /// A change typed into `field`.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn edit(self, field: &str, change: impl FnOnce(&mut CvDocument)) {
        if self.last_field.with_value(|f| f != field) {
            self.remember();
            self.last_field.set_value(field.to_string());
        }
        self.doc.update(change);
        self.changed();
    }

    /// A change of the document's shape.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn reshape(self, change: impl FnOnce(&mut CvDocument)) {
        self.remember();
        self.last_field.set_value(String::new());
        self.doc.update(change);
        self.shape.update(|n| *n += 1);
        self.changed();
    }

    fn changed(self) {
        self.edits.update_value(|n| *n += 1);
        if self.status.get_untracked() != SaveState::Saving {
            self.status.set(SaveState::Unsaved);
        }
        self.schedule_save(SAVE_DELAY);
        replace_timer(self.preview_timer, PREVIEW_DELAY, move || {
            self.shown.set(self.doc.get_untracked())
        });
    }

    fn schedule_save(self, after: Duration) {
        replace_timer(self.save_timer, after, move || self.save());
    }

    fn step(self, from: RwSignal<Vec<CvDocument>>, to: RwSignal<Vec<CvDocument>>) {
        let mut previous = None;
        from.update(|stack| previous = stack.pop());
        let Some(previous) = previous else { return };
        let current = self.doc.get_untracked();
        to.update(|stack| stack.push(current));
        self.last_field.set_value(String::new());
        self.doc.set(previous);
        self.shape.update(|n| *n += 1);
        self.changed();
    }

    fn undo(self) {
        self.step(self.undo, self.redo);
    }

    fn redo(self) {
        self.step(self.redo, self.undo);
    }

    /// Saves now (Ctrl+S, the timer): one save at a time; changes made meanwhile are saved
    /// next.
    fn save(self) {
        self.save_timer.update_value(|t| {
            if let Some(t) = t.take() {
                t.clear();
            }
        });
        match self.status.get_untracked() {
            SaveState::Saving => return self.schedule_save(Duration::from_millis(500)),
            SaveState::Saved => return self.after_save(),
            _ => {}
        }
        let edits_at_start = self.edits.get_value();
        let save = CvSave {
            document: self.doc.get_untracked(),
            base_version: Some(self.version.get_untracked().unwrap_or(0)),
        };
        self.status.set(SaveState::Saving);
        let job_id = self.job_id.get_value();
        spawn_local(async move {
            match save_cv(job_id, save).await {
                Ok(v) => {
                    self.version.set(Some(v.number));
                    self.saved_at.set(Some(v.saved_at));
                    if self.edits.get_value() == edits_at_start {
                        self.status.set(SaveState::Saved);
                        self.after_save();
                    } else {
                        self.status.set(SaveState::Unsaved);
                        self.schedule_save(SAVE_DELAY);
                    }
                }
                Err(e) => {
                    self.export_after_save.set_value(false);
                    self.status.set(SaveState::Failed(e.to_string()));
                }
            }
        });
    }

    fn after_save(self) {
        if self.export_after_save.get_value() {
            self.export_after_save.set_value(false);
            if let Some(form) = self.export_form.get_untracked() {
                let _ = form.submit();
            }
            self.check_pdf();
        }
    }

    /// Reads the exported PDF's text back on the server and shows what it found.
    fn check_pdf(self) {
        let job_id = self.job_id.get_value();
        self.parse_back.set(None);
        spawn_local(async move {
            let result = check_cv_pdf(job_id).await;
            self.parse_back.set(Some(result));
        });
    }

    /// Ctrl+P and the Export button: the PDF of what is on screen (saved first).
    fn export(self) {
        self.export_after_save.set_value(true);
        self.save();
    }

    /// Makes a stored version the document being edited (after a restore).
    fn load(self, version: CvVersion) {
        self.remember();
        self.last_field.set_value(String::new());
        self.doc.set(version.document.clone());
        self.shown.set(version.document);
        self.version.set(Some(version.number));
        self.saved_at.set(Some(version.saved_at));
        self.status.set(SaveState::Saved);
        self.shape.update(|n| *n += 1);
    }
}

/// Runs `f` after `delay`, cancelling what `slot` had scheduled before.
fn replace_timer(
    slot: StoredValue<Option<TimeoutHandle>>,
    delay: Duration,
    f: impl FnOnce() + 'static,
) {
    slot.update_value(|t| {
        if let Some(t) = t.take() {
            t.clear();
        }
        *t = set_timeout_with_handle(f, delay).ok();
    });
}

fn preview_fonts(font: Font) -> String {
    faces_css(font.family(), |face| format!("/fonts/{}", face.file))
}

impl Ed {
    fn new(state: &CvEditorState) -> Self {
        Ed {
            job_id: StoredValue::new(state.job_id.clone()),
            doc: RwSignal::new(state.document.clone()),
            shown: RwSignal::new(state.document.clone()),
            shape: RwSignal::new(0),
            version: RwSignal::new(state.version),
            history: RwSignal::new(0),
            saved_at: RwSignal::new(state.saved_at),
            status: RwSignal::new(SaveState::Saved),
            edits: StoredValue::new(0),
            undo: RwSignal::new(Vec::new()),
            redo: RwSignal::new(Vec::new()),
            last_field: StoredValue::new(String::new()),
            save_timer: StoredValue::new(None),
            preview_timer: StoredValue::new(None),
            export_after_save: StoredValue::new(false),
            export_form: NodeRef::new(),
            parse_back: RwSignal::new(None),
        }
    }
}

/// Ctrl+S saves, Ctrl+P exports, leaving with unsaved changes asks first; and a first
/// measure of the preview, in case it loaded before hydration attached `on:load`.
#[cfg(feature = "hydrate")]
fn listen(
    ed: Ed,
    iframe: NodeRef<el::Iframe>,
    viewing: RwSignal<Option<CvVersion>>,
    pages: RwSignal<Option<usize>>,
) {
    use leptos::ev;
    Effect::new(move |_| {
        let keys = window_event_listener(ev::keydown, move |e| {
            if !(e.ctrl_key() || e.meta_key()) {
                return;
            }
            match e.key().to_lowercase().as_str() {
                "s" => {
                    e.prevent_default();
                    ed.save();
                }
                "p" => {
                    e.prevent_default();
                    ed.export();
                }
                _ => {}
            }
        });
        let leaving = window_event_listener(ev::beforeunload, move |e| {
            if ed.status.try_get_untracked().is_some_and(|s| s != SaveState::Saved) {
                e.prevent_default();
                e.set_return_value("");
            }
        });
        on_cleanup(move || {
            keys.remove();
            leaving.remove();
        });
        set_timeout(move || measure(iframe, ed, viewing, pages), Duration::from_millis(400));
    });
}

#[component]
fn Editor(state: CvEditorState) -> impl IntoView {
    let ed = Ed::new(&state);
    let job_id = state.job_id.clone();
    let title = format!("CV — {} — {}", state.title, state.company);
    let viewing = RwSignal::new(None::<CvVersion>);
    let pages = RwSignal::new(None::<usize>);
    let keywords = StoredValue::new(state.keywords.clone());
    let iframe = NodeRef::<el::Iframe>::new();
    #[cfg(feature = "hydrate")]
    listen(ed, iframe, viewing, pages);
    let origin_note = match state.origin {
        CvOrigin::Saved => None,
        CvOrigin::Pipeline => Some("Started from the pipeline's tailored draft."),
        CvOrigin::MasterCv => Some("No run has tailored this CV yet: started from the master CV."),
    };
    view! {
        <PageTitle text=format!("{title} · jobintel") />
        <p>
            <a href=format!("/jobs/{job_id}")>"← " {state.title.clone()} " · " {state.company.clone()}</a>
        </p>
        <h1>"CV editor"</h1>
        {origin_note.map(|n| view! { <p class="muted">{n}</p> })}
        <p class="flash notice no-js-only">
            "Editing needs JavaScript. The preview and the PDF export work without it."
        </p>
        <Toolbar ed pages pdf_action=format!("/api/jobs/{job_id}/cv-editor/pdf") />
        <div class="cv-editor">
            // `inner_html` is safe here: `form_html` escapes every stored value and label
            // (`print::escape`, tested by `the_form_escapes_user_text_and_names_every_field`).
            <div
                class="cv-form"
                inner_html=move || {
                    ed.shape.track();
                    form::form_html(&ed.doc.get_untracked())
                }
                on:input=move |e| on_field(ed, &e)
                on:click=move |e| on_action(ed, &e)
            ></div>
            <div class="cv-side">
                <Viewing ed viewing />
                <Preview ed viewing pages iframe title />
                <FitPanel ed pages />
                <ClaimsPanel ed />
                <ParseBackPanel ed />
                <AtsPanel ed keywords />
                <Versions ed viewing />
            </div>
        </div>
    }
}

/// Save state, undo and redo, save now, export, and the page count against the budget.
#[component]
fn Toolbar(ed: Ed, pages: RwSignal<Option<usize>>, pdf_action: String) -> impl IntoView {
    let save_label = move || match ed.status.get() {
        SaveState::Saved => match (ed.version.get(), ed.saved_at.get()) {
            (Some(n), Some(at)) => format!("Saved · version {n} · {}", at.format("%H:%M:%S UTC")),
            _ => "Not saved yet (the draft from the pipeline)".to_string(),
        },
        SaveState::Unsaved => "Unsaved changes…".to_string(),
        SaveState::Saving => "Saving…".to_string(),
        SaveState::Failed(e) => format!("Not saved: {e}"),
    };
    let save_class = move || match ed.status.get() {
        SaveState::Failed(_) => "save-state error",
        SaveState::Saved => "save-state saved",
        _ => "save-state pending",
    };
    let page_info = move || {
        let budget = ed.doc.with(|d| d.settings.page_budget) as usize;
        pages.get().map(|n| {
            let over = (n > budget).then(|| {
                view! {
                    <span class="flash error" data-testid="page-warning" role="alert">
                        {format!("Over budget: {n} pages, the budget is {budget}.")}
                    </span>
                }
            });
            view! {
                <span data-testid="page-count">
                    {format!("{n} page{}", if n == 1 { "" } else { "s" })}
                </span>
                {over}
            }
        })
    };
    view! {
        <div class="cv-toolbar">
            <span class=save_class data-testid="save-state" role="status">
                {save_label}
            </span>
            <button
                type="button"
                data-testid="undo"
                disabled=move || ed.undo.with(Vec::is_empty)
                on:click=move |_| ed.undo()
            >
                "Undo"
            </button>
            <button
                type="button"
                data-testid="redo"
                disabled=move || ed.redo.with(Vec::is_empty)
                on:click=move |_| ed.redo()
            >
                "Redo"
            </button>
            <button type="button" data-testid="save-now" on:click=move |_| ed.save()>
                "Save (Ctrl+S)"
            </button>
            <form
                method="post"
                action=pdf_action
                class="inline"
                node_ref=ed.export_form
                on:submit=move |e| {
                    e.prevent_default();
                    ed.export();
                }
            >
                <button type="submit" data-testid="export-pdf">
                    "Export PDF (Ctrl+P)"
                </button>
            </form>
            {page_info}
        </div>
    }
}

/// The notice over a saved version being looked at, with restore and back.
#[component]
fn Viewing(ed: Ed, viewing: RwSignal<Option<CvVersion>>) -> impl IntoView {
    move || {
        viewing.get().map(|v| {
            let number = v.number;
            view! {
                <p class="flash notice" data-testid="viewing">
                    {format!(
                        "Viewing version {number}, saved {}.",
                        v.saved_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    )} " "
                    <button
                        type="button"
                        on:click=move |_| restore(ed, viewing, number)
                    >
                        "Restore this version"
                    </button>
                    " "
                    <button type="button" on:click=move |_| viewing.set(None)>
                        "Back to editing"
                    </button>
                </p>
            }
        })
    }
}

/// The print view of the document (or of the version being looked at), measured for pages.
#[component]
fn Preview(
    ed: Ed,
    viewing: RwSignal<Option<CvVersion>>,
    pages: RwSignal<Option<usize>>,
    iframe: NodeRef<el::Iframe>,
    title: String,
) -> impl IntoView {
    let preview = move || {
        let doc = viewing.with(|v| v.as_ref().map(|v| v.document.clone()));
        let doc = doc.unwrap_or_else(|| ed.shown.get());
        let faces = preview_fonts(doc.settings.font);
        html(&doc, &title, Fonts { faces_css: &faces, csp_src: "'self'" })
    };
    let on_load = move |_| {
        measure(iframe, ed, viewing, pages);
        // Fonts can finish after `load`; measure again once they have.
        set_timeout(move || measure(iframe, ed, viewing, pages), Duration::from_millis(300));
    };
    view! {
        <div class="cv-preview-frame">
        // The preview is the print view (every user string escaped, links only when
        // `safe_url`), in a frame without `allow-scripts` under the page's CSP.
        <iframe
            class="cv-preview"
            title="Print preview"
            data-testid="cv-preview"
            sandbox="allow-same-origin"
            srcdoc=preview
            node_ref=iframe
            on:load=on_load
        ></iframe>
        </div>
    }
}

/// The saved versions, newest first, each viewable and restorable.
#[component]
fn Versions(ed: Ed, viewing: RwSignal<Option<CvVersion>>) -> impl IntoView {
    let versions = Resource::new(
        move || (ed.job_id.get_value(), ed.version.get(), ed.history.get()),
        |(id, _, _)| list_cv_versions(id),
    );
    view! {
        <h2>"Versions"</h2>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                versions
                    .get()
                    .map(|r| match r {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No saved version yet."</p> }.into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul class="versions" data-testid="versions">
                                    {list
                                        .into_iter()
                                        .map(|v| view! { <VersionRow ed viewing v /> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => {
                            view! { <p class="flash error">{e.to_string()}</p> }.into_any()
                        }
                    })
            }}
        </Transition>
    }
}

fn restore(ed: Ed, viewing: RwSignal<Option<CvVersion>>, number: u32) {
    let job_id = ed.job_id.get_value();
    spawn_local(async move {
        let restored = match restore_cv_version(job_id.clone(), number).await {
            Ok(v) => get_cv_version(job_id, v.number).await,
            Err(e) => Err(e),
        };
        match restored {
            Ok(v) => {
                viewing.set(None);
                ed.load(v);
            }
            Err(e) => ed.status.set(SaveState::Failed(e.to_string())),
        }
    });
}

#[component]
fn VersionRow(ed: Ed, viewing: RwSignal<Option<CvVersion>>, v: CvVersionSummary) -> impl IntoView {
    let number = v.number;
    let sent = v.sent_at.is_some();
    let view_version = move |_| {
        let job_id = ed.job_id.get_value();
        spawn_local(async move {
            match get_cv_version(job_id, number).await {
                Ok(v) => viewing.set(Some(v)),
                Err(e) => ed.status.set(SaveState::Failed(e.to_string())),
            }
        });
    };
    let mark_sent = move |_| {
        let job_id = ed.job_id.get_value();
        spawn_local(async move {
            match mark_cv_sent(job_id, number, true).await {
                Ok(_) => ed.history.update(|n| *n += 1),
                Err(e) => ed.status.set(SaveState::Failed(e.to_string())),
            }
        });
    };
    view! {
        <li data-testid=format!("version-{number}")>
            <strong>{format!("v{number}")}</strong>
            " · "
            {v.saved_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}
            " · "
            {v.saved_by.clone()}
            {v.restored_from.map(|n| format!(" · restored from v{n}"))}
            {v
                .sent_at
                .map(|at| {
                    view! {
                        " "
                        <span class="badge sent" data-testid="sent-badge">
                            {format!("sent {}", at.format("%Y-%m-%d"))}
                        </span>
                    }
                })}
            " "
            <button type="button" class="link" on:click=view_version>
                "View"
            </button>
            " "
            <button type="button" class="link" on:click=move |_| restore(ed, viewing, number)>
                "Restore"
            </button>
            " "
            {if sent {
                // What was sent is locked; its PDF downloads again byte for byte.
                let href = format!(
                    "/api/jobs/{}/cv-editor/versions/{number}/packet/pdf",
                    ed.job_id.get_value()
                );
                view! { <a href=href data-testid="sent-pdf" rel="nofollow">"Sent PDF"</a> }.into_any()
            } else {
                view! {
                    <button type="button" class="link" on:click=mark_sent>
                        "Mark as sent"
                    </button>
                }
                .into_any()
            }}
        </li>
    }
}

/// Measures the preview's blocks, marks where each printed page starts and counts the pages.
#[cfg(feature = "hydrate")]
fn measure(
    iframe: NodeRef<el::Iframe>,
    ed: Ed,
    viewing: RwSignal<Option<CvVersion>>,
    pages: RwSignal<Option<usize>>,
) {
    use crate::cv::print::{BLOCK_SELECTOR, Block, PX_PER_MM, page_breaks};
    use wasm_bindgen::JsCast;
    let settings = viewing
        .with_untracked(|v| v.as_ref().map(|v| v.document.settings.clone()))
        .unwrap_or_else(|| ed.shown.with_untracked(|d| d.settings.clone()));
    let Some(doc) = iframe.get_untracked().and_then(|f| f.content_document()) else { return };
    let Some(body) = doc.body() else { return };
    if let Ok(old) = doc.query_selector_all(".jobintel-page-break") {
        for i in 0..old.length() {
            if let Some(node) = old.item(i)
                && let Some(parent) = node.parent_node()
            {
                let _ = parent.remove_child(&node);
            }
        }
    }
    let margin = settings.margin_mm * PX_PER_MM;
    let page_height = (settings.paper.mm().1 - 2.0 * settings.margin_mm) * PX_PER_MM;
    let content_top = body.get_bounding_client_rect().top() + margin;
    // Print keeps at least three lines of a paragraph together (orphans, widows): only a
    // paragraph of six lines or more can continue on the next page.
    let line = settings.font_size_pt * settings.line_height * 96.0 / 72.0;
    let Ok(nodes) = doc.query_selector_all(BLOCK_SELECTOR) else { return };
    let mut blocks = Vec::new();
    for i in 0..nodes.length() {
        // The preview's nodes live in the frame's realm, where `instanceof Element` against
        // this window's `Element` fails; a selector only ever returns elements.
        let Some(el) = nodes.item(i).map(|n| n.unchecked_into::<web_sys::Element>()) else {
            continue;
        };
        let rect = el.get_bounding_client_rect();
        if rect.height() <= 0.0 {
            continue;
        }
        let tag = el.tag_name().to_lowercase();
        let head = el.class_name().split_whitespace().any(|c| c == "head");
        blocks.push(Block {
            top: rect.top() - content_top,
            bottom: rect.bottom() - content_top,
            keep_with_next: tag == "h2" || head,
            splittable: tag == "p" && rect.height() > 5.5 * line,
        });
    }
    let breaks = page_breaks(&blocks, page_height);
    for (n, y) in breaks.iter().enumerate() {
        let Ok(marker) = doc.create_element("div") else { continue };
        marker.set_class_name("jobintel-page-break");
        let _ = marker.set_attribute(
            "style",
            &format!(
                "position:absolute;left:0;right:0;top:{:.1}px;border-top:1px dashed #c0392b;\
                 color:#c0392b;font:10px sans-serif;text-align:right;padding-right:4px;pointer-events:none",
                margin + y
            ),
        );
        marker.set_text_content(Some(&format!("page {}", n + 2)));
        let _ = body.append_child(&marker);
    }
    pages.set(Some(breaks.len() + 1));
}

#[cfg(not(feature = "hydrate"))]
fn measure(
    _: NodeRef<el::Iframe>,
    _: Ed,
    _: RwSignal<Option<CvVersion>>,
    _: RwSignal<Option<usize>>,
) {
}

/// A field typed into (every `data-field` of the form, by one delegated listener).
#[cfg(feature = "hydrate")]
fn on_field(ed: Ed, e: &leptos::ev::Event) {
    use wasm_bindgen::JsCast;
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return;
    };
    let Some(field) = el.get_attribute("data-field") else { return };
    let value = if el.get_attribute("type").as_deref() == Some("checkbox") {
        event_target_checked(e).to_string()
    } else {
        event_target_value(e)
    };
    let mut next = ed.doc.get_untracked();
    if !form::set_field(&mut next, &field, &value) {
        return;
    }
    // An edited line's chip turns "user-edited" at once; typing does not rebuild the form.
    if let Some(provenance @ Some(_)) = form::provenance_of(&next, &field) {
        let line = if field.contains(".bullets.") { ".bullet" } else { ".cv-item" };
        let chip = el.closest(line).ok().flatten().and_then(|l| {
            let selector = if line == ".bullet" {
                "[data-testid=chip]"
            } else {
                ".item-tools [data-testid=chip]"
            };
            l.query_selector(selector).ok().flatten()
        });
        if let Some(chip) = chip {
            let (class, text, title) = form::chip_parts(provenance);
            chip.set_class_name(class);
            chip.set_text_content(Some(&text));
            let _ = chip.set_attribute("title", &title);
        }
    }
    if field == "settings.margin_preset" {
        // The custom margin field shows the preset's value.
        ed.reshape(move |d| *d = next);
    } else {
        ed.edit(&field, move |d| *d = next);
    }
}

/// A button of the form clicked (every `data-action`, by one delegated listener).
#[cfg(feature = "hydrate")]
fn on_action(ed: Ed, e: &leptos::ev::MouseEvent) {
    use wasm_bindgen::JsCast;
    let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let Some(button) = target.and_then(|t| t.closest("[data-action]").ok().flatten()) else {
        return;
    };
    let action = button.get_attribute("data-action").unwrap_or_default();
    let at = button.get_attribute("data-at").unwrap_or_default();
    let kind = document()
        .get_element_by_id("new-section-kind")
        .and_then(|k| k.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .map(|k| k.value());
    let mut next = ed.doc.get_untracked();
    if form::apply_action(&mut next, &action, &at, kind.as_deref()) {
        ed.reshape(move |d| *d = next);
    }
}

#[cfg(not(feature = "hydrate"))]
fn on_field(_: Ed, _: &leptos::ev::Event) {}

#[cfg(not(feature = "hydrate"))]
fn on_action(_: Ed, _: &leptos::ev::MouseEvent) {}

/// The claims to check: what no record supports in the lines the user wrote or edited, read
/// again after each save. A warning; the user decides.
#[component]
fn ClaimsPanel(ed: Ed) -> impl IntoView {
    let job_id = ed.job_id.get_value();
    let claims = Resource::new(
        move || ed.version.get(),
        move |_| {
            let job_id = job_id.clone();
            async move { cv_claims(job_id).await }
        },
    );
    let list = move || {
        claims.get().map(|r| match r {
            Ok(claims) if claims.is_empty() => view! {
                <p class="muted small" data-testid="claims-none">
                    "Every number, employer and technology in your own lines is in your records."
                </p>
            }
            .into_any(),
            Ok(claims) => view! {
                <ul class="small" data-testid="claims">
                    {claims
                        .into_iter()
                        .map(|c| view! {
                            <li><b>{c.claim}</b> " (" {c.kind.as_str()} ") in: " <q>{c.sentence}</q></li>
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
            Err(e) => view! { <p class="flash error">{format!("The claims could not be checked: {e}")}</p> }
                .into_any(),
        })
    };
    view! {
        <section class="claims" data-testid="claims-panel">
            <h2>"Claims to check"</h2>
            <p class="muted small">
                "In the lines you wrote or edited: numbers, degrees, employers and technologies no record of yours supports."
            </p>
            <Transition fallback=|| ()>{list}</Transition>
        </section>
    }
}

/// What reading the exported PDF's text back found: every line there, in order, with the
/// same characters — or the lines that are not.
#[component]
fn ParseBackPanel(ed: Ed) -> impl IntoView {
    let report = move || {
        ed.parse_back.get().map(|result| match result {
            Ok(r) if r.passed() => view! {
                <p class="flash notice" data-testid="parse-back" data-passed="true">
                    {format!("The PDF's text reads back as printed: all {} lines, in order.", r.lines)}
                </p>
            }
            .into_any(),
            Ok(r) => {
                let list = |title: &'static str, lines: Vec<String>| {
                    (!lines.is_empty()).then(|| {
                        view! {
                            <h3>{title}</h3>
                            <ul class="small">
                                {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                            </ul>
                        }
                    })
                };
                let headline = r.unavailable.clone().unwrap_or_else(|| {
                    "The PDF's text does not read back as printed; an ATS may miss these lines."
                        .into()
                });
                view! {
                    <div class="flash error" data-testid="parse-back" data-passed="false" role="alert">
                        <p>{headline}</p>
                        {list("Missing", r.missing)}
                        {list("Characters changed", r.replaced)}
                        {list("Out of order", r.out_of_order)}
                    </div>
                }
                .into_any()
            }
            Err(e) => view! {
                <p class="flash error" data-testid="parse-back" role="alert">
                    {format!("The PDF check failed: {e}")}
                </p>
            }
            .into_any(),
        })
    };
    view! {
        <section class="parse-back">
            <h2>"PDF text check"</h2>
            <p class="muted small">
                "After each export the PDF's text is read back, as an applicant tracking system reads it."
            </p>
            <button type="button" data-testid="check-pdf" on:click=move |_| ed.check_pdf()>
                "Check the PDF text now"
            </button>
            {report}
        </section>
    }
}

/// The posting's keywords found and missing in the CV as it is now.
#[component]
fn AtsPanel(ed: Ed, keywords: StoredValue<Vec<String>>) -> impl IntoView {
    move || {
        let keywords = keywords.get_value();
        if keywords.is_empty() {
            return view! {
                <section class="ats" data-testid="ats">
                    <h2>"ATS keywords"</h2>
                    <p class="muted">"Run the pipeline on this job to get the posting's keywords."</p>
                </section>
            }
            .into_any();
        }
        let coverage = ed.shown.with(|d| ats::coverage(&keywords, &d.plain_text()));
        let list = |words: Vec<String>, class: &'static str, testid: &'static str| {
            view! {
                <ul class=format!("keywords {class}") data-testid=testid>
                    {words.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                </ul>
            }
        };
        view! {
            <section class="ats" data-testid="ats">
                <h2>"ATS keywords"</h2>
                <p>
                    <strong data-testid="ats-percent">{format!("{}%", coverage.percent())}</strong>
                    " of the posting's keywords are in the CV."
                </p>
                <h3>"Found"</h3>
                {list(coverage.found, "found", "ats-found")}
                <h3>"Missing"</h3>
                {list(coverage.missing, "missing", "ats-missing")}
            </section>
        }
        .into_any()
    }
}
