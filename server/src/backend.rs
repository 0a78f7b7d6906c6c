//! The Leptos server functions' port (`app::ports::Backend`), implemented by `Services`.

use crate::error::ServiceError;
use crate::http::request_token;
use crate::services::Services;
use app::cv::{CvEditorState, CvSave, CvVersion, CvVersionSummary};
use app::error::AppError;
use app::model::*;
use app::ports::Backend;
use async_trait::async_trait;

#[async_trait]
impl Backend for Services {
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<UserInfo, AppError> {
        let token = request_token(&parts.headers)
            .ok_or_else(|| AppError::Unauthorized("not signed in".into()))?;
        Services::authenticate(self, token).await.map_err(ServiceError::handled)
    }

    async fn list_jobs(&self, query: JobQuery) -> Result<JobPage, AppError> {
        Services::list_jobs(self, &query).await.map_err(ServiceError::handled)
    }

    async fn status_counts(&self) -> Result<Vec<StatusCount>, AppError> {
        Services::status_counts(self).await.map_err(ServiceError::handled)
    }

    async fn get_job(&self, id: &str) -> Result<Job, AppError> {
        Services::get_job(self, id).await.map_err(ServiceError::handled)
    }

    async fn health(&self) -> Health {
        Services::health(self).await
    }

    async fn profile(&self) -> Result<Profile, AppError> {
        Services::profile(self).await.map_err(ServiceError::handled)
    }

    async fn list_stars(&self) -> Result<Vec<StarRecord>, AppError> {
        Services::list_stars(self).await.map_err(ServiceError::handled)
    }

    async fn get_star(&self, id: &str) -> Result<StarRecord, AppError> {
        Services::get_star(self, id).await.map_err(ServiceError::handled)
    }

    async fn job_runs(&self, job_id: &str) -> Result<Vec<PipelineRun>, AppError> {
        let filter = RunQuery { job_id: Some(job_id.to_string()), limit: 5, ..Default::default() };
        Services::list_runs(self, filter).await.map_err(ServiceError::handled)
    }

    async fn runs(&self, query: RunQuery) -> Result<Vec<PipelineRun>, AppError> {
        Services::list_runs(self, query).await.map_err(ServiceError::handled)
    }

    async fn get_run(&self, id: &str) -> Result<PipelineRun, AppError> {
        Services::get_run(self, id).await.map_err(ServiceError::handled)
    }

    async fn metrics(&self) -> Result<Metrics, AppError> {
        Services::metrics(self).await.map_err(ServiceError::handled)
    }

    async fn cv_editor(&self, job_id: &str) -> Result<CvEditorState, AppError> {
        Services::cv_editor(self, job_id).await.map_err(ServiceError::handled)
    }

    async fn check_cv_pdf(&self, job_id: &str) -> Result<app::cv::ParseBack, AppError> {
        let pdf = Services::job_cv_pdf(self, job_id, &Default::default()).await;
        pdf.map(|p| p.check).map_err(ServiceError::handled)
    }

    async fn fit_cv(
        &self,
        job_id: &str,
        request: app::cv::fit::FitRequest,
    ) -> Result<app::cv::fit::CvFit, AppError> {
        Services::fit_cv(self, job_id, request).await.map_err(ServiceError::handled)
    }

    async fn cv_claims(&self, job_id: &str) -> Result<Vec<app::outputs::BlockedClaim>, AppError> {
        Services::cv_claims(self, job_id).await.map_err(ServiceError::handled)
    }

    async fn save_cv(
        &self,
        user: &UserInfo,
        job_id: &str,
        save: CvSave,
    ) -> Result<CvVersionSummary, AppError> {
        Services::save_cv(self, user, job_id, save).await.map_err(ServiceError::handled)
    }

    async fn cv_versions(&self, job_id: &str) -> Result<Vec<CvVersionSummary>, AppError> {
        Services::cv_versions(self, job_id).await.map_err(ServiceError::handled)
    }

    async fn cv_version(&self, job_id: &str, number: u32) -> Result<CvVersion, AppError> {
        Services::cv_version(self, job_id, number).await.map_err(ServiceError::handled)
    }

    async fn restore_cv_version(
        &self,
        user: &UserInfo,
        job_id: &str,
        number: u32,
    ) -> Result<CvVersionSummary, AppError> {
        Services::restore_cv_version(self, user, job_id, number)
            .await
            .map_err(ServiceError::handled)
    }

    async fn mark_cv_sent(
        &self,
        user: &UserInfo,
        job_id: &str,
        number: u32,
        sent: bool,
    ) -> Result<CvVersionSummary, AppError> {
        Services::mark_cv_sent(self, user, job_id, number, sent)
            .await
            .map_err(ServiceError::handled)
    }
}
