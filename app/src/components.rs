//! Pieces shared by several pages.

mod chain_view;
mod health_panel;
mod layout;
mod page_title;
mod run_panel;
mod text_area;

pub use chain_view::ChainView;
pub use health_panel::HealthPanel;
pub use layout::{Flash, Layout};
pub use page_title::PageTitle;
pub use run_panel::{RunPanel, RunView};
pub use text_area::TextArea;

/// Every Rust file of the app, with its path: for the tests that keep stored text out of the
/// sinks the escaping components guard.
#[cfg(test)]
pub(crate) fn app_sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 10, "found the sources");
    files
}
