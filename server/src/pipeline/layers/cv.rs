//! Layer 10: a CV tailored to the posting, built only from the master CV and STAR records
//! (`crate::cv` drafts it). Every line names its source; the grounding check refuses a line
//! whose source does not exist or that states a number its source does not, and a model may
//! reorder, choose and rephrase lines but never change a fact.

use super::contacts::skipped;
use super::{effective_tier, generation_skipped};
use crate::cv::{coverage, draft, gate_lines, grounding_violations, other_highlights};
use crate::pipeline::{Layer, LayerError, LayerOutput, RunContext, schema_of};
use crate::providers::SharedProviders;
use crate::providers::llm::Refusal;
use crate::providers::prompts;
use app::model::LayerName;
use app::model::StarRecord;
use app::outputs::{Cv, CvLine, Jd, OrSkipped, Stars};
use app::resume::Resume;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub struct CvGeneration {
    pub providers: SharedProviders,
}

/// What a model answers: the CV's lines, reordered, selected and rephrased for the posting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tailored {
    pub lines: Vec<CvLine>,
}

/// The grounding check, plus: every structural line of the draft is kept word for word.
fn keeps_the_facts(
    t: &Tailored,
    draft: &[CvLine],
    resume: &Resume,
    stars: &[StarRecord],
) -> Result<(), Refusal> {
    let violations = grounding_violations(&t.lines, resume, stars);
    if !violations.is_empty() {
        return Err(Refusal(format!("grounding check failed: {}", violations.join("; "))));
    }
    for fact in draft.iter().filter(|l| l.source.is_fact()) {
        if !t.lines.iter().any(|l| l.source == fact.source && l.text == fact.text) {
            return Err(Refusal(format!(
                "the line from {} must stay exactly {:?}",
                fact.source, fact.text
            )));
        }
    }
    if let Some(l) = t.lines.iter().find(|l| {
        l.source.is_fact() && !draft.iter().any(|d| d.source == l.source && d.text == l.text)
    }) {
        return Err(Refusal(format!(
            "{:?} rewrites a fact from {}; facts are copied, not rephrased",
            l.text, l.source
        )));
    }
    Ok(())
}

#[async_trait]
impl Layer for CvGeneration {
    fn name(&self) -> LayerName {
        LayerName::CvGeneration
    }

    fn output_schema(&self) -> Value {
        schema_of::<OrSkipped<Cv>>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        if generation_skipped(ctx)? {
            return skipped("tier D: no CV");
        }
        let jd: Jd = ctx.prior()?;
        let stars: Stars = ctx.prior()?;
        let selected: Vec<String> = stars.selected.iter().map(|s| s.id.clone()).collect();
        let resume = &ctx.profile.resume;
        let draft = draft(resume, &ctx.stars, &selected, &jd);
        let violations = grounding_violations(&draft, resume, &ctx.stars);
        if !violations.is_empty() {
            return Err(LayerError::Grounding(violations));
        }
        let chosen: Vec<&StarRecord> =
            ctx.stars.iter().filter(|s| selected.contains(&s.id)).collect();
        let served = self
            .providers
            .llm
            .ask(
                self.name(),
                effective_tier(ctx),
                || {
                    let vars = json!({
                        "draft": draft, "other_highlights": other_highlights(resume, &draft),
                        "stars": chosen, "keywords": jd.top_keywords, "jd": jd,
                    });
                    prompts::render(self.name(), vars)
                },
                |t: &Tailored| keeps_the_facts(t, &draft, resume, &ctx.stars),
                || Tailored { lines: draft.clone() },
            )
            .await?;
        let (mut lines, blocked) = gate_lines(
            served.value.lines.clone(),
            &draft,
            resume,
            &ctx.stars,
            &jd.technical_skills,
        );
        for l in &mut lines {
            let sources = std::iter::once(&l.source).chain(&l.also);
            let texts: Vec<String> =
                sources.filter_map(|s| crate::cv::source_text(resume, s, &ctx.stars)).collect();
            l.transform = Some(crate::chain::line_transform(&l.text, &texts));
        }
        // Coverage is read from the CV as it prints, not from its lines' JSON.
        let printed = crate::cv::document_from_lines(&lines, resume, &ctx.stars);
        let keyword_coverage = coverage(&jd.top_keywords, &printed, &resume.as_text());
        let cv = Cv { lines, keyword_coverage, blocked };
        let mut out = LayerOutput::gated(&served, &cv, &cv.blocked)?;
        out.log.push(format!(
            "{} lines, all grounded; keyword coverage {}% (master CV {}%)",
            cv.lines.len(),
            cv.keyword_coverage.cv_percent,
            cv.keyword_coverage.master_cv_percent
        ));
        if cv.lines.iter().all(|l| l.section != "experience") {
            out.warning = Some(
                "the master CV has no work entries; import a JSON Resume on the Profile page"
                    .into(),
            );
        }
        Ok(out)
    }
}
