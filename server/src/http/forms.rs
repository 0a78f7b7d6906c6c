//! Handlers for the pages' HTML forms (`/forms/…`). Each calls the same `Services` method as
//! the API, then redirects (303) to the page to show, with `?notice=` or `?error=` — so every
//! form works with JavaScript off, and a reload never re-submits.

use super::{AppState, ClientAddr, CurrentUser, session_cookie};
use crate::error::ServiceError;
use crate::services::{star_input_from_form, tier_choice};
use app::error::AppError;
use app::model::*;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/forms/login", post(login))
        .route("/forms/logout", post(logout))
        .route("/forms/jobs/bulk", post(bulk))
        .route("/forms/jobs/{id}", post(edit_job))
        .route("/forms/jobs/{id}/delete", post(delete_job))
        .route("/forms/jobs/{id}/run", post(run_job))
        .route("/forms/runs/{id}/cancel", post(cancel_run))
        .route("/forms/runs/{id}/retry", post(retry_run))
        .route("/forms/import/paste", post(import_paste))
        .route("/forms/import/file", post(import_file))
        .route("/forms/import/link", post(import_link))
        .route("/forms/profile/basics", post(basics))
        .route("/forms/profile/resume", post(resume))
        .route("/forms/stars", post(create_star))
        .route("/forms/stars/{id}", post(edit_star))
        .route("/forms/stars/{id}/delete", post(delete_star))
        .route("/forms/admin/{action}", post(admin_action))
}

/// Submitted fields, in order; absent fields read as empty.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, key: &str) -> String {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    }
    fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }
}

fn to(path: &str, key: &str, message: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}{}", encode_query(&[(key, message)]))).into_response()
}

/// Redirects to `ok_path` with a notice, or back to `back` with the error.
fn done<T>(
    result: Result<T, ServiceError>,
    back: &str,
    ok: impl FnOnce(T) -> (String, String),
) -> Response {
    match result {
        Ok(v) => {
            let (path, notice) = ok(v);
            to(&path, "notice", &notice)
        }
        Err(e) => to(back, "error", &e.handled().to_string()),
    }
}

/// The page of a job, the usual place to come back to.
fn job_page(id: &str) -> String {
    format!("/jobs/{}", encode_component(id))
}

/// Only local paths, so a form cannot be used to bounce the user to another site.
fn local_path(candidate: &str, fallback: &str) -> String {
    if candidate.starts_with('/') && !candidate.starts_with("//") && !candidate.contains('\\') {
        candidate.to_string()
    } else {
        fallback.to_string()
    }
}

async fn login(
    State(s): State<AppState>,
    ClientAddr(client): ClientAddr,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    match s.services.login(&f.get("username"), &f.get("password"), &client).await {
        Ok(token) => (
            [(header::SET_COOKIE, session_cookie(Some(&token), s.secure_cookies()))],
            Redirect::to("/jobs"),
        )
            .into_response(),
        Err(ServiceError::Refused(AppError::RateLimited(secs))) => {
            Redirect::to(&format!("/login?retry_after={secs}")).into_response()
        }
        Err(_) => Redirect::to("/login?error=1").into_response(),
    }
}

/// Ends the session behind the cookie, then clears the cookie.
async fn logout(State(s): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let Some(token) = super::request_token(&headers)
        && let Err(e) = s.services.logout(token).await
    {
        return to("/jobs", "error", &e.handled().to_string());
    }
    ([(header::SET_COOKIE, session_cookie(None, s.secure_cookies()))], Redirect::to("/login"))
        .into_response()
}

async fn bulk(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let back = local_path(&f.get("return_to"), "/jobs");
    let ids = f.all("ids");
    if ids.is_empty() {
        return to(&back, "error", "Select at least one job first.");
    }
    let action = f.get("action");
    let result = match action.strip_prefix("status:") {
        Some(status) => match status.parse::<JobStatus>() {
            Ok(st) => s.services.bulk_status(&user, &ids, st).await,
            Err(e) => Err(AppError::from(e).into()),
        },
        None if action == "delete" => s.services.bulk_delete(&user, &ids).await,
        None => Err(AppError::Invalid(format!("unknown bulk action `{action}`")).into()),
    };
    done(result, &back, |results| {
        let ok = results.iter().filter(|r| r.ok).count();
        (back.clone(), format!("{ok} of {} jobs updated.", results.len()))
    })
}

