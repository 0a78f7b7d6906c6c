//! Pieces shared by several pages.

mod health_panel;
mod layout;

pub use health_panel::HealthPanel;
pub use layout::{Flash, Layout};
