//! Fitting a CV to its page budget by relevance (`app::cv::fit`): which bullets go first.
//!
//! A bullet's relevance to the posting: 2 for each must-have requirement of the fit ledger
//! whose evidence is the bullet's record and 1 for each nice-to-have; the STAR selection's
//! score of its STAR record, as a share of the best one; and ½ for each of the posting's top
//! keywords it names. A line the user wrote or edited is theirs and goes last (+10). Among equal
//! bullets, the one further down the document goes first.

use crate::text;
use app::cv::fit::CutBullet;
use app::cv::{CvBullet, CvDocument};
use app::outputs::{Importance, Ledger, Stars};
use app::resume::Source;
use std::collections::HashMap;

/// Relevance a line the user wrote keeps over any the records gave.
const USER_WRITTEN: f64 = 10.0;

/// What makes a bullet relevant to one posting.
pub struct Relevance {
    requirements: HashMap<Source, f64>,
    stars: HashMap<String, f64>,
    keywords: Vec<String>,
}

impl Relevance {
    pub fn new(ledger: Option<&Ledger>, stars: Option<&Stars>, keywords: &[String]) -> Relevance {
        let mut requirements = HashMap::new();
        for r in ledger.map(|l| &l.requirements[..]).unwrap_or_default() {
            let weight = match r.importance {
                Importance::MustHave => 2.0,
                Importance::NiceToHave => 1.0,
            };
            for e in &r.evidence {
                *requirements.entry(e.source.clone()).or_insert(0.0) += weight;
            }
        }
        let ranked = stars.map(|s| &s.ranked[..]).unwrap_or_default();
        let best = ranked.iter().map(|s| s.score).fold(0.0, f64::max);
        let stars =
            ranked.iter().filter(|_| best > 0.0).map(|s| (s.id.clone(), s.score / best)).collect();
        Relevance { requirements, stars, keywords: keywords.to_vec() }
    }

    pub fn of(&self, bullet: &CvBullet) -> f64 {
        let words = text::words(&bullet.text);
        let named = self.keywords.iter().filter(|k| text::contains_phrase(&words, k)).count();
        let mut score = 0.5 * named as f64;
        match &bullet.provenance {
            Some(p) if !p.edited => {
                score += self.requirements.get(&p.source).copied().unwrap_or_default();
                if let Source::Star(id) = &p.source {
                    score += self.stars.get(id).copied().unwrap_or_default();
                }
            }
            _ => score += USER_WRITTEN,
        }
        score
    }
}

/// Every bullet of `doc`, in the order a fit cuts them: lowest relevance first.
pub fn cut_order(doc: &CvDocument, relevance: &Relevance) -> Vec<CutBullet> {
    let mut out = Vec::new();
    for (s, section) in doc.sections.iter().enumerate() {
        for (i, item) in section.items.iter().enumerate() {
            for (b, bullet) in item.bullets.iter().enumerate() {
                out.push(CutBullet {
                    section: s,
                    item: i,
                    bullet: b,
                    item_title: item.title.clone(),
                    line: bullet.clone(),
                    relevance: relevance.of(bullet),
                });
            }
        }
    }
    // Stable: equal relevance keeps document order, reversed so the lowest line goes first.
    out.reverse();
    out.sort_by(|a, b| a.relevance.total_cmp(&b.relevance));
    out
}

/// `doc` without the bullets in `cut`.
pub fn without(doc: &CvDocument, cut: &[CutBullet]) -> CvDocument {
    let mut out = doc.clone();
    for (s, section) in out.sections.iter_mut().enumerate() {
        for (i, item) in section.items.iter_mut().enumerate() {
            let mut b = 0;
            item.bullets.retain(|_| {
                let keep = !cut.iter().any(|c| (c.section, c.item, c.bullet) == (s, i, b));
                b += 1;
                keep
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::cv::fit::restore;
    use app::cv::{CvItem, CvSection, Provenance, SectionKind};
    use app::outputs::{LedgerEvidence, RankedStar, Requirement, Strength};

    fn bullet(text: &str, source: &str) -> CvBullet {
        let provenance = Some(Provenance {
            source: source.parse().unwrap(),
            label: String::new(),
            edited: false,
        });
        CvBullet { text: text.into(), provenance }
    }

    fn document() -> CvDocument {
        let item = |title: &str, bullets: Vec<CvBullet>| CvItem {
            title: title.into(),
            bullets,
            ..Default::default()
        };
        CvDocument {
            sections: vec![CvSection {
                kind: SectionKind::Experience,
                title: "Experience".into(),
                items: vec![
                    item(
                        "Staff Engineer",
                        vec![
                            bullet("Rebuilt the ledger in Rust", "star:ledger"),
                            bullet("Ran the office book club", "master_cv:work[0].highlights[1]"),
                            CvBullet { text: "Wrote this myself".into(), provenance: None },
                        ],
                    ),
                    item(
                        "Engineer",
                        vec![
                            bullet(
                                "Kept Kafka consumers idempotent",
                                "master_cv:work[1].highlights[0]",
                            ),
                            bullet("Organised the summer party", "master_cv:work[1].highlights[1]"),
                        ],
                    ),
                ],
            }],
            ..Default::default()
        }
    }

    fn relevance() -> Relevance {
        let requirement = |importance, source: &str| Requirement {
            id: "r".into(),
            importance,
            quote: String::new(),
            strength: Strength::Direct,
            matched: vec![],
            missing: vec![],
            evidence: vec![LedgerEvidence { source: source.parse().unwrap(), text: String::new() }],
        };
        let ledger = Ledger {
            requirements: vec![requirement(Importance::MustHave, "star:ledger")],
            score: 80,
            model_score: None,
        };
        let star = RankedStar {
            id: "ledger".into(),
            title: String::new(),
            score: 4.0,
            matched_skills: vec![],
        };
        let stars = Stars { ranked: vec![star], selected: vec![], mapping: vec![] };
        Relevance::new(Some(&ledger), Some(&stars), &["Kafka".to_string()])
    }

    #[test]
    fn the_least_relevant_bullets_go_first_and_the_users_own_last() {
        let order = cut_order(&document(), &relevance());
        let texts: Vec<&str> = order.iter().map(|c| c.line.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                // Equal at 0: the one further down goes first.
                "Organised the summer party",
                "Ran the office book club",
                "Kept Kafka consumers idempotent",
                "Rebuilt the ledger in Rust",
                "Wrote this myself",
            ]
        );
        assert_eq!(order[2].relevance, 0.5);
        assert_eq!(order[3].relevance, 3.0, "a must-have's evidence and the best STAR record");
    }

    #[test]
    fn cutting_and_restoring_give_back_the_document() {
        let doc = document();
        let order = cut_order(&doc, &relevance());
        let cut = &order[..3];
        let fitted = without(&doc, cut);
        let left: Vec<usize> = fitted.sections[0].items.iter().map(|i| i.bullets.len()).collect();
        assert_eq!(left, [2, 0]);
        let mut back = fitted;
        for (k, c) in cut.iter().enumerate() {
            restore(&mut back, c, &cut[k..]);
        }
        assert_eq!(back, doc);
    }
}
