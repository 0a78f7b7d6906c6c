//! What each pipeline layer stores, as types: the layers write them, later layers and the run
//! view read them through [`RunOutputs`], and the server publishes their JSON Schemas.
//!
//! A run stores each layer's output as JSON on its `LayerRun` (the documents do not change);
//! the type of that JSON is fixed by the layer's name through [`LayerOutputType`], so nothing
//! reads an output by a string key.

mod sentence;
pub use sentence::{DocPart, Grounding, Sentence, Transform};

use crate::model::{
    LayerName, LayerRun, PipelineRun, RunLinks, RunStatus, RunSummary, Tier, encode_component,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A layer's output type, tied to the layer that writes it.
pub trait LayerOutputType: Serialize + DeserializeOwned {
    const LAYER: LayerName;
}

macro_rules! outputs {
    ($($ty:ty => $layer:ident),+ $(,)?) => {
        $(impl LayerOutputType for $ty {
            const LAYER: LayerName = LayerName::$layer;
        })+
    };
}

outputs! {
    Jd => JdExtraction,
    Pains => PainPoints,
    Stars => StarSelection,
    Company => CompanyResearch,
    Role => RoleResearch,
    Fit => FitScore,
    OrSkipped<People> => PeopleMapper,
    OrSkipped<Messages> => Outreach,
    OrSkipped<Letter> => CoverLetter,
    OrSkipped<Cv> => CvGeneration,
    Dossier => Publish,
}

/// Why an output could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OutputError {
    #[error("needs the output of `{0}`, which has not run")]
    Missing(LayerName),
    #[error("unreadable `{layer}` output: {message}")]
    Unreadable { layer: LayerName, message: String },
}

/// The outputs of a run's layers so far, read by type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOutputs(BTreeMap<LayerName, serde_json::Value>);

impl RunOutputs {
    /// The outputs a run's layers recorded.
    pub fn of(layers: &[LayerRun]) -> Self {
        RunOutputs(layers.iter().filter_map(|l| Some((l.name, l.output.clone()?))).collect())
    }

    pub fn insert(&mut self, layer: LayerName, value: serde_json::Value) {
        self.0.insert(layer, value);
    }

    pub fn contains(&self, layer: LayerName) -> bool {
        self.0.contains_key(&layer)
    }

    /// The layers that have an output, in pipeline order.
    pub fn layers(&self) -> impl Iterator<Item = LayerName> + '_ {
        self.0.keys().copied()
    }

    /// The typed output of the layer that writes `T`.
    pub fn get<T: LayerOutputType>(&self) -> Result<T, OutputError> {
        let value = self.0.get(&T::LAYER).ok_or(OutputError::Missing(T::LAYER))?;
        T::deserialize(value)
            .map_err(|e| OutputError::Unreadable { layer: T::LAYER, message: e.to_string() })
    }

    /// The typed output, or `None` when it is missing or unreadable (the run view).
    pub fn find<T: LayerOutputType>(&self) -> Option<T> {
        self.get().ok()
    }
}

impl RunSummary {
    /// Where `run` is and which of its documents exist.
    pub fn of(run: &PipelineRun) -> Self {
        let outputs = RunOutputs::of(&run.layers);
        let fit = outputs.find::<Fit>();
        let finished = matches!(run.status, RunStatus::Completed | RunStatus::Partial);
        let job = encode_component(&run.job_id);
        let document = |present: bool, path: &str| {
            (finished && present).then(|| format!("/api/jobs/{job}/{path}/pdf"))
        };
        let done = |layer: Option<bool>| layer.unwrap_or(false);
        let links = RunLinks {
            run: format!("/api/pipeline-runs/{}", encode_component(&run.id)),
            events: format!("/api/pipeline-runs/{}/events", encode_component(&run.id)),
            cv: document(
                done(outputs.find::<OrSkipped<Cv>>().map(|c| c.done().is_some())),
                "cv-editor",
            ),
            cover_letter: document(
                done(outputs.find::<OrSkipped<Letter>>().map(|l| l.done().is_some())),
                "cover-letter",
            ),
            dossier: document(outputs.find::<Dossier>().is_some(), "dossier"),
        };
        RunSummary {
            id: run.id.clone(),
            status: run.status,
            tier: fit.as_ref().map_or(run.tier, |f| f.tier.into()),
            fit_score: fit.map(|f| f.score),
            finished_at: run.finished_at,
            links,
        }
    }
}

/// What a generation layer stores when the tier skips it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Skipped {
    pub skipped: bool,
    pub reason: String,
}

/// A generation layer's output: its result, or why it was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum OrSkipped<T> {
    Done(T),
    Skipped(Skipped),
}

impl<T> OrSkipped<T> {
    pub fn done(self) -> Option<T> {
        match self {
            OrSkipped::Done(t) => Some(t),
            OrSkipped::Skipped(_) => None,
        }
    }
}

