//! The tailored CV as the editor holds it: a structured document with its print settings,
//! validated at the edge (every error names its field), with a small inline markup
//! (`**bold**`, `*italic*`, `[text](https://…)`). The print view (`print`) turns it into the
//! HTML both the live preview and the PDF are made from; `ats` finds the posting's keywords.
//!
//! The inline markup parser (`spans`) is deliberately ours: it accepts exactly these three
//! forms and nothing else, so no user text can become other markup; a Markdown crate would
//! accept far more (raw HTML among it) and add to the WASM bundle.

pub mod ats;
pub mod fit;
pub mod form;
pub mod print;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CvDocument {
    pub header: CvHeader,
    #[serde(default)]
    pub sections: Vec<CvSection>,
    #[serde(default)]
    pub settings: CvSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CvHeader {
    pub name: String,
    #[serde(default)]
    pub headline: String,
    #[serde(default)]
    pub links: Vec<CvLink>,
}

/// A contact line: an e-mail address, a phone number or a web address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CvLink {
    pub label: String,
    /// `https://…`, `http://…`, `mailto:…` or `tel:…`; empty for plain text.
    #[serde(default)]
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    Summary,
    Experience,
    Skills,
    Education,
    Projects,
    Certifications,
    #[default]
    Custom,
}

impl SectionKind {
    pub const ALL: [SectionKind; 7] = [
        SectionKind::Summary,
        SectionKind::Experience,
        SectionKind::Skills,
        SectionKind::Education,
        SectionKind::Projects,
        SectionKind::Certifications,
        SectionKind::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SectionKind::Summary => "summary",
            SectionKind::Experience => "experience",
            SectionKind::Skills => "skills",
            SectionKind::Education => "education",
            SectionKind::Projects => "projects",
            SectionKind::Certifications => "certifications",
            SectionKind::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<SectionKind> {
        SectionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The heading a new section of this kind starts with.
    pub fn default_title(self) -> &'static str {
        match self {
            SectionKind::Summary => "Summary",
            SectionKind::Experience => "Experience",
            SectionKind::Skills => "Skills",
            SectionKind::Education => "Education",
            SectionKind::Projects => "Projects",
            SectionKind::Certifications => "Certifications",
            SectionKind::Custom => "Other",
        }
    }

    /// What an item's title and subtitle hold in this kind of section (editor labels).
    pub fn item_labels(self) -> (&'static str, &'static str) {
        match self {
            SectionKind::Experience => ("Job title", "Employer"),
            SectionKind::Education => ("Degree", "Institution"),
            SectionKind::Skills => ("Group", ""),
            SectionKind::Certifications => ("Certificate", "Issuer"),
            SectionKind::Projects => ("Project", "Role or link"),
            SectionKind::Summary | SectionKind::Custom => ("Title", "Subtitle"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CvSection {
    pub kind: SectionKind,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub items: Vec<CvItem>,
}

/// One entry of a section: a job, a degree, a skills group, a paragraph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CvItem {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default)]
    pub dates: String,
    #[serde(default)]
    pub location: String,
    /// Free text; a blank line starts a new paragraph.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub bullets: Vec<CvBullet>,
    /// Where the item's facts came from; `None` when the user wrote it.
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CvBullet {
    pub text: String,
    /// Where the line came from; `None` marks a line the user wrote by hand.
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

/// A line's source in the candidate's own records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub source: crate::resume::Source,
    /// What the chip shows: "Master CV · Lumen, highlight 3", "STAR · Cut settlement time".
    pub label: String,
    /// The user changed the line's words: `source` is where it came *from*, no longer what
    /// vouches for it (its claims are checked again, `claims to check`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub edited: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Font {
    #[default]
    Inter,
    SourceSerif,
}

impl Font {
    pub const ALL: [Font; 2] = [Font::Inter, Font::SourceSerif];

    pub fn as_str(self) -> &'static str {
        match self {
            Font::Inter => "inter",
            Font::SourceSerif => "source_serif",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Font::Inter => "Inter (sans-serif)",
            Font::SourceSerif => "Source Serif 4 (serif)",
        }
    }

    pub fn family(self) -> &'static str {
        match self {
            Font::Inter => "Inter",
            Font::SourceSerif => "Source Serif 4",
        }
    }
}

/// Paper sizes the renderer prints on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    /// Width and height in millimetres.
    pub fn mm(self) -> (f64, f64) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::Letter => "Letter",
        }
    }
}

