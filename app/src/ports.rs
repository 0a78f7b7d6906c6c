//! What the server functions need from the server, as one trait (a "port"). The `server` crate
//! implements it with the same service functions the REST API and the CLI call, and puts it into
//! Leptos context at start-up, so no storage or HTTP crate ever enters the WASM build.

use crate::cv::{CvEditorState, CvSave, CvVersion, CvVersionSummary};
use crate::error::AppError;
use crate::model::*;
use async_trait::async_trait;
use std::sync::Arc;

#[async_trait]
pub trait Backend: Send + Sync {
    /// The signed-in user of the current request, from its token (Bearer header or cookie).
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<UserInfo, AppError>;
    async fn list_jobs(&self, query: JobQuery) -> Result<JobPage, AppError>;
    async fn status_counts(&self) -> Result<Vec<StatusCount>, AppError>;
    async fn get_job(&self, id: &str) -> Result<Job, AppError>;
    async fn health(&self) -> Health;
    async fn profile(&self) -> Result<Profile, AppError>;
    async fn list_stars(&self) -> Result<Vec<StarRecord>, AppError>;
    async fn get_star(&self, id: &str) -> Result<StarRecord, AppError>;
    /// The newest runs of a job, newest first.
    async fn job_runs(&self, job_id: &str) -> Result<Vec<PipelineRun>, AppError>;
    /// Runs, newest first, filtered.
    async fn runs(&self, query: RunQuery) -> Result<Vec<PipelineRun>, AppError>;
    async fn get_run(&self, id: &str) -> Result<PipelineRun, AppError>;
    /// `/api/metrics`: rate limits, LLM cost, breakers, pipeline figures and alerts.
    async fn metrics(&self) -> Result<Metrics, AppError>;
    /// The CV editor: the job's CV document, its versions, saving, restoring, marking sent.
    async fn cv_editor(&self, job_id: &str) -> Result<CvEditorState, AppError>;
    /// Prints the job's CV as its export would and reads the PDF's text back.
    async fn check_cv_pdf(&self, job_id: &str) -> Result<crate::cv::ParseBack, AppError>;
    /// Fits a CV to its page budget by cutting its least relevant bullets.
    async fn fit_cv(
        &self,
        job_id: &str,
        request: crate::cv::fit::FitRequest,
    ) -> Result<crate::cv::fit::CvFit, AppError>;
    /// The claims no record supports in the lines of the saved CV the user wrote or edited.
    async fn cv_claims(&self, job_id: &str) -> Result<Vec<crate::outputs::BlockedClaim>, AppError>;
    async fn save_cv(
        &self,
        user: &UserInfo,
        job_id: &str,
        save: CvSave,
    ) -> Result<CvVersionSummary, AppError>;
    async fn cv_versions(&self, job_id: &str) -> Result<Vec<CvVersionSummary>, AppError>;
    async fn cv_version(&self, job_id: &str, number: u32) -> Result<CvVersion, AppError>;
    async fn restore_cv_version(
        &self,
        user: &UserInfo,
        job_id: &str,
        number: u32,
    ) -> Result<CvVersionSummary, AppError>;
    async fn mark_cv_sent(
        &self,
        user: &UserInfo,
        job_id: &str,
        number: u32,
        sent: bool,
    ) -> Result<CvVersionSummary, AppError>;
}

pub type SharedBackend = Arc<dyn Backend>;
