//! The print view: the HTML a PDF is printed from, built from stored data only. Every piece of
//! user text is escaped; fonts are the bundled OFL faces, inlined as `data:` URLs; a
//! Content-Security-Policy forbids scripts and every fetch.

use base64::Engine;
use std::fmt::Write;
use std::sync::OnceLock;

/// One block of a document: a heading, then entries (a few header lines and their bullets).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    pub title: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    /// Lines that belong together (title, employer, dates) and never split across pages.
    pub header: Vec<String>,
    pub paragraphs: Vec<String>,
    pub bullets: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Font {
    #[default]
    Inter,
    SourceSerif,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrintDoc {
    /// The PDF's title (document metadata) and the page's `<title>`.
    pub title: String,
    pub author: String,
    pub heading: String,
    pub subheading: Vec<String>,
    pub sections: Vec<Section>,
    pub font: Font,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const LATIN: &str = "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD";
const LATIN_EXT: &str = "U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,U+0304,U+0308,U+0329,U+1D00-1DBF,U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C0,U+2113,U+2C60-2C7F,U+A720-A7FF";

/// (family, weight, unicode range, woff2 bytes) of every bundled face.
const FACES: &[(&str, u16, &str, &[u8])] = &[
    ("Inter", 400, LATIN, include_bytes!("../../fonts/inter-latin-400-normal.woff2")),
    ("Inter", 700, LATIN, include_bytes!("../../fonts/inter-latin-700-normal.woff2")),
    ("Inter", 400, LATIN_EXT, include_bytes!("../../fonts/inter-latin-ext-400-normal.woff2")),
    ("Inter", 700, LATIN_EXT, include_bytes!("../../fonts/inter-latin-ext-700-normal.woff2")),
    (
        "Source Serif 4",
        400,
        LATIN,
        include_bytes!("../../fonts/source-serif-4-latin-400-normal.woff2"),
    ),
    (
        "Source Serif 4",
        700,
        LATIN,
        include_bytes!("../../fonts/source-serif-4-latin-700-normal.woff2"),
    ),
    (
        "Source Serif 4",
        400,
        LATIN_EXT,
        include_bytes!("../../fonts/source-serif-4-latin-ext-400-normal.woff2"),
    ),
    (
        "Source Serif 4",
        700,
        LATIN_EXT,
        include_bytes!("../../fonts/source-serif-4-latin-ext-700-normal.woff2"),
    ),
];

/// The `@font-face` rules of one family, built once per family: only the faces a document
/// uses are inlined.
fn font_faces(font: Font) -> &'static str {
    static INTER: OnceLock<String> = OnceLock::new();
    static SERIF: OnceLock<String> = OnceLock::new();
    let (cell, wanted) = match font {
        Font::Inter => (&INTER, "Inter"),
        Font::SourceSerif => (&SERIF, "Source Serif 4"),
    };
    cell.get_or_init(|| {
        let mut css = String::new();
        for (family, weight, range, bytes) in FACES.iter().filter(|f| f.0 == wanted) {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            let _ = writeln!(
                css,
                "@font-face{{font-family:'{family}';font-style:normal;font-weight:{weight};font-display:block;src:url(data:font/woff2;base64,{data}) format('woff2');unicode-range:{range};}}"
            );
        }
        css
    })
}

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font-size:10.5pt;line-height:1.4;color:#1c1c1c}
h1{font-size:20pt;margin:0 0 2pt}
.sub{color:#444;margin:0 0 10pt}
h2{font-size:11pt;text-transform:uppercase;letter-spacing:.06em;border-bottom:1px solid #999;margin:14pt 0 6pt;padding-bottom:2pt;break-after:avoid}
.entry{margin:0 0 8pt}
.head{break-inside:avoid;break-after:avoid;font-weight:700}
.head span+span::before{content:' \\00b7  ';font-weight:400}
p{margin:0 0 5pt;orphans:3;widows:3}
ul{margin:2pt 0 0 14pt;padding:0}
li{margin:0 0 2pt;break-inside:avoid}
";

/// The complete HTML page.
pub fn html(doc: &PrintDoc) -> String {
    let family = match doc.font {
        Font::Inter => "'Inter',sans-serif",
        Font::SourceSerif => "'Source Serif 4',serif",
    };
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", escape(&doc.heading));
    if !doc.subheading.is_empty() {
        let parts: Vec<String> = doc.subheading.iter().map(|s| escape(s)).collect();
        let _ = write!(body, "<p class=\"sub\">{}</p>", parts.join(" · "));
    }
    for section in &doc.sections {
        let _ = write!(body, "<section><h2>{}</h2>", escape(&section.title));
        for entry in &section.entries {
            body.push_str("<div class=\"entry\">");
            if !entry.header.is_empty() {
                let spans: Vec<String> =
                    entry.header.iter().map(|h| format!("<span>{}</span>", escape(h))).collect();
                let _ = write!(body, "<div class=\"head\">{}</div>", spans.concat());
            }
            for p in &entry.paragraphs {
                let _ = write!(body, "<p>{}</p>", escape(p));
            }
            if !entry.bullets.is_empty() {
                body.push_str("<ul>");
                for b in &entry.bullets {
                    let _ = write!(body, "<li>{}</li>", escape(b));
                }
                body.push_str("</ul>");
            }
            body.push_str("</div>");
        }
        body.push_str("</section>");
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:\">\
<title>{title}</title><meta name=\"author\" content=\"{author}\">\
<style>{faces}{STYLE}body{{font-family:{family}}}</style></head><body>{body}</body></html>",
        title = escape(&doc.title),
        author = escape(&doc.author),
        faces = font_faces(doc.font),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_everywhere() {
        let hostile = r#"<script>alert(1)</script><img src="http://127.0.0.1:9/x"> & 'q'"#;
        let doc = PrintDoc {
            title: hostile.into(),
            author: hostile.into(),
            heading: hostile.into(),
            subheading: vec![hostile.into()],
            sections: vec![Section {
                title: hostile.into(),
                entries: vec![Entry {
                    header: vec![hostile.into()],
                    paragraphs: vec![hostile.into()],
                    bullets: vec![hostile.into()],
                }],
            }],
            font: Font::Inter,
        };
        let page = html(&doc);
        assert!(!page.contains("<script>") && !page.contains("<img"), "raw markup leaked");
        assert_eq!(page.matches("&lt;script&gt;").count(), 8);
        assert!(page.contains("default-src 'none'"));
    }

    #[test]
    fn every_bundled_face_is_inlined() {
        for font in [Font::Inter, Font::SourceSerif] {
            let css = font_faces(font);
            assert_eq!(
                css.matches("@font-face").count(),
                4,
                "regular and bold, latin and latin-ext"
            );
            assert!(!css.contains("http"), "no font is fetched");
        }
    }
}
