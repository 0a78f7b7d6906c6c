//! The print view: one HTML page per document, the same for the editor's live preview and for
//! the PDF. Every piece of user text is escaped; inline markup becomes `<strong>`, `<em>` and
//! links to safe addresses only; a Content-Security-Policy forbids scripts and every fetch
//! except the bundled fonts. Page size, margins and page numbers are CSS `@page` rules, so the
//! preview and the printer read the same settings.

use super::{CvDocument, CvItem, SectionKind, Span, spans};
use std::fmt::Write;

const LATIN: &str = "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD";
const LATIN_EXT: &str = "U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,U+0304,U+0308,U+0329,U+1D00-1DBF,U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C0,U+2113,U+2C60-2C7F,U+A720-A7FF";

/// A bundled OFL face: family, weight, unicode range and its file under `public/fonts/`.
#[derive(Debug, Clone, Copy)]
pub struct Face {
    pub family: &'static str,
    pub weight: u16,
    pub range: &'static str,
    pub file: &'static str,
}

pub const FACES: &[Face] = &[
    Face { family: "Inter", weight: 400, range: LATIN, file: "inter-latin-400-normal.woff2" },
    Face { family: "Inter", weight: 700, range: LATIN, file: "inter-latin-700-normal.woff2" },
    Face {
        family: "Inter",
        weight: 400,
        range: LATIN_EXT,
        file: "inter-latin-ext-400-normal.woff2",
    },
    Face {
        family: "Inter",
        weight: 700,
        range: LATIN_EXT,
        file: "inter-latin-ext-700-normal.woff2",
    },
    Face {
        family: "Source Serif 4",
        weight: 400,
        range: LATIN,
        file: "source-serif-4-latin-400-normal.woff2",
    },
    Face {
        family: "Source Serif 4",
        weight: 700,
        range: LATIN,
        file: "source-serif-4-latin-700-normal.woff2",
    },
    Face {
        family: "Source Serif 4",
        weight: 400,
        range: LATIN_EXT,
        file: "source-serif-4-latin-ext-400-normal.woff2",
    },
    Face {
        family: "Source Serif 4",
        weight: 700,
        range: LATIN_EXT,
        file: "source-serif-4-latin-ext-700-normal.woff2",
    },
];

/// How the page gets its fonts: the `@font-face` rules and the CSP `font-src` that allows them
/// (`data:` when the faces are inlined for the PDF, `'self'` when the preview links them).
#[derive(Debug, Clone, Copy)]
pub struct Fonts<'a> {
    pub faces_css: &'a str,
    pub csp_src: &'a str,
}

/// The `@font-face` rules of one family, each face's `src` given by `src(face)`.
pub fn faces_css(family: &str, src: impl Fn(&Face) -> String) -> String {
    let mut css = String::new();
    for face in FACES.iter().filter(|f| f.family == family) {
        let _ = writeln!(
            css,
            "@font-face{{font-family:'{}';font-style:normal;font-weight:{};font-display:block;src:url({}) format('woff2');unicode-range:{};}}",
            face.family,
            face.weight,
            src(face),
            face.range
        );
    }
    css
}

/// Escapes text for HTML element content and quoted attribute values (`&`, `<`, `>`, `"` and
/// `'`).
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// Inline text as HTML: escaped, with its bold, italic and links.
pub fn inline(text: &str) -> String {
    let mut out = String::new();
    for span in spans(text) {
        match span {
            Span::Text(t) => out.push_str(&escape(&t)),
            Span::Bold(t) => {
                let _ = write!(out, "<strong>{}</strong>", escape(&t));
            }
            Span::Italic(t) => {
                let _ = write!(out, "<em>{}</em>", escape(&t));
            }
            Span::Link { label, url } => {
                let _ = write!(out, "<a href=\"{}\">{}</a>", escape(&url), escape(&label));
            }
        }
    }
    out
}