/// Margin presets the editor offers; any other value in range is "custom".
pub const MARGIN_PRESETS: [(&str, f64); 3] = [("Narrow", 10.0), ("Normal", 16.0), ("Wide", 25.0)];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct CvSettings {
    pub font: Font,
    /// Body text size in points (7–16).
    pub font_size_pt: f64,
    /// Line height as a multiple of the font size (1.0–2.0).
    pub line_height: f64,
    /// `#rrggbb`, used for the name and the section rules.
    pub accent: String,
    pub paper: Paper,
    /// All four margins, in millimetres (5–40).
    pub margin_mm: f64,
    pub page_numbers: bool,
    /// Pages the CV should fit on; the editor warns beyond it (1–10).
    pub page_budget: u32,
}

impl Default for CvSettings {
    fn default() -> Self {
        CvSettings {
            font: Font::Inter,
            font_size_pt: 10.5,
            line_height: 1.4,
            accent: "#1f3a5f".into(),
            paper: Paper::A4,
            margin_mm: 16.0,
            page_numbers: true,
            page_budget: 2,
        }
    }
}

/// A document that fails validation: the field's path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` {}", self.field, self.message)
    }
}

const MAX_LINE: usize = 300;
const MAX_TEXT: usize = 5_000;
const MAX_SECTIONS: usize = 30;
const MAX_ITEMS: usize = 100;
const MAX_BULLETS: usize = 50;
const MAX_LINKS: usize = 10;

fn check_len(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let n = value.chars().count();
    if n > max {
        return Err(FieldError {
            field: field.into(),
            message: format!("is {n} characters long; at most {max} are allowed"),
        });
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError {
            field: field.into(),
            message: "contains control characters".into(),
        });
    }
    Ok(())
}

fn check_count(field: &str, n: usize, max: usize) -> Result<(), FieldError> {
    if n > max {
        return Err(FieldError {
            field: field.into(),
            message: format!("has {n} entries; at most {max} are allowed"),
        });
    }
    Ok(())
}

/// Whether user text may become a link: only `http`, `https` and `mailto` addresses, with no
/// white space or control characters. `javascript:`, `data:`, `file:` and everything else stay
/// text. Every place that turns stored text into an `href` asks this (`safe_href`).
pub fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"].iter().any(|s| lower.starts_with(s))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `url` as an `href` when it is safe to link (see `safe_url`), else `None` (shown as text).
pub fn safe_href(url: &str) -> Option<String> {
    safe_url(url).then(|| url.trim().to_string())
}

/// Addresses a CV's contact line may store: the linkable ones and `tel:` (a phone number,
/// printed as text).
fn storable_contact(url: &str) -> bool {
    safe_url(url)
        || (url.to_ascii_lowercase().starts_with("tel:")
            && !url.chars().any(|c| c.is_whitespace() || c.is_control()))
}

fn check_provenance(field: &str, p: &Option<Provenance>) -> Result<(), FieldError> {
    let Some(p) = p else { return Ok(()) };
    check_len(&format!("{field}.label"), &p.label, MAX_LINE)
}

impl CvSettings {
    /// `#rrggbb`.
    pub fn valid_accent(accent: &str) -> bool {
        let hex = accent.strip_prefix('#').unwrap_or("");
        hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit())
    }

    pub fn validate(&self) -> Result<(), FieldError> {
        let range = |field: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(FieldError {
                    field: format!("settings.{field}"),
                    message: format!("must be from {lo} to {hi}, got {v}"),
                })
            }
        };
        range("font_size_pt", self.font_size_pt, 7.0, 16.0)?;
        range("line_height", self.line_height, 1.0, 2.0)?;
        range("margin_mm", self.margin_mm, 5.0, 40.0)?;
        range("page_budget", f64::from(self.page_budget), 1.0, 10.0)?;
        if !CvSettings::valid_accent(&self.accent) {
            return Err(FieldError {
                field: "settings.accent".into(),
                message: format!("must be a colour like #1f3a5f, got {:?}", self.accent),
            });
        }
        Ok(())
    }
}

