use crate::components::Layout;
use crate::functions::list_runs;
use crate::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Run history: every run, newest first, filtered by status (kept in the URL).
#[component]
pub fn RunsPage() -> impl IntoView {
    let query = use_query_map();
    let status =
        Memo::new(move |_| query.get().get("status").and_then(|s| s.parse::<RunStatus>().ok()));
    let job = Memo::new(move |_| query.get().get("job_id").filter(|j| !j.is_empty()));
    let runs = Resource::new(move || (status.get(), job.get()), |(s, j)| list_runs(s, j));
    let options = move || {
        let current = status.get();
        RunStatus::ALL
            .iter()
            .map(|s| view! { <option value=s.as_str() selected=current == Some(*s)>{s.as_str()}</option> })
            .collect_view()
    };
    view! {
        <Title text="Runs · jobintel" />
        <Layout>
            <h1>"Run history"</h1>
            <form method="get" action="/runs" class="filters card">
                <label>
                    "Status"
                    <select name="status">
                        <option value="">"any"</option>
                        {options}
                    </select>
                </label>
                <label>
                    "Job id" <input name="job_id" value=move || job.get().unwrap_or_default() />
                </label>
                <div class="actions">
                    <button type="submit">"Filter"</button>
                </div>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match runs.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No runs yet."</p> }.into_any(),
                        Ok(list) => view! { <RunTable runs=list /> }.into_any(),
                        Err(e) => view! { <p class="flash error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn RunTable(runs: Vec<PipelineRun>) -> impl IntoView {
    let rows = runs
        .into_iter()
        .map(|r| {
            let duration = match (r.started_at, r.finished_at) {
                (Some(s), Some(f)) => format!("{:.1} s", (f - s).num_milliseconds() as f64 / 1000.0),
                _ => String::new(),
            };
            let done = r.layers.iter().filter(|l| !matches!(l.status.as_str(), "running" | "pending")).count();
            view! {
                <tr data-run-id=r.id.clone()>
                    <td><a href=format!("/runs/{}", encode_component(&r.id))>{r.created_at.format("%Y-%m-%d %H:%M:%S").to_string()}</a></td>
                    <td><a href=format!("/jobs/{}", encode_component(&r.job_id))>"job"</a></td>
                    <td><span class=format!("badge run-{}", r.status)>{r.status.as_str()}</span></td>
                    <td>{r.tier.clone()}</td>
                    <td class="num">{r.attempt} "/" {r.max_attempts}</td>
                    <td class="num">{done} "/" {LAYERS.len()}</td>
                    <td class="num">{duration}</td>
                    <td class="muted small">{r.error.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="jobs">
            <thead>
                <tr>
                    <th>"Created"</th>
                    <th>"Job"</th>
                    <th>"Status"</th>
                    <th>"Tier"</th>
                    <th>"Attempts"</th>
                    <th>"Layers"</th>
                    <th>"Duration"</th>
                    <th>"Error"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
