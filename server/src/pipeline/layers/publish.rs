//! Layer 11: the text dossier of the run, from every earlier layer's output.

use super::analysis::{Jd, Pains, Stars};
use super::research::{Company, Fit, Role};
use super::{OFFLINE, prior};
use crate::pipeline::{Layer, LayerError, LayerOutput, RunContext, schema_of};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Dossier {
    pub dossier: String,
    pub fit_score: u8,
    pub fit_category: String,
    pub tier: String,
}

pub struct Publish;

#[async_trait]
impl Layer for Publish {
    fn name(&self) -> &'static str {
        "publish"
    }

    fn output_schema(&self) -> Value {
        schema_of::<Dossier>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let jd: Jd = prior(ctx, "jd_extraction")?;
        let pains: Pains = prior(ctx, "pain_points")?;
        let stars: Stars = prior(ctx, "star_selection")?;
        let company: Company = prior(ctx, "company_research")?;
        let role: Role = prior(ctx, "role_research")?;
        let fit: Fit = prior(ctx, "fit_score")?;
        let mut d = String::new();
        let _ = writeln!(
            d,
            "DOSSIER: {} at {}\n{} · {} · {}\n",
            jd.title, jd.company, jd.location, jd.remote_policy, jd.seniority
        );
        let _ = writeln!(d, "FIT: {} / 100 ({}), tier {}", fit.score, fit.category, fit.tier);
        for r in &fit.rationale {
            let _ = writeln!(d, "  + {r}");
        }
        for g in &fit.gaps {
            let _ = writeln!(d, "  - {g}");
        }
        let _ = writeln!(d, "\nCOMPANY ({})\n{}", company.source, company.summary);
        for s in &company.signals {
            let _ = writeln!(d, "  [{}] {}", s.kind, s.text);
        }
        let _ = writeln!(d, "\nROLE\n{}", role.summary);
        let _ = writeln!(d, "\nPAIN POINTS");
        for p in &pains.pain_points {
            let _ = writeln!(d, "  * {} (confidence {:.2})", p.text, p.confidence);
        }
        let _ = writeln!(d, "\nSELECTED STAR RECORDS");
        for s in &stars.selected {
            let _ = writeln!(d, "  * {} (score {:.2})", s.title, s.score);
        }
        let _ = writeln!(d, "\nKEYWORDS\n  {}", jd.top_keywords.join(", "));
        let lines = d.lines().count();
        let dossier = Dossier {
            dossier: d,
            fit_score: fit.score,
            fit_category: fit.category,
            tier: fit.tier,
        };
        let mut out = LayerOutput::typed(&dossier, OFFLINE)?;
        out.log.push(format!("dossier of {lines} lines"));
        Ok(out)
    }
}
