//! Pieces shared by several pages.

mod health_panel;
mod layout;
mod page_title;
mod run_panel;
mod text_area;

pub use health_panel::HealthPanel;
pub use layout::{Flash, Layout};
pub use page_title::PageTitle;
pub use run_panel::{RunPanel, RunView};
pub use text_area::TextArea;
