//! The evidence chain of a run: the posting's needs (requirements and pain points), the
//! records they rest on, and every sentence of every generated document with the sources it
//! rests on and how it was made from them. Sentences carry their sources as the layers stored
//! them; which needs a sentence answers is read here from those sources, so the run view and
//! the API (`GET /api/jobs/{id}/chain`) show the same links.

use crate::cv::ats::{contains_phrase, words};
use crate::outputs::{Cv, Importance, Letter, Messages, OrSkipped, Pains, RunOutputs, Stars};
pub use crate::outputs::{DocPart, Grounding, Sentence, Transform};
use crate::resume::Source;
use serde::{Deserialize, Serialize};

string_enum! {
    /// What kind of need of the employer a chain starts from.
    NeedKind {
        /// A line of the posting's requirements, scored in the fit ledger.
        Requirement => "requirement",
        /// A pain point mined from the posting.
        PainPoint => "pain_point",
    }
}

/// A need of the employer: its posting span and the records that meet it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Need {
    /// `r1`… for requirements (the ledger's ids), `p1`… for pain points.
    pub id: String,
    pub kind: NeedKind,
    /// The posting's words.
    pub quote: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    /// The records that meet it (the ledger's evidence, or the STAR records mapped to it).
    pub records: Vec<Source>,
    /// The technologies of the requirement that the records show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// The lines that serve it, by id.
    pub lines: Vec<String>,
}

/// A line of a document in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ChainLine {
    /// `cv-1`, `letter-2`, `outreach-1-3`: stable within a run.
    pub id: String,
    pub part: DocPart,
    pub text: String,
    pub transform: Transform,
    pub sources: Vec<Grounding>,
    /// The needs it answers, by id.
    pub answers: Vec<String>,
}

/// The whole chain of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Chain {
    pub needs: Vec<Need>,
    pub lines: Vec<ChainLine>,
}

impl Need {
    /// Whether `line` serves this need: it rests on one of the need's records, quotes its
    /// posting span, or names one of its technologies.
    fn served_by(&self, line: &ChainLine) -> bool {
        let line_words = words(&line.text);
        line.sources.iter().any(|g| match g {
            Grounding::Record { source } => self.records.contains(source),
            Grounding::Posting { quote } => quote == &self.quote,
            Grounding::Signal { .. } => false,
        }) || self.keywords.iter().any(|k| contains_phrase(&line_words, k))
    }
}

impl Chain {
    /// The chain of a run's outputs: its ledger and pain points, then the lines of its CV,
    /// cover letter, outreach and dossier, each linked to the needs it answers.
    pub fn of(outputs: &RunOutputs) -> Chain {
        let mut needs = Vec::new();
        if let Some(fit) = outputs.find::<crate::outputs::Fit>() {
            needs.extend(fit.ledger.requirements.into_iter().map(|r| Need {
                id: r.id,
                kind: NeedKind::Requirement,
                quote: r.quote,
                importance: Some(r.importance),
                records: r.evidence.into_iter().map(|e| e.source).collect(),
                keywords: r.matched,
                lines: Vec::new(),
            }));
        }
        if let Some(pains) = outputs.find::<Pains>() {
            let mapping = outputs.find::<Stars>().map(|s| s.mapping).unwrap_or_default();
            needs.extend(pains.pain_points.into_iter().enumerate().map(|(i, p)| {
                let stars = mapping.iter().filter(|m| m.pain_point == p.text);
                Need {
                    id: format!("p{}", i + 1),
                    kind: NeedKind::PainPoint,
                    records: stars.flat_map(|m| &m.star_ids).cloned().map(Source::Star).collect(),
                    quote: if p.evidence.is_empty() { p.text } else { p.evidence },
                    importance: None,
                    keywords: Vec::new(),
                    lines: Vec::new(),
                }
            }));
        }
        let mut lines = Vec::new();
        let mut push = |id: String, s: Sentence| {
            lines.push(ChainLine {
                id,
                part: s.part,
                text: s.text,
                transform: s.transform,
                sources: s.sources,
                answers: Vec::new(),
            })
        };
        if let Some(cv) = outputs.find::<OrSkipped<Cv>>().and_then(OrSkipped::done) {
            for (i, l) in cv.lines.into_iter().enumerate() {
                let records = std::iter::once(l.source).chain(l.also);
                let sources = records.map(|source| Grounding::Record { source }).collect();
                let transform = l.transform.unwrap_or(Transform::Verbatim);
                let sentence = Sentence { part: DocPart::Cv, text: l.text, transform, sources };
                push(format!("cv-{}", i + 1), sentence);
            }
        }
        if let Some(letter) = outputs.find::<OrSkipped<Letter>>().and_then(OrSkipped::done) {
            for (i, s) in letter.sentences.into_iter().enumerate() {
                push(format!("letter-{}", i + 1), s);
            }
        }
        if let Some(outreach) = outputs.find::<OrSkipped<Messages>>().and_then(OrSkipped::done) {
            for (m, message) in outreach.messages.into_iter().enumerate() {
                for (i, s) in message.sentences.into_iter().enumerate() {
                    push(format!("outreach-{}-{}", m + 1, i + 1), s);
                }
            }
        }
        if let Some(dossier) = outputs.find::<crate::outputs::Dossier>() {
            for (i, s) in dossier.sentences.into_iter().enumerate() {
                push(format!("dossier-{}", i + 1), s);
            }
        }
        for line in &mut lines {
            for need in &mut needs {
                if need.served_by(line) {
                    line.answers.push(need.id.clone());
                    need.lines.push(line.id.clone());
                }
            }
        }
        Chain { needs, lines }
    }

    pub fn is_empty(&self) -> bool {
        self.needs.is_empty() && self.lines.is_empty()
    }
}