impl CvDocument {
    /// Checks every field; the first problem found names its path (`sections[1].items[0].title`).
    pub fn validate(&self) -> Result<(), FieldError> {
        let h = &self.header;
        if h.name.trim().is_empty() {
            return Err(FieldError { field: "header.name".into(), message: "is empty".into() });
        }
        check_len("header.name", &h.name, MAX_LINE)?;
        check_len("header.headline", &h.headline, MAX_LINE)?;
        check_count("header.links", h.links.len(), MAX_LINKS)?;
        for (i, link) in h.links.iter().enumerate() {
            check_len(&format!("header.links[{i}].label"), &link.label, MAX_LINE)?;
            if !link.url.is_empty() && !storable_contact(&link.url) {
                return Err(FieldError {
                    field: format!("header.links[{i}].url"),
                    message: "must be an https, http, mailto or tel address".into(),
                });
            }
        }
        check_count("sections", self.sections.len(), MAX_SECTIONS)?;
        for (s, section) in self.sections.iter().enumerate() {
            let at = format!("sections[{s}]");
            check_len(&format!("{at}.title"), &section.title, MAX_LINE)?;
            check_count(&format!("{at}.items"), section.items.len(), MAX_ITEMS)?;
            for (i, item) in section.items.iter().enumerate() {
                let at = format!("{at}.items[{i}]");
                for (name, value) in [
                    ("title", &item.title),
                    ("subtitle", &item.subtitle),
                    ("dates", &item.dates),
                    ("location", &item.location),
                ] {
                    check_len(&format!("{at}.{name}"), value, MAX_LINE)?;
                }
                check_len(&format!("{at}.text"), &item.text, MAX_TEXT)?;
                check_provenance(&format!("{at}.provenance"), &item.provenance)?;
                check_count(&format!("{at}.bullets"), item.bullets.len(), MAX_BULLETS)?;
                for (b, bullet) in item.bullets.iter().enumerate() {
                    let at = format!("{at}.bullets[{b}]");
                    check_len(&format!("{at}.text"), &bullet.text, MAX_TEXT)?;
                    check_provenance(&format!("{at}.provenance"), &bullet.provenance)?;
                }
            }
        }
        self.settings.validate()
    }

    /// Every provenance in the document with its field path (for checking the sources exist).
    pub fn provenances(&self) -> Vec<(String, &Provenance)> {
        let mut out = Vec::new();
        for (s, section) in self.sections.iter().enumerate() {
            for (i, item) in section.items.iter().enumerate() {
                let at = format!("sections[{s}].items[{i}]");
                if let Some(p) = &item.provenance {
                    out.push((format!("{at}.provenance"), p));
                }
                for (b, bullet) in item.bullets.iter().enumerate() {
                    if let Some(p) = &bullet.provenance {
                        out.push((format!("{at}.bullets[{b}].provenance"), p));
                    }
                }
            }
        }
        out
    }

    /// The document's words as a reader (or an ATS) sees them: markup removed, in order.
    pub fn plain_text(&self) -> String {
        let mut out = vec![self.header.name.clone(), self.header.headline.clone()];
        out.extend(self.header.links.iter().map(|l| l.label.clone()));
        for section in &self.sections {
            out.push(section.title.clone());
            for item in &section.items {
                for field in [&item.title, &item.subtitle, &item.dates, &item.location] {
                    out.push(field.clone());
                }
                out.push(plain(&item.text));
                out.extend(item.bullets.iter().map(|b| plain(&b.text)));
            }
        }
        out.retain(|s| !s.trim().is_empty());
        out.join("\n")
    }
}

/// A saved state of a job's CV. Every save is a new version; the one sent to an employer can
/// be marked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CvVersion {
    pub job_id: String,
    pub number: u32,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
    /// Set when the user marked this version as the one sent to the employer.
    pub sent_at: Option<DateTime<Utc>>,
    /// The version this one restored, when it was made by "restore".
    pub restored_from: Option<u32>,
    pub document: CvDocument,
}