async fn edit_job(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let back = job_page(&id);
    let parsed = (|| -> Result<JobPatch, AppError> {
        let score = f.get("score");
        Ok(JobPatch {
            title: Some(f.get("title")),
            company: Some(f.get("company")),
            location: Some(f.get("location")),
            remote_policy: Some(f.get("remote_policy").parse::<_>().map_err(AppError::from)?),
            url: Some(f.get("url")),
            status: Some(f.get("status").parse::<_>().map_err(AppError::from)?),
            stage: Some(f.get("stage").parse::<_>().map_err(AppError::from)?),
            notes: Some(f.get("notes")),
            score: Some(if score.trim().is_empty() {
                None
            } else {
                Some(parse_score(score.trim())?)
            }),
            tags: Some(crate::services::split_list(&f.get("tags"))),
            description: None,
        })
    })();
    let result = match parsed {
        Ok(patch) => s.services.update_job(&user, &id, patch).await,
        Err(e) => Err(e.into()),
    };
    done(result, &back, |_| (back.clone(), "Saved.".into()))
}

async fn delete_job(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Response {
    let back = job_page(&id);
    done(s.services.delete_job(&user, &id).await, &back, |_| {
        ("/jobs".into(), "Job deleted.".into())
    })
}

async fn run_job(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let back = job_page(&id);
    let tier = f.get("tier");
    let queued = match tier.is_empty() {
        true => Ok(TierChoice::Auto),
        false => tier_choice(&tier),
    };
    let queued = match queued {
        Ok(tier) => s.services.enqueue_run(&user, &id, tier).await,
        Err(e) => Err(e.into()),
    };
    done(queued, &back, |_| (back.clone(), "Run queued.".into()))
}

/// The job page of a run, for redirects after acting on the run.
async fn job_page_of_run(s: &AppState, run_id: &str) -> String {
    match s.services.get_run(run_id).await {
        Ok(run) => job_page(&run.job_id),
        Err(_) => "/jobs".into(),
    }
}

async fn cancel_run(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Response {
    let back = job_page_of_run(&s, &id).await;
    done(s.services.cancel_run(&user, &id).await, &back, |_| {
        (back.clone(), "Run cancelled.".into())
    })
}

async fn retry_run(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Response {
    let back = job_page_of_run(&s, &id).await;
    done(s.services.retry_run((&user).into(), &id).await, &back, |_| {
        (back.clone(), "Retry queued from the failed layer.".into())
    })
}

/// The runbook's procedures as buttons on the Admin page; each calls what the API and the CLI
/// call.
async fn admin_action(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(action): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let back = "/admin";
    let services = &s.services;
    // An empty field means the operation's default.
    let duration = |name: &str, default: &str| {
        let text = f.get(name);
        let text = if text.trim().is_empty() { default.to_string() } else { text };
        crate::auth::parse_ttl(&text).map_err(|e| AppError::Invalid(format!("`{name}`: {e}")))
    };
    let result: Result<String, ServiceError> = match action.as_str() {
        "pause" => {
            services.set_paused((&user).into(), true).await.map(|_| "Pipeline paused.".into())
        }
        "resume" => {
            services.set_paused((&user).into(), false).await.map(|_| "Pipeline resumed.".into())
        }
        "clear-stuck" => match duration("older_than", CLEAR_STUCK_OLDER_THAN) {
            Ok(d) => services.clear_stuck((&user).into(), d).await.map(|ids| {
                format!("{} stuck runs failed (\"Stuck processing - manual reset\").", ids.len())
            }),
            Err(e) => Err(e.into()),
        },
        "rerun-failed" => match duration("since", RERUN_FAILED_SINCE) {
            Ok(d) => services.rerun_failed((&user).into(), d).await.map(|ids| {
                format!("{} failed runs queued again from their failed layer.", ids.len())
            }),
            Err(e) => Err(e.into()),
        },
        "firecrawl" => {
            let on = f.get("enabled") == "true";
            services
                .set_firecrawl((&user).into(), on)
                .await
                .map(|on| format!("FireCrawl {}.", if on { "enabled" } else { "disabled" }))
        }
        "restart-pdf" => {
            services.restart_pdf(&user).await.map(|_| "PDF renderer restarted.".into())
        }
        "company-cache" => {
            let company = f.get("company");
            let which = (!company.trim().is_empty()).then_some(company.as_str());
            services
                .clear_company_cache((&user).into(), which)
                .await
                .map(|n| format!("{n} cached companies deleted."))
        }
        other => Err(AppError::NotFound(format!("no admin action `{other}`")).into()),
    };
    done(result, back, |notice| (back.to_string(), notice))
}

async fn import_paste(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let remote = f.get("remote_policy");
    let new = NewJob {
        title: f.get("title"),
        company: f.get("company"),
        location: f.get("location"),
        remote_policy: remote.parse().ok().filter(|r| *r != RemotePolicy::Unknown),
        url: Some(f.get("url")),
        description: f.get("description"),
        source: Some("paste".into()),
        ..Default::default()
    };
    match s.services.create_job(&user, new).await {
        Ok(job) => to(&format!("/jobs/{}", job.id), "notice", "Job imported."),
        Err(ServiceError::Refused(AppError::Conflict(m))) => to("/import", "error", &m),
        Err(e) => to("/import", "error", &e.handled().to_string()),
    }
}

/// Reads the multipart fields `file` (preferred when non-empty) and `content`.
async fn upload_text(mut multipart: Multipart) -> Result<(String, String), AppError> {
    let (mut file, mut content, mut file_type) = (String::new(), String::new(), String::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("cannot read the upload: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let kind = field.content_type().unwrap_or_default().to_string();
        let text = field
            .text()
            .await
            .map_err(|e| AppError::BadRequest(format!("the upload is not UTF-8 text: {e}")))?;
        match name.as_str() {
            "file" => {
                file = text;
                file_type = kind;
            }
            "content" => content = text,
            _ => {}
        }
    }
    if file.trim().is_empty() { Ok((content, String::new())) } else { Ok((file, file_type)) }
}

/// A posting's link: read through its board's API or its page (the same import as the API's
/// `{"url": …}`); one posting opens its job page.
async fn import_link(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let body = serde_json::json!({ "url": Fields(f).get("url") }).to_string();
    let result = s.services.import_jobs(&user, &body, "application/json").await;
    done(result, "/import", |rows| match rows.as_slice() {
        [ImportRow::Created { id, .. }] => (job_page(id), "Job imported from the link.".into()),
        [ImportRow::Duplicate { existing_id, .. }] => {
            (job_page(existing_id), "This posting is already here.".into())
        }
        _ => ("/jobs".into(), format!("Imported {} postings from the link.", rows.len())),
    })
}

async fn import_file(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    multipart: Multipart,
) -> Response {
    let result = match upload_text(multipart).await {
        Ok((body, kind)) => s.services.import_jobs(&user, &body, &kind).await,
        Err(e) => Err(e.into()),
    };
    done(result, "/import", |rows| {
        let created = rows.iter().filter(|r| matches!(r, ImportRow::Created { .. })).count();
        let dupes = rows.iter().filter(|r| matches!(r, ImportRow::Duplicate { .. })).count();
        let errors: Vec<String> = rows
            .iter()
            .filter_map(|r| match r {
                ImportRow::Error { row, message } => Some(format!("row {row}: {message}")),
                _ => None,
            })
            .take(5)
            .collect();
        let mut notice = format!(
            "Imported {} rows: {created} created, {dupes} duplicates, {} errors.",
            rows.len(),
            rows.len() - created - dupes
        );
        if !errors.is_empty() {
            notice.push_str(&format!(" {}", errors.join("; ")));
        }
        ("/jobs".into(), notice)
    })
}

async fn basics(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let basics = ProfileBasics {
        name: f.get("name"),
        label: f.get("label"),
        email: f.get("email"),
        phone: f.get("phone"),
        url: f.get("url"),
        summary: f.get("summary"),
        city: f.get("city"),
        country_code: f.get("country_code"),
    };
    done(s.services.update_basics(&user, basics).await, "/profile", |_| {
        ("/profile".into(), "Profile saved.".into())
    })
}

async fn resume(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    multipart: Multipart,
) -> Response {
    let result = match upload_text(multipart).await {
        Ok((text, _)) => match serde_json::from_str(&text) {
            Ok(value) => s.services.put_resume(&user, value).await,
            Err(e) => {
                Err(AppError::BadRequest(format!("resume.json is not valid JSON: {e}")).into())
            }
        },
        Err(e) => Err(e.into()),
    };
    done(result, "/profile", |_| ("/profile".into(), "Master CV replaced.".into()))
}

async fn create_star(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let input = star_input_from_form(|k| f.get(k));
    done(s.services.save_star(&user, None, input).await, "/profile/stars/new", |_| {
        ("/profile".into(), "STAR record created.".into())
    })
}

async fn edit_star(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let input = star_input_from_form(|k| f.get(k));
    let back = format!("/profile/stars/{}", encode_component(&id));
    done(s.services.save_star(&user, Some(&id), input).await, &back, |_| {
        ("/profile".into(), "STAR record saved.".into())
    })
}

async fn delete_star(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Response {
    done(s.services.delete_star(&user, &id).await, "/profile", |_| {
        ("/profile".into(), "STAR record deleted.".into())
    })
}
