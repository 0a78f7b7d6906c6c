//! Pieces shared by several pages.

mod health_panel;
mod layout;
mod run_panel;

pub use health_panel::HealthPanel;
pub use layout::{Flash, Layout};
pub use run_panel::{RunPanel, RunView};