/// `jd_extraction`: the posting's structure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Jd {
    pub title: String,
    pub company: String,
    pub location: String,
    pub remote_policy: String,
    pub seniority: String,
    pub role_category: String,
    pub responsibilities: Vec<String>,
    pub must_have: Vec<String>,
    pub nice_to_have: Vec<String>,
    pub technical_skills: Vec<String>,
    pub soft_skills: Vec<String>,
    pub top_keywords: Vec<String>,
    pub years_of_experience: Option<u32>,
    pub salary: Option<String>,
    /// What the fact gate kept out: sentences and terms the posting does not contain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedClaim>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Finding {
    pub text: String,
    /// The sentence of the posting it rests on, quoted.
    pub evidence: String,
    #[cfg_attr(feature = "ssr", schemars(range(min = 0.0, max = 1.0)))]
    pub confidence: f64,
}

/// `pain_points`: what the employer needs solved, each with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Pains {
    pub pain_points: Vec<Finding>,
    pub strategic_needs: Vec<Finding>,
    pub risks_if_unfilled: Vec<Finding>,
    pub success_metrics: Vec<Finding>,
    /// What the fact gate kept out: sentences and terms the posting does not support.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedClaim>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RankedStar {
    pub id: String,
    pub title: String,
    pub score: f64,
    pub matched_skills: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PainMapping {
    pub pain_point: String,
    pub star_ids: Vec<String>,
}

/// `star_selection`: the candidate's STAR records ranked for the posting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Stars {
    pub ranked: Vec<RankedStar>,
    pub selected: Vec<RankedStar>,
    pub mapping: Vec<PainMapping>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Signal {
    /// funding, acquisition, leadership_change, product_launch, partnership or growth.
    pub kind: String,
    pub text: String,
    pub source_url: Option<String>,
}

/// `company_research`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Company {
    pub company: String,
    pub summary: String,
    pub signals: Vec<Signal>,
    /// Where this came from; offline it is the posting itself, never the web.
    pub source: String,
    /// What the fact gate kept out: sentences and terms the search results (or, offline, the posting) do not support.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedClaim>,
}

/// `role_research`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Role {
    pub summary: String,
    pub business_impact: Vec<String>,
    pub why_now: Vec<String>,
    /// What the fact gate kept out: sentences and terms the posting and its page do not support.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedClaim>,
}

string_enum! {
    /// A fit score in words: exceptional ≥ 90, strong ≥ 80, good ≥ 70, moderate ≥ 60, weak
    /// below.
    FitCategory {
        Exceptional => "exceptional",
        Strong => "strong",
        Good => "good",
        Moderate => "moderate",
        Weak => "weak",
    }
}

impl FitCategory {
    pub fn for_score(score: u8) -> FitCategory {
        match score {
            90.. => FitCategory::Exceptional,
            80.. => FitCategory::Strong,
            70.. => FitCategory::Good,
            60.. => FitCategory::Moderate,
            _ => FitCategory::Weak,
        }
    }
}

string_enum! {
    /// How much a requirement weighs in the fit score.
    Importance {
        MustHave => "must_have",
        NiceToHave => "nice_to_have",
    }
}

string_enum! {
    /// How well the candidate's records meet a requirement.
    Strength {
        /// One record shows all of it.
        Direct => "direct",
        /// The records show all of it, between them or mostly.
        Strong => "strong",
        /// The records show part of it, or something close.
        Transferable => "transferable",
        /// No record shows it.
        Missing => "missing",
    }
}

/// A record a requirement's strength rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LedgerEvidence {
    pub source: crate::resume::Source,
    pub text: String,
}

/// One requirement of the posting, scored against the candidate's records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Requirement {
    /// `r1`, `r2`, …: what the run's other outputs link to.
    pub id: String,
    pub importance: Importance,
    /// The requirement as the posting states it, verbatim.
    pub quote: String,
    pub strength: Strength,
    /// The technologies (or years) it names that the records show, and those they lack.
    pub matched: Vec<String>,
    pub missing: Vec<String>,
    pub evidence: Vec<LedgerEvidence>,
}

/// The fit ledger: every requirement with its strength, and the score the published formula
/// (`server::ledger`) gives them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Ledger {
    pub requirements: Vec<Requirement>,
    #[cfg_attr(feature = "ssr", schemars(range(max = 100)))]
    pub score: u8,
    /// Set when a model scored the fit: its score, kept, and flagged when far from the ledger's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_score: Option<u8>,
}

/// The ledger's formula in words, as the job page shows it (`server::ledger` computes it).
pub const LEDGER_FORMULA: &str = "direct counts 1, strong 0.8, transferable 0.5, missing 0; a \
    must-have weighs 2, a nice-to-have 1; the score is 100 × the weighted mean; one missing \
    must-have caps it at 69, two or more at 49";