/// Free text as paragraphs: a blank line starts a new one, a single newline breaks the line.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(inline).collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect()
}

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;color:#1c1c1c;font-size:var(--size);line-height:var(--lh);font-family:var(--family)}
a{color:inherit;text-decoration:none}
header{break-inside:avoid;margin:0 0 8pt}
h1{font-size:1.9em;line-height:1.15;margin:0 0 2pt;color:var(--accent)}
.headline{margin:0 0 2pt;font-size:1.1em}
.links{margin:0;color:#444}
.links span+span::before{content:'  \\00b7  '}
h2{font-size:1.05em;text-transform:uppercase;letter-spacing:.06em;color:var(--accent);border-bottom:1px solid var(--accent);margin:12pt 0 5pt;padding-bottom:2pt;break-after:avoid}
.entry{margin:0 0 7pt}
.head{display:flex;justify-content:space-between;gap:8pt;break-inside:avoid;break-after:avoid}
.head .what{font-weight:700}
.head .what span+span::before{content:' \\00b7  ';font-weight:400}
.head .what span+span{font-weight:400}
.head .when{color:#444;white-space:nowrap;text-align:right}
.head .when span+span::before{content:' \\00b7  '}
p{margin:0 0 4pt;orphans:3;widows:3}
ul{margin:2pt 0 0 1.2em;padding:0}
li{margin:0 0 2pt;break-inside:avoid}
.skills p{margin:0 0 2pt}
@media screen{html{background:#e4e6eb}body{position:relative;background:#fff;margin:0 auto;box-shadow:0 1px 4px rgba(0,0,0,.25)}}
";

fn entry(kind: SectionKind, item: &CvItem) -> String {
    let mut out = String::new();
    if kind == SectionKind::Skills {
        let label = if item.title.is_empty() {
            String::new()
        } else {
            format!("<strong>{}:</strong> ", escape(&item.title))
        };
        let _ = write!(out, "<p class=\"entry\">{label}{}</p>", inline(&item.text));
        return out;
    }
    out.push_str("<div class=\"entry\">");
    let what: String = [&item.title, &item.subtitle]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| format!("<span>{}</span>", inline(s)))
        .collect();
    let when: String = [&item.dates, &item.location]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| format!("<span>{}</span>", escape(s)))
        .collect();
    if !what.is_empty() || !when.is_empty() {
        let _ = write!(
            out,
            "<div class=\"head\"><div class=\"what\">{what}</div><div class=\"when\">{when}</div></div>"
        );
    }
    out.push_str(&paragraphs(&item.text));
    let bullets: Vec<&str> =
        item.bullets.iter().map(|b| b.text.as_str()).filter(|t| !t.trim().is_empty()).collect();
    if !bullets.is_empty() {
        out.push_str("<ul>");
        for b in bullets {
            let _ = write!(out, "<li>{}</li>", inline(b));
        }
        out.push_str("</ul>");
    }
    out.push_str("</div>");
    out
}

/// The `@page` rules and the preview's sheet size, from the document's settings.
fn page_css(doc: &CvDocument) -> String {
    let s = &doc.settings;
    let (width, height) = s.paper.mm();
    let numbers = if s.page_numbers {
        "@bottom-center{content:counter(page) ' / ' counter(pages);font-family:var(--family);font-size:8pt;color:#777}"
    } else {
        ""
    };
    format!(
        "@page{{size:{paper};margin:{m}mm;{numbers}}}\
:root{{--size:{size}pt;--lh:{lh};--accent:{accent};--family:'{family}',{generic};--page-width:{width}mm;--page-height:{height}mm;--margin:{m}mm}}\
@media screen{{body{{width:{width}mm;min-height:{height}mm;padding:{m}mm}}}}",
        paper = s.paper.as_str(),
        m = s.margin_mm,
        size = s.font_size_pt,
        lh = s.line_height,
        accent =
            if super::CvSettings::valid_accent(&s.accent) { s.accent.as_str() } else { "#1f3a5f" },
        family = s.font.family(),
        generic = if s.font == super::Font::Inter { "sans-serif" } else { "serif" },
    )
}

/// The complete HTML page of a document. `title` becomes the PDF's title; the header's name
/// its author.
pub fn html(doc: &CvDocument, title: &str, fonts: Fonts<'_>) -> String {
    let mut body = String::new();
    let h = &doc.header;
    body.push_str("<header>");
    let _ = write!(body, "<h1>{}</h1>", escape(&h.name));
    if !h.headline.is_empty() {
        let _ = write!(body, "<p class=\"headline\">{}</p>", inline(&h.headline));
    }
    if !h.links.is_empty() {
        body.push_str("<p class=\"links\">");
        for link in &h.links {
            if link.url.is_empty() || !super::safe_url(&link.url) {
                let _ = write!(body, "<span>{}</span>", escape(&link.label));
            } else {
                let _ = write!(
                    body,
                    "<span><a href=\"{}\">{}</a></span>",
                    escape(&link.url),
                    escape(&link.label)
                );
            }
        }
        body.push_str("</p>");
    }
    body.push_str("</header>");
    for section in &doc.sections {
        let _ = write!(body, "<section class=\"{}\">", section.kind.as_str());
        if !section.title.is_empty() {
            let _ = write!(body, "<h2>{}</h2>", escape(&section.title));
        }
        for item in &section.items {
            body.push_str(&entry(section.kind, item));
        }
        body.push_str("</section>");
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; font-src {csp}; img-src data:\">\
<title>{title}</title><meta name=\"author\" content=\"{author}\">\
<style id=\"faces\">{faces}</style><style>{page}{STYLE}</style></head><body>{body}</body></html>",
        csp = fonts.csp_src,
        title = escape(title),
        author = escape(&h.name),
        faces = fonts.faces_css,
        page = page_css(doc),
    )
}

/// The text the print shows, line by line in reading order, without markup: what a PDF's
/// parse-back check expects to read back (`server::pdf::parse_back`).
pub fn printed_lines(doc: &CvDocument) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |t: &str| {
        let t = super::plain(t);
        if !t.trim().is_empty() {
            out.push(t.trim().to_string());
        }
    };
    let h = &doc.header;
    push(&h.name);
    push(&h.headline);
    for link in &h.links {
        push(&link.label);
    }
    for section in &doc.sections {
        push(&section.title);
        for item in &section.items {
            for part in [&item.title, &item.subtitle, &item.dates, &item.location] {
                push(part);
            }
            item.text.lines().for_each(&mut push);
            for b in &item.bullets {
                push(&b.text);
            }
        }
    }
    out
}

/// The elements the preview measures to find page breaks: what never splits (the header, a
/// heading, an entry's head, a bullet, a paragraph), in document order.
pub const BLOCK_SELECTOR: &str = "header, h2, .head, li, section p";

/// A measured block of the preview, in CSS pixels from the top of the content box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    pub top: f64,
    pub bottom: f64,
    /// Headings and entry heads stay on the page of what follows them.
    pub keep_with_next: bool,
    /// Paragraphs may continue on the next page (between lines); the rest move whole.
    pub splittable: bool,
}

