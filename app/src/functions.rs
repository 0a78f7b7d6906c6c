//! Server functions: the reads the pages make. Mutations are plain HTML forms posted to the
//! server's form handlers (`server::http::forms`), so every page works with JavaScript off.

use crate::cv::{CvEditorState, CvSave, CvVersion, CvVersionSummary};
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use crate::model::UserInfo;
    use crate::ports::SharedBackend;
    use leptos::prelude::use_context;

    /// The backend port and the signed-in user, or 401.
    pub async fn session() -> Result<(SharedBackend, UserInfo), AppError> {
        let backend = use_context::<SharedBackend>()
            .ok_or_else(|| AppError::Internal("backend not in context".into()))?;
        let parts: http::request::Parts =
            leptos_axum::extract().await.map_err(|e| AppError::Internal(e.to_string()))?;
        let user = backend.authenticate(&parts).await?;
        Ok((backend, user))
    }
}

#[server(prefix = "/sfn")]
pub async fn current_user() -> Result<UserInfo, AppError> {
    Ok(ssr::session().await?.1)
}

/// JSON input: the query's lists and optional dates do not fit URL form encoding.
#[server(prefix = "/sfn", input = server_fn::codec::Json)]
pub async fn list_jobs(query: JobQuery) -> Result<JobPage, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.list_jobs(query).await
}

#[server(prefix = "/sfn")]
pub async fn status_counts() -> Result<Vec<StatusCount>, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.status_counts().await
}

#[server(prefix = "/sfn")]
pub async fn get_job(id: String) -> Result<Job, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.get_job(&id).await
}

#[server(prefix = "/sfn")]
pub async fn get_health() -> Result<Health, AppError> {
    let (backend, _) = ssr::session().await?;
    Ok(backend.health().await)
}

#[server(prefix = "/sfn")]
pub async fn get_profile() -> Result<Profile, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.profile().await
}

#[server(prefix = "/sfn")]
pub async fn list_stars() -> Result<Vec<StarRecord>, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.list_stars().await
}

#[server(prefix = "/sfn")]
pub async fn get_star(id: String) -> Result<StarRecord, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.get_star(&id).await
}

#[server(prefix = "/sfn")]
pub async fn job_runs(job_id: String) -> Result<Vec<PipelineRun>, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.job_runs(&job_id).await
}

#[server(prefix = "/sfn", input = server_fn::codec::Json)]
pub async fn list_runs(query: RunQuery) -> Result<Vec<PipelineRun>, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.runs(query).await
}

#[server(prefix = "/sfn")]
pub async fn get_metrics() -> Result<Metrics, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.metrics().await
}

#[server(prefix = "/sfn")]
pub async fn get_run(id: String) -> Result<PipelineRun, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.get_run(&id).await
}

#[server(prefix = "/sfn")]
pub async fn get_cv_editor(job_id: String) -> Result<CvEditorState, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.cv_editor(&job_id).await
}

/// The parse-back check of the job's CV as it would export now.
#[server(prefix = "/sfn")]
pub async fn check_cv_pdf(job_id: String) -> Result<crate::cv::ParseBack, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.check_cv_pdf(&job_id).await
}

/// Fits the editor's document to its page budget (JSON input: the document is nested).
#[server(prefix = "/sfn", input = server_fn::codec::Json)]
pub async fn fit_cv(
    job_id: String,
    request: crate::cv::fit::FitRequest,
) -> Result<crate::cv::fit::CvFit, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.fit_cv(&job_id, request).await
}

/// The claims to check in the saved CV's user-written and edited lines.
#[server(prefix = "/sfn")]
pub async fn cv_claims(job_id: String) -> Result<Vec<crate::outputs::BlockedClaim>, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.cv_claims(&job_id).await
}

/// JSON input: the document is nested.
#[server(prefix = "/sfn", input = server_fn::codec::Json)]
pub async fn save_cv(job_id: String, save: CvSave) -> Result<CvVersionSummary, AppError> {
    let (backend, user) = ssr::session().await?;
    backend.save_cv(&user, &job_id, save).await
}

#[server(prefix = "/sfn")]
pub async fn list_cv_versions(job_id: String) -> Result<Vec<CvVersionSummary>, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.cv_versions(&job_id).await
}

#[server(prefix = "/sfn")]
pub async fn get_cv_version(job_id: String, number: u32) -> Result<CvVersion, AppError> {
    let (backend, _) = ssr::session().await?;
    backend.cv_version(&job_id, number).await
}

#[server(prefix = "/sfn")]
pub async fn restore_cv_version(job_id: String, number: u32) -> Result<CvVersionSummary, AppError> {
    let (backend, user) = ssr::session().await?;
    backend.restore_cv_version(&user, &job_id, number).await
}

#[server(prefix = "/sfn")]
pub async fn mark_cv_sent(
    job_id: String,
    number: u32,
    sent: bool,
) -> Result<CvVersionSummary, AppError> {
    let (backend, user) = ssr::session().await?;
    backend.mark_cv_sent(&user, &job_id, number, sent).await
}