/// The posting as it read when a CV was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PostingSnapshot {
    pub title: String,
    pub company: String,
    pub location: String,
    pub url: Option<String>,
    pub description: String,
}

/// What produced one layer's output in the run a packet was sent from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LayerProvenance {
    pub layer: crate::model::LayerName,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub prompt_version: Option<String>,
}

/// What was sent to the employer, locked when the version was marked sent: the exact PDF
/// (downloadable again byte for byte, its SHA-256 here), the cover letter, the posting as it
/// read, and the run, models and prompt versions that produced them. It is never changed or
/// pruned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SentPacket {
    pub job_id: String,
    pub version: u32,
    pub sent_at: DateTime<Utc>,
    pub sent_by: String,
    pub file_name: String,
    /// Lower-case hex SHA-256 of the PDF's bytes.
    pub pdf_sha256: String,
    pub pdf_bytes: usize,
    pub cover_letter: Option<String>,
    pub posting: PostingSnapshot,
    /// The newest finished run of the job when the CV was sent.
    pub run_id: Option<String>,
    pub layers: Vec<LayerProvenance>,
}

/// A version without its document, for the history list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CvVersionSummary {
    pub number: u32,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub restored_from: Option<u32>,
}

impl From<&CvVersion> for CvVersionSummary {
    fn from(v: &CvVersion) -> Self {
        CvVersionSummary {
            number: v.number,
            saved_at: v.saved_at,
            saved_by: v.saved_by.clone(),
            sent_at: v.sent_at,
            restored_from: v.restored_from,
        }
    }
}

/// Where the editor's document came from when it has not been saved yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CvOrigin {
    /// The latest saved version.
    Saved,
    /// The pipeline's tailored draft (no save yet).
    Pipeline,
    /// The master CV (no run has produced a draft).
    MasterCv,
}

/// What `GET /api/jobs/{id}/cv-editor` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CvEditorState {
    pub job_id: String,
    pub title: String,
    pub company: String,
    pub document: CvDocument,
    /// The saved version the document is; `None` before the first save.
    pub version: Option<u32>,
    pub saved_at: Option<DateTime<Utc>>,
    pub origin: CvOrigin,
    /// The posting's keywords for the ATS panel (empty before a run extracted them).
    pub keywords: Vec<String>,
}

/// What `PUT /api/jobs/{id}/cv-editor` takes: the document, and the version it was edited
/// from (a save based on an older version than the latest is refused with 409).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CvSave {
    pub document: CvDocument,
    #[serde(default)]
    pub base_version: Option<u32>,
}

/// What reading a printed PDF's text back found, against the lines the document prints:
/// every line present, in order, with the same characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ParseBack {
    /// How many lines were looked for.
    pub lines: usize,
    /// Lines the PDF's text does not contain.
    pub missing: Vec<String>,
    /// Lines that read back only with characters changed (ligatures, dashes, accents split).
    pub replaced: Vec<String>,
    /// Lines present, but earlier than the line before them.
    pub out_of_order: Vec<String>,
    /// Why the check could not run (no `pdftotext`); the PDF itself is fine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl ParseBack {
    /// Every line read back as printed (a check that could not run did not pass).
    pub fn passed(&self) -> bool {
        self.unavailable.is_none()
            && self.missing.is_empty()
            && self.replaced.is_empty()
            && self.out_of_order.is_empty()
    }

    /// The result in one ASCII line, for the `X-Parse-Back` header.
    pub fn summary(&self) -> String {
        match &self.unavailable {
            Some(_) => "unavailable".into(),
            None if self.passed() => format!("ok; lines={}", self.lines),
            None => format!(
                "failed; lines={}; missing={}; replaced={}; out_of_order={}",
                self.lines,
                self.missing.len(),
                self.replaced.len(),
                self.out_of_order.len()
            ),
        }
    }
}

/// Removes the inline markup, keeping the words (link labels stay, addresses go).
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for span in spans(text) {
        match span {
            Span::Text(t) | Span::Bold(t) | Span::Italic(t) => out.push_str(&t),
            Span::Link { label, .. } => out.push_str(&label),
        }
    }
    out
}