/// Where printing starts each new page, as offsets into the continuous preview, following the
/// print rules: a block that does not fit moves to the next page with the headings it keeps
/// with; a block taller than a page is cut at the page's end.
pub fn page_breaks(blocks: &[Block], page_height: f64) -> Vec<f64> {
    const SLACK: f64 = 0.5;
    let mut breaks: Vec<f64> = Vec::new();
    if page_height <= 0.0 {
        return breaks;
    }
    let mut start = 0.0;
    for (i, block) in blocks.iter().enumerate() {
        if block.bottom - start <= page_height + SLACK {
            continue;
        }
        if !block.splittable && block.bottom - block.top <= page_height {
            let mut at = block.top;
            let mut j = i;
            while j > 0 && blocks[j - 1].keep_with_next && blocks[j - 1].top > start + SLACK {
                j -= 1;
                at = blocks[j].top;
            }
            if at > start + SLACK {
                breaks.push(at);
                start = at;
            }
        }
        while block.bottom - start > page_height + SLACK {
            start += page_height;
            breaks.push(start);
        }
    }
    breaks
}

/// One millimetre in CSS pixels.
pub const PX_PER_MM: f64 = 96.0 / 25.4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cv::*;

    const FONTS: Fonts<'static> = Fonts { faces_css: "", csp_src: "'self'" };

    #[test]
    fn user_text_is_escaped_everywhere() {
        let hostile = r#"<script>alert(1)</script><img src="http://127.0.0.1:9/x"> & 'q'"#;
        let item = CvItem {
            title: hostile.into(),
            subtitle: hostile.into(),
            dates: hostile.into(),
            location: hostile.into(),
            text: hostile.into(),
            bullets: vec![CvBullet { text: hostile.into(), provenance: None }],
            provenance: None,
        };
        let doc = CvDocument {
            header: CvHeader {
                name: hostile.into(),
                headline: hostile.into(),
                links: vec![CvLink { label: hostile.into(), url: "javascript:x".into() }],
            },
            sections: vec![CvSection {
                kind: SectionKind::Experience,
                title: hostile.into(),
                items: vec![item.clone()],
            }],
            settings: CvSettings { accent: "red;}body{display:none".into(), ..Default::default() },
        };
        let page = html(&doc, hostile, FONTS);
        assert!(!page.contains("<script>") && !page.contains("<img"), "raw markup leaked");
        assert!(!page.contains("javascript:"), "unsafe link kept");
        // title, author, name, headline, link, section, item title, subtitle, dates, location,
        // text, bullet.
        assert_eq!(page.matches("&lt;script&gt;").count(), 12);
        assert!(page.contains("default-src 'none'"));
        assert!(!page.contains("display:none"), "CSS injected through the accent");
    }

    #[test]
    fn settings_become_page_rules() {
        let mut doc = CvDocument::default();
        doc.settings.paper = Paper::Letter;
        doc.settings.margin_mm = 12.0;
        doc.settings.page_numbers = false;
        doc.settings.font = Font::SourceSerif;
        let page = html(&doc, "t", FONTS);
        assert!(page.contains("@page{size:Letter;margin:12mm;}"), "{page}");
        assert!(page.contains("--family:'Source Serif 4',serif"));
        doc.settings.page_numbers = true;
        assert!(html(&doc, "t", FONTS).contains("counter(pages)"));
    }

    #[test]
    fn inline_markup_renders_safely() {
        assert_eq!(
            inline("**Led** <b> *team* [site](https://x.y/?a=1&b=\"2\")"),
            "<strong>Led</strong> &lt;b&gt; <em>team</em> <a href=\"https://x.y/?a=1&amp;b=&quot;2&quot;\">site</a>"
        );
    }

    fn block(top: f64, bottom: f64, keep_with_next: bool) -> Block {
        Block { top, bottom, keep_with_next, splittable: false }
    }

    #[test]
    fn blocks_that_do_not_fit_move_with_their_heading() {
        // Page height 100: the bullet at 90–110 does not fit; its head (80–90) goes with it.
        let blocks = [
            block(0.0, 40.0, false),
            block(45.0, 75.0, false),
            block(80.0, 90.0, true),
            block(90.0, 110.0, false),
            block(110.0, 150.0, false),
        ];
        assert_eq!(page_breaks(&blocks, 100.0), vec![80.0]);
        // Everything fits: one page.
        assert_eq!(page_breaks(&blocks[..2], 100.0), Vec::<f64>::new());
        // A block taller than two pages is cut at each page's end.
        assert_eq!(page_breaks(&[block(10.0, 260.0, false)], 100.0), vec![100.0, 200.0]);
        // A paragraph continues on the next page instead of moving.
        let para = Block { splittable: true, ..block(60.0, 130.0, false) };
        assert_eq!(page_breaks(&[block(0.0, 50.0, false), para], 100.0), vec![100.0]);
    }

    #[test]
    fn faces_use_the_given_source() {
        let css = faces_css("Inter", |f| format!("/fonts/{}", f.file));
        assert_eq!(css.matches("@font-face").count(), 4);
        assert!(css.contains("url(/fonts/inter-latin-700-normal.woff2)"));
    }
}
