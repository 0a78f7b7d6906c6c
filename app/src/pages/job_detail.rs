use crate::components::{Layout, PageTitle, RunPanel, TextArea};
use crate::functions::get_job;
use crate::model::*;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};

/// A job with its pipeline panel, loaded lazily: the run view and the typed layer outputs it reads are a separate
/// WASM chunk (with `cargo leptos build --split`), so the first load does not carry them.
pub struct JobDetailRoute;

#[lazy_route]
impl LazyRoute for JobDetailRoute {
    fn data() -> Self {
        JobDetailRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <JobDetailPage /> }.into_any()
    }
}

#[component]
pub fn JobDetailPage() -> impl IntoView {
    let params = use_params_map();
    let job = Resource::new(move || params.get().get("id").unwrap_or_default(), get_job);
    view! {
        <Layout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match job.await {
                        Ok(job) => view! { <JobDetail job /> }.into_any(),
                        Err(e) => {
                            view! {
                                <PageTitle text="Job not found · jobintel" />
                                <h1>"Job not found"</h1>
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

#[component]
fn JobDetail(job: Job) -> impl IntoView {
    let action = format!("/forms/jobs/{}", job.id);
    let delete_action = format!("/forms/jobs/{}/delete", job.id);
    let history = job
        .application
        .history
        .iter()
        .map(|h| {
            view! {
                <li>
                    {h.stage.as_str()} " · "
                    <time datetime=h.at.to_rfc3339()>
                        {h.at.format("%Y-%m-%d %H:%M UTC").to_string()}
                    </time>
                </li>
            }
        })
        .collect_view();
    view! {
        <PageTitle text=format!("{} · {} · jobintel", job.title, job.company) />
        <p>
            <a href="/jobs">"← Jobs"</a>
        </p>
        <h1 data-testid="job-title">{job.title.clone()}</h1>
        <p class="subtitle">
            {job.company.clone()} " · " {job.location.clone()} " · " {job.remote_policy.as_str()}
            // A stored URL becomes a link only when it is http(s) (the API validates it on the
            // way in too); anything else is not shown as a link at all.
            {job
                .url
                .as_deref()
                .and_then(crate::cv::safe_href)
                .map(|u| {
                    view! {
                        " · "
                        <a href=u rel="noopener noreferrer nofollow" target="_blank">
                            "Original posting"
                        </a>
                    }
                })}
        </p>
        <p>
            <span class=format!("badge status-{}", job.status)>{job.status.as_str()}</span>
            " "
            <span class="badge">{job.application.stage.as_str()}</span>
            {job.score.map(|s| view! { " " <span class="badge">"Score " {s}</span> })}
            {job.error.clone().map(|e| view! { <span class="flash error">{e}</span> })}
            " "
            <a href=format!("/jobs/{}/cv", job.id) data-testid="cv-editor-link">"CV editor"</a>
        </p>
        <RunPanel job_id=job.id.clone() />
        <div class="detail-grid">
            <section class="card description">
                <h2>"Description"</h2>
                <Markdown text=job.description.clone() />
            </section>
            <section class="card">
                <h2>"Edit"</h2>
                <form method="post" action=action class="stack">
                    <label>"Title" <input name="title" value=job.title.clone() required /></label>
                    <label>"Company" <input name="company" value=job.company.clone() required /></label>
                    <label>"Location" <input name="location" value=job.location.clone() /></label>
                    <label>
                        "Remote policy"
                        <select name="remote_policy">{options(RemotePolicy::ALL.iter().map(|v| v.as_str()), job.remote_policy.as_str())}</select>
                    </label>
                    <label>"URL" <input name="url" type="url" value=job.url.clone().unwrap_or_default() /></label>
                    <label>
                        "Status" <select name="status">{options(JobStatus::ALL.iter().map(|v| v.as_str()), job.status.as_str())}</select>
                    </label>
                    <label>
                        "Application stage"
                        <select name="stage">{options(ApplicationStage::ALL.iter().map(|v| v.as_str()), job.application.stage.as_str())}</select>
                    </label>
                    <label>
                        "Score (0–100)"
                        <input
                            name="score"
                            type="number"
                            min="0"
                            max="100"
                            value=job.score.map(|s| s.to_string()).unwrap_or_default()
                        />
                    </label>
                    <label>"Tags (comma-separated)" <input name="tags" value=job.tags.join(", ") /></label>
                    <label>"Notes" <TextArea name="notes" rows=4 value=job.notes.clone() /></label>
                    <button type="submit">"Save"</button>
                </form>
                <h3>"Stage history"</h3>
                <ul class="history">{history}</ul>
                <form method="post" action=delete_action>
                    <button type="submit" class="danger">"Delete job"</button>
                </form>
            </section>
        </div>
    }
}

/// `<option>`s for a select, with `current` selected.
fn options(all: impl Iterator<Item = &'static str>, current: &'static str) -> impl IntoView {
    all.map(|v| view! { <option value=v selected=v == current>{v}</option> }).collect_view()
}

/// A small, safe Markdown subset: headings, bullet lists and paragraphs. Every piece of text is
/// a text node, so HTML in a posting is shown as text and never interpreted.
#[component]
pub fn Markdown(text: String) -> impl IntoView {
    let mut blocks: Vec<AnyView> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let flush = |list: &mut Vec<String>, para: &mut Vec<String>, blocks: &mut Vec<AnyView>| {
        if !para.is_empty() {
            blocks.push(view! { <p>{para.join(" ")}</p> }.into_any());
            para.clear();
        }
        if !list.is_empty() {
            let items = list.drain(..).map(|i| view! { <li>{i}</li> }).collect_view();
            blocks.push(view! { <ul>{items}</ul> }.into_any());
        }
    };
    for line in text.lines() {
        let t = line.trim();
        if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            if !para.is_empty() {
                flush(&mut Vec::new(), &mut para, &mut blocks);
            }
            list.push(item.to_string());
        } else if let Some(h) = t.strip_prefix('#') {
            flush(&mut list, &mut para, &mut blocks);
            let h = h.trim_start_matches('#').trim().to_string();
            blocks.push(view! { <h3>{h}</h3> }.into_any());
        } else if t.is_empty() {
            flush(&mut list, &mut para, &mut blocks);
        } else {
            if !list.is_empty() {
                flush(&mut list, &mut Vec::new(), &mut blocks);
            }
            para.push(t.to_string());
        }
    }
    flush(&mut list, &mut para, &mut blocks);
    view! { <div class="markdown">{blocks}</div> }
}