/// A piece of inline text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Bold(String),
    Italic(String),
    Link { label: String, url: String },
}

/// Splits text into plain, `**bold**`, `*italic*` and `[label](url)` spans. Markers without a
/// partner, and links to unsafe addresses, stay literal text.
pub fn spans(text: &str) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let found = if let Some(after) = rest.strip_prefix("**") {
            after.find("**").filter(|&n| n > 0).map(|n| (Span::Bold(after[..n].into()), n + 4))
        } else if let Some(after) = rest.strip_prefix('*') {
            after
                .find('*')
                .filter(|&n| n > 0 && !after[..n].starts_with(' '))
                .map(|n| (Span::Italic(after[..n].into()), n + 2))
        } else if let Some(after) = rest.strip_prefix('[') {
            after.find("](").and_then(|close| {
                let url_part = &after[close + 2..];
                let end = url_part.find(')')?;
                let url = &url_part[..end];
                (close > 0 && safe_url(url)).then(|| {
                    (
                        Span::Link { label: after[..close].into(), url: url.into() },
                        1 + close + 2 + end + 1,
                    )
                })
            })
        } else {
            None
        };
        match found {
            Some((span, used)) => {
                if !plain.is_empty() {
                    out.push(Span::Text(std::mem::take(&mut plain)));
                }
                out.push(span);
                rest = &rest[used..];
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !plain.is_empty() {
        out.push(Span::Text(plain));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> CvDocument {
        CvDocument {
            header: CvHeader { name: "Ada".into(), ..Default::default() },
            sections: vec![CvSection {
                kind: SectionKind::Experience,
                title: "Experience".into(),
                items: vec![CvItem {
                    title: "Engineer".into(),
                    bullets: vec![CvBullet {
                        text: "Cut **latency** 40%".into(),
                        provenance: None,
                    }],
                    ..Default::default()
                }],
            }],
            settings: CvSettings::default(),
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(doc().validate(), Ok(()));
        let mut d = doc();
        d.sections[0].items[0].bullets[0].text = "x".repeat(MAX_TEXT + 1);
        assert_eq!(d.validate().unwrap_err().field, "sections[0].items[0].bullets[0].text");
        let mut d = doc();
        d.header.name = "  ".into();
        assert_eq!(d.validate().unwrap_err().field, "header.name");
        let mut d = doc();
        d.header.links.push(CvLink { label: "x".into(), url: "javascript:alert(1)".into() });
        assert_eq!(d.validate().unwrap_err().field, "header.links[0].url");
        let mut d = doc();
        d.settings.accent = "red".into();
        assert_eq!(d.validate().unwrap_err().field, "settings.accent");
        let mut d = doc();
        d.settings.font_size_pt = f64::NAN;
        assert_eq!(d.validate().unwrap_err().field, "settings.font_size_pt");
        let mut v = serde_json::to_value(doc()).unwrap();
        v["sections"][0]["items"][0]["provenance"] =
            serde_json::json!({"source": "http://x", "label": "x"});
        let e = serde_json::from_value::<CvDocument>(v).unwrap_err();
        assert!(e.to_string().contains("`http://x` is not a source"), "{e}");
    }

    #[test]
    fn inline_markup_parses_and_unsafe_links_stay_text() {
        assert_eq!(
            spans("a **b** *c* [d](https://e.x) [f](javascript:g) 2 * 3 * 4"),
            vec![
                Span::Text("a ".into()),
                Span::Bold("b".into()),
                Span::Text(" ".into()),
                Span::Italic("c".into()),
                Span::Text(" ".into()),
                Span::Link { label: "d".into(), url: "https://e.x".into() },
                Span::Text(" [f](javascript:g) 2 * 3 * 4".into()),
            ]
        );
        assert_eq!(plain("Zürich **Café** [site](https://x.y)"), "Zürich Café site");
        assert_eq!(plain("**unclosed"), "**unclosed");
    }

    #[test]
    fn plain_text_is_in_reading_order() {
        assert_eq!(doc().plain_text(), "Ada\nExperience\nEngineer\nCut latency 40%");
    }
}