impl Ledger {
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// `fit_score`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Fit {
    #[cfg_attr(feature = "ssr", schemars(range(max = 100)))]
    pub score: u8,
    pub category: FitCategory,
    pub rationale: Vec<String>,
    pub gaps: Vec<String>,
    /// The tier used for the rest of the run (asked for, or picked from the score).
    pub tier: Tier,
    /// Rationale and gap sentences the fact gate kept out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedClaim>,
    /// The posting's requirements scored one by one; empty in runs from before the ledger.
    #[serde(default, skip_serializing_if = "Ledger::is_empty")]
    pub ledger: Ledger,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Contact {
    pub name: String,
    pub role: String,
    pub why_relevant: String,
    pub source: String,
    pub synthetic: bool,
}

/// `people_mapper`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct People {
    pub primary: Vec<Contact>,
    pub secondary: Vec<Contact>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Message {
    pub contact: String,
    pub linkedin_note: String,
    pub email_subject: String,
    pub email_body: String,
    /// The note, subject and body sentence by sentence, with their sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<Sentence>,
}

/// `outreach`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Messages {
    pub messages: Vec<Message>,
    /// What the fact gate took out of the messages, claim by claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedClaim>,
}

/// `cover_letter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Letter {
    pub text: String,
    /// The STAR records whose results the letter cites.
    pub cited_star_ids: Vec<String>,
    /// The letter sentence by sentence, with their sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<Sentence>,
    /// What the fact gate took out of the letter, claim by claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedClaim>,
}

string_enum! {
    /// A kind of claim the fact gate checks against a sentence's sources.
    ClaimKind {
        Number => "number",
        Technology => "technology",
        Employer => "employer",
        Degree => "degree",
        /// A job title ("Principal Engineer", "VP of Engineering").
        Title => "title",
        /// A university, institute, college or school.
        Institution => "institution",
        /// A certification ("Certified Kubernetes Administrator", "CISSP").
        Certification => "certification",
        /// A skill or keyword of the posting's analysis that the posting does not contain.
        Keyword => "keyword",
    }
}

/// A sentence the fact gate kept out of a document: one of its claims no source supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct BlockedClaim {
    pub sentence: String,
    pub kind: ClaimKind,
    /// The claim itself: "2009", "Kubernetes", "Google".
    pub claim: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CvLine {
    pub section: String,
    pub text: String,
    pub source: crate::resume::Source,
    /// Records that say the same thing, merged into this line (a STAR result restating a
    /// highlight): the line rests on them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<crate::resume::Source>,
    /// How the line was made from its source (absent in runs made before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<Transform>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct KeywordCoverage {
    pub keywords: Vec<String>,
    pub in_cv: Vec<String>,
    pub in_master_cv: Vec<String>,
    pub cv_percent: u8,
    pub master_cv_percent: u8,
    /// Keywords the printed CV states in a sentence (experience, summary, projects…).
    #[serde(default)]
    pub covered: Vec<String>,
    /// Keywords the printed CV names only in its skills lines.
    #[serde(default)]
    pub declared: Vec<String>,
    /// Keywords the printed CV does not contain.
    #[serde(default)]
    pub missing: Vec<String>,
}

/// `cv_generation`: the tailored CV's lines, each with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Cv {
    pub lines: Vec<CvLine>,
    pub keyword_coverage: KeywordCoverage,
    /// Rephrasings the fact gate sent back to their source's words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedClaim>,
}

/// `publish`: the dossier and the figures it leads with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Dossier {
    pub dossier: String,
    pub fit_score: u8,
    pub fit_category: FitCategory,
    pub tier: Tier,
    /// The dossier line by line, with their sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<Sentence>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LayerStatus;
    use serde_json::json;

    fn layer(name: LayerName, output: serde_json::Value) -> LayerRun {
        LayerRun { output: Some(output), ..LayerRun::new(name, LayerStatus::Completed) }
    }

    #[test]
    fn outputs_are_read_by_type_and_name_their_layer_when_absent_or_wrong() {
        let fit =
            json!({"score": 72, "category": "good", "rationale": ["r"], "gaps": [], "tier": "B"});
        let outputs = RunOutputs::of(&[
            layer(LayerName::FitScore, fit.clone()),
            layer(LayerName::RoleResearch, json!({"summary": 3})),
        ]);
        let read: Fit = outputs.get().unwrap();
        assert_eq!((read.score, read.category, read.tier), (72, FitCategory::Good, Tier::B));
        assert_eq!(serde_json::to_value(&read).unwrap(), fit);
        assert_eq!(outputs.get::<Jd>(), Err(OutputError::Missing(LayerName::JdExtraction)));
        let err = outputs.get::<Role>().unwrap_err().to_string();
        assert!(err.starts_with("unreadable `role_research` output"), "{err}");
        assert_eq!(outputs.find::<Role>(), None);
    }

    #[test]
    fn a_skipped_generation_layer_reads_as_skipped() {
        let outputs = RunOutputs::of(&[layer(
            LayerName::CoverLetter,
            json!({"skipped": true, "reason": "tier D"}),
        )]);
        let letter: OrSkipped<Letter> = outputs.get().unwrap();
        assert_eq!(letter.done(), None);
    }
}
