//! The page's `<title>`: the one way user text reaches `<head>`.

use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the document title. When the page is rendered on the server, leptos_meta writes a
/// title's text into `<head>` as it is, unescaped (`</title><script>` in a job's title would
/// become markup), so the server escapes it here first. In the browser the text is assigned to
/// `document.title`, which takes characters, not markup, so it stays literal: the tab shows
/// `<b>`, never `&lt;b&gt;`. Pages use this, never `leptos_meta::Title` (a test checks).
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let text = crate::cv::print::escape(&text);
    // `Title` is allowed here and only here: this is the escaping wrapper.
    view! { <Title text /> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_page_writes_a_title_or_meta_tag_around_the_escaping_wrapper() {
        for (path, text) in crate::components::app_sources() {
            if path.ends_with("page_title.rs") {
                continue;
            }
            for needle in ["<Title ", "<Title\n", "<Meta ", "<Meta\n"] {
                assert!(!text.contains(needle), "{path} writes {needle:?}; use PageTitle");
            }
            for line in text.lines().filter(|l| l.contains("leptos_meta")) {
                let names = line.split(|c: char| !(c.is_alphanumeric() || c == '_'));
                for name in names {
                    assert!(!matches!(name, "Title" | "Meta"), "{path} imports {name}: {line}");
                }
            }
        }
    }
}
