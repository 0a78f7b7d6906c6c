//! A `<textarea>` holding stored text: the one way user text becomes a textarea's content.

use leptos::prelude::*;

/// A form's multi-line field with `value` as its content. When the page is rendered on the
/// server, tachys writes a textarea's children as they are, unescaped (it treats the element
/// like `<script>`), so `</textarea><script>` in a note would end the field and become markup.
/// A textarea's content is RCDATA, where entities are decoded, so the server escapes the text
/// here and the browser shows the characters; in the browser the child is a text node, which
/// takes characters as they are. Pages use this, never a bare `<textarea>` with content (a test
/// checks).
#[component]
pub fn TextArea(
    name: &'static str,
    rows: u32,
    #[prop(into)] value: String,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let value = crate::cv::print::escape(&value);
    view! { <textarea name=name rows=rows required=required>{value}</textarea> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn raw_text_elements_never_hold_stored_text_outside_the_escaping_wrapper() {
        // The CV's print view and form build HTML strings of their own, escaped and tested
        // there; everything else is view code.
        let files = crate::components::app_sources();
        let views =
            files.iter().filter(|(p, _)| !p.ends_with("text_area.rs") && !p.contains("/cv/"));
        for (path, text) in views {
            for tag in ["textarea", "script", "style"] {
                let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
                let mut rest = text.as_str();
                while let Some(start) = rest.find(&open) {
                    let after = &rest[start..];
                    let Some(end) = after.find(&close) else { break };
                    let children = &after[after.find('>').unwrap_or(end) + 1..end];
                    assert!(
                        !children.contains('{'),
                        "{path}: <{tag}> with dynamic content `{children}`; tachys writes it \
                         unescaped (use TextArea)"
                    );
                    rest = &after[end..];
                }
            }
        }
    }
}
