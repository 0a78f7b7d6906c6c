//! Fitting a CV to its page budget by relevance: the wire types, the type floors a fitted CV
//! never goes below, and putting a cut bullet back where it was.
//!
//! The server (`server::page_fit`) ranks the document's bullets by relevance to the posting
//! and prints the document without the fewest lowest-ranked bullets that bring it within the
//! budget; the type is never shrunk to get there.

use super::{CvBullet, CvDocument, CvSettings};
use serde::{Deserialize, Serialize};

/// The smallest body text, line height and margins a fitted CV prints with.
pub const MIN_FONT_PT: f64 = 9.0;
pub const MIN_LINE_HEIGHT: f64 = 1.15;
pub const MIN_MARGIN_MM: f64 = 8.0;

impl CvSettings {
    /// These settings raised to the floors a fitted CV keeps (body text, line height,
    /// margins); whatever is already above them stays.
    pub fn with_floors(&self) -> CvSettings {
        CvSettings {
            font_size_pt: self.font_size_pt.max(MIN_FONT_PT),
            line_height: self.line_height.max(MIN_LINE_HEIGHT),
            margin_mm: self.margin_mm.max(MIN_MARGIN_MM),
            ..self.clone()
        }
    }
}

/// `POST /api/jobs/{id}/cv-editor/fit`: which document, on how many pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FitRequest {
    /// The document to fit (the editor's current one); the saved CV when absent.
    #[serde(default)]
    pub document: Option<CvDocument>,
    /// The pages to fit on (1–10); the document's page budget when absent.
    #[serde(default)]
    pub pages: Option<u32>,
}

/// A bullet the fit took out, with where it was and why it went first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CutBullet {
    /// Its place in the document before the fit.
    pub section: usize,
    pub item: usize,
    pub bullet: usize,
    /// The item it belonged to ("Staff Backend Engineer").
    pub item_title: String,
    pub line: CvBullet,
    /// Its relevance to the posting (higher stays longer).
    pub relevance: f64,
}

/// What fitting a CV did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CvFit {
    /// The fitted document (the one sent, unchanged, when it already fits or cannot).
    pub document: CvDocument,
    /// The bullets taken out, lowest relevance first.
    pub cut: Vec<CutBullet>,
    pub budget: u32,
    /// Printed pages before and after.
    pub pages_before: u32,
    pub pages_after: u32,
    /// Whether the fitted document is within the budget. When even every bullet cut would not
    /// bring it there, nothing is cut and this is false.
    pub fits: bool,
}

/// Puts `cut` back in `doc` where it was, given the bullets still cut (`pending`, which may
/// include `cut` itself): before it go the bullets that preceded it and are back.
pub fn restore(doc: &mut CvDocument, cut: &CutBullet, pending: &[CutBullet]) {
    let Some(item) = doc.sections.get_mut(cut.section).and_then(|s| s.items.get_mut(cut.item))
    else {
        return;
    };
    let still_out = pending
        .iter()
        .filter(|p| (p.section, p.item) == (cut.section, cut.item) && p.bullet < cut.bullet)
        .count();
    let at = cut.bullet.saturating_sub(still_out).min(item.bullets.len());
    item.bullets.insert(at, cut.line.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cv::{CvItem, CvSection, SectionKind};

    fn doc(bullets: &[&str]) -> CvDocument {
        let bullets = bullets.iter().map(|t| CvBullet { text: t.to_string(), provenance: None });
        let item =
            CvItem { title: "Engineer".into(), bullets: bullets.collect(), ..Default::default() };
        CvDocument {
            sections: vec![CvSection {
                kind: SectionKind::Experience,
                title: "Experience".into(),
                items: vec![item],
            }],
            ..Default::default()
        }
    }

    fn cut(bullet: usize, text: &str) -> CutBullet {
        CutBullet {
            section: 0,
            item: 0,
            bullet,
            item_title: "Engineer".into(),
            line: CvBullet { text: text.into(), provenance: None },
            relevance: 0.0,
        }
    }

    fn texts(d: &CvDocument) -> Vec<&str> {
        d.sections[0].items[0].bullets.iter().map(|b| b.text.as_str()).collect()
    }

    #[test]
    fn cut_bullets_go_back_where_they_were_in_any_order() {
        // "b" and "d" were cut from a, b, c, d, e.
        let mut d = doc(&["a", "c", "e"]);
        let (b, dd) = (cut(1, "b"), cut(3, "d"));
        restore(&mut d, &dd, &[b.clone(), dd.clone()]);
        assert_eq!(texts(&d), ["a", "c", "d", "e"]);
        restore(&mut d, &b, &[b.clone()]);
        assert_eq!(texts(&d), ["a", "b", "c", "d", "e"]);
        let mut d = doc(&["a", "c", "e"]);
        restore(&mut d, &b, &[b.clone(), dd.clone()]);
        restore(&mut d, &dd, &[dd.clone()]);
        assert_eq!(texts(&d), ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn a_fitted_cv_keeps_the_type_floors() {
        let small = CvSettings {
            font_size_pt: 7.5,
            line_height: 1.0,
            margin_mm: 5.0,
            ..Default::default()
        };
        let floored = small.with_floors();
        assert_eq!(
            (floored.font_size_pt, floored.line_height, floored.margin_mm),
            (MIN_FONT_PT, MIN_LINE_HEIGHT, MIN_MARGIN_MM)
        );
        assert_eq!(CvSettings::default().with_floors(), CvSettings::default());
    }
}
