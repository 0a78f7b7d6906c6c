use super::datetime_local;
use crate::components::{Layout, PageTitle};
use crate::error::AppError;
use crate::functions::list_runs;
use crate::model::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// How many runs the page shows when the URL does not say.
const PAGE_LIMIT: &str = "200";

/// Run history: every run, newest first, filtered by status, job and date (kept in the URL).
#[component]
pub fn RunsPage() -> impl IntoView {
    let query_map = use_query_map();
    let parsed = Memo::new(move |_| {
        let map = query_map.get();
        let limit = map.get("limit").is_none().then_some(("limit", PAGE_LIMIT));
        RunQuery::from_pairs((&map).into_iter().map(|(k, v)| (k.as_ref(), v)).chain(limit))
    });
    let runs = Resource::new(
        move || parsed.get(),
        |query| async move {
            match query {
                Ok(q) => list_runs(q).await,
                Err(e) => Err(AppError::from(e)),
            }
        },
    );
    view! {
        <PageTitle text="Runs · jobintel" />
        <Layout>
            <h1>"Run history"</h1>
            <RunFilters query=parsed.get_untracked().unwrap_or_default() />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match runs.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No runs match."</p> }.into_any(),
                        Ok(list) => view! { <RunTable runs=list /> }.into_any(),
                        Err(e) => view! { <p class="flash error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn RunFilters(query: RunQuery) -> impl IntoView {
    let options = RunStatus::ALL
        .iter()
        .map(|s| view! { <option value=s.as_str() selected=query.status == Some(*s)>{s.as_str()}</option> })
        .collect_view();
    view! {
        <form method="get" action="/runs" class="filters card">
            <label>
                "Status"
                <select name="status">
                    <option value="">"any"</option>
                    {options}
                </select>
            </label>
            <label>"Job id" <input name="job_id" value=query.job_id.clone().unwrap_or_default() /></label>
            <label>
                "Created from"
                <input type="datetime-local" name="created_from" value=datetime_local(query.created_from) />
            </label>
            <label>
                "Created to"
                <input type="datetime-local" name="created_to" value=datetime_local(query.created_to) />
            </label>
            <div class="actions">
                <button type="submit">"Filter"</button>
            </div>
        </form>
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
            let done = r.layers.iter().filter(|l| !l.status.is_open()).count();
            let cost: f64 = r.layers.iter().map(|l| l.cost_usd).sum();
            view! {
                <tr data-run-id=r.id.clone()>
                    <td><a href=format!("/runs/{}", encode_component(&r.id))>{r.created_at.format("%Y-%m-%d %H:%M:%S").to_string()}</a></td>
                    <td><a href=format!("/jobs/{}", encode_component(&r.job_id))>"job"</a></td>
                    <td><span class=format!("badge run-{}", r.status)>{r.status.as_str()}</span></td>
                    <td>{r.tier.as_str()}</td>
                    <td class="num">{r.attempt} "/" {r.max_attempts}</td>
                    <td class="num">{done} "/" {LayerName::ALL.len()}</td>
                    <td class="num">{duration}</td>
                    <td class="num">{format!("${cost:.4}")}</td>
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
                    <th>"Cost"</th>
                    <th>"Error"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
