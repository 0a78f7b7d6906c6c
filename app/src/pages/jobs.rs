use super::datetime_local;
use crate::components::{Layout, PageTitle};
use crate::error::AppError;
use crate::functions::{list_jobs, status_counts};
use crate::model::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Query keys that belong to the flash message, not to the filter.
const FLASH_KEYS: [&str; 2] = ["error", "notice"];

/// The jobs list. The filter lives in the URL (a GET form), so a link reproduces the view.
#[component]
pub fn JobsPage() -> impl IntoView {
    let query_map = use_query_map();
    let parsed = Memo::new(move |_| {
        let map = query_map.get();
        JobQuery::from_pairs(
            (&map)
                .into_iter()
                .filter(|(k, _)| !FLASH_KEYS.contains(&k.as_ref()))
                .map(|(k, v)| (k.as_ref(), v)),
        )
    });
    let jobs = Resource::new(
        move || parsed.get(),
        |query| async move {
            match query {
                Ok(q) => list_jobs(q).await,
                Err(e) => Err(AppError::BadRequest(e.to_string())),
            }
        },
    );
    let counts = Resource::new(|| (), |_| status_counts());

    view! {
        <PageTitle text="Jobs · jobintel" />
        <Layout>
            <h1>"Jobs"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    counts.await.ok().map(|c| view! { <StatusChips counts=c /> })
                })}
            </Suspense>
            <FilterForm query=parsed.get_untracked().unwrap_or_default() />
            <Suspense fallback=|| view! { <p class="muted">"Loading jobs…"</p> }>
                {move || Suspend::new(async move {
                    let query = parsed.get().unwrap_or_default();
                    match jobs.await {
                        Ok(page) => view! { <JobTable page query /> }.into_any(),
                        Err(e) => {
                            view! { <p class="flash error" role="alert">{e.to_string()}</p> }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn StatusChips(counts: Vec<StatusCount>) -> impl IntoView {
    let total: u64 = counts.iter().map(|c| c.count).sum();
    view! {
        <nav class="chips" aria-label="Jobs by status">
            <a href="/jobs" class="chip">"All " <b>{total}</b></a>
            {counts
                .into_iter()
                .map(|c| {
                    view! {
                        <a
                            href=format!("/jobs?status={}", c.status)
                            class=format!("chip status-{}", c.status)
                            data-status=c.status.as_str()
                        >
                            {c.status.as_str()}
                            " "
                            <b>{c.count}</b>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn FilterForm(query: JobQuery) -> impl IntoView {
    let statuses = JobStatus::ALL
        .iter()
        .map(|s| {
            let checked = query.statuses.contains(s);
            view! {
                <label class="check">
                    <input type="checkbox" name="status" value=s.as_str() checked=checked />
                    {s.as_str()}
                </label>
            }
        })
        .collect_view();
    let sorts = JobSort::ALL
        .iter()
        .map(|s| view! { <option value=s.as_str() selected=query.sort == *s>{s.as_str()}</option> })
        .collect_view();
    let orders = SortOrder::ALL
        .iter()
        .map(
            |o| view! { <option value=o.as_str() selected=query.order == *o>{o.as_str()}</option> },
        )
        .collect_view();
    let limits = [10u32, 25, 50, 100, 200]
        .into_iter()
        .map(|l| view! { <option value=l.to_string() selected=query.limit == l>{l}</option> })
        .collect_view();
    view! {
        <form method="get" action="/jobs" class="filters card" role="search">
            <label>
                "Search"
                <input
                    type="search"
                    name="q"
                    value=query.q.clone().unwrap_or_default()
                    placeholder="title, company, location"
                />
            </label>
            <label>
                "Location" <input name="location" value=query.location.clone().unwrap_or_default() />
            </label>
            <label>
                "Created from"
                <input
                    type="datetime-local"
                    name="created_from"
                    value=datetime_local(query.created_from)
                />
            </label>
            <label>
                "Created to"
                <input type="datetime-local" name="created_to" value=datetime_local(query.created_to) />
            </label>
            <label>
                "Min score"
                <input
                    type="number"
                    name="min_score"
                    min="0"
                    max="100"
                    value=query.min_score.map(|m| m.to_string()).unwrap_or_default()
                />
            </label>
            <label>"Sort" <select name="sort">{sorts}</select></label>
            <label>"Order" <select name="order">{orders}</select></label>
            <label>"Per page" <select name="limit">{limits}</select></label>
            <fieldset class="statuses">
                <legend>"Status"</legend>
                {statuses}
            </fieldset>
            <div class="actions">
                <button type="submit">"Apply"</button>
                <a href="/jobs" class="button secondary">"Reset"</a>
            </div>
        </form>
    }
}

#[component]
fn JobTable(page: JobPage, query: JobQuery) -> impl IntoView {
    let pages = page.total.div_ceil(u64::from(page.limit)).max(1);
    let first = if page.total == 0 { 0 } else { query.offset() + 1 };
    let last = query.offset() + page.items.len() as u64;
    let link_to = {
        let query = query.clone();
        move |p: u32| {
            let mut q = query.clone();
            q.page = p;
            format!("/jobs?{}", encode_query(&q.to_pairs()))
        }
    };
    let prev = (page.page > 1).then(|| {
        view! { <a href=link_to(page.page - 1) rel="prev">"← Previous"</a> }
    });
    let next = (u64::from(page.page) < pages).then(|| {
        view! { <a href=link_to(page.page + 1) rel="next">"Next →"</a> }
    });
    let return_to = format!("/jobs?{}", encode_query(&query.to_pairs()));
    let bulk_options = JobStatus::ALL
        .iter()
        .map(
            |s| view! { <option value=format!("status:{s}")>{format!("Set status: {s}")}</option> },
        )
        .collect_view();
    let rows = page
        .items
        .into_iter()
        .map(|job| {
            let href = format!("/jobs/{}", job.id);
            view! {
                <tr data-job-id=job.id.clone()>
                    <td>
                        <input
                            type="checkbox"
                            name="ids"
                            value=job.id.clone()
                            aria-label=format!("Select {}", job.title)
                        />
                    </td>
                    <td>
                        <a href=href class="job-title">{job.title}</a>
                    </td>
                    <td>{job.company}</td>
                    <td>{job.location}</td>
                    <td>{job.remote_policy.as_str()}</td>
                    <td>
                        <span class=format!("badge status-{}", job.status)>{job.status.as_str()}</span>
                    </td>
                    <td>{job.application.stage.as_str()}</td>
                    <td class="num">{job.score.map(|s| s.to_string()).unwrap_or_default()}</td>
                    <td class="muted">{job.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <form method="post" action="/forms/jobs/bulk" class="bulk">
            <input type="hidden" name="return_to" value=return_to />
            <p class="summary" data-testid="jobs-summary">
                {format!("{first}–{last} of {} jobs · page {} of {pages}", page.total, page.page)}
            </p>
            <table class="jobs">
                <thead>
                    <tr>
                        <th></th>
                        <th>"Title"</th>
                        <th>"Company"</th>
                        <th>"Location"</th>
                        <th>"Remote"</th>
                        <th>"Status"</th>
                        <th>"Stage"</th>
                        <th>"Score"</th>
                        <th>"Created"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <div class="toolbar">
                <label>
                    "With selected: "
                    <select name="action">{bulk_options} <option value="delete">"Delete"</option></select>
                </label>
                <button type="submit">"Apply to selected"</button>
                <span class="spacer"></span>
                <nav class="pager">{prev} {next}</nav>
            </div>
        </form>
    }
}
