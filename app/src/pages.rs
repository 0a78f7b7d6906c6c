//! One module per page.

mod admin;
mod cv_editor;
mod import;
mod job_detail;
mod jobs;
mod login;
mod not_found;
mod profile;
mod run_detail;
mod runs;
mod star_edit;

pub use admin::{AdminPage, AdminRoute};
pub use cv_editor::{CvEditorPage, CvEditorRoute};
pub use import::ImportPage;
pub use job_detail::{JobDetailPage, JobDetailRoute};
pub use jobs::JobsPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use profile::{ProfilePage, ProfileRoute};
pub use run_detail::{RunDetailPage, RunDetailRoute};
pub use runs::RunsPage;
pub use star_edit::StarEditPage;

/// A time as the value of an `<input type="datetime-local">` (UTC).
fn datetime_local(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}
