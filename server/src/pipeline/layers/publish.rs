//! Layer 11: the text dossier of the run, from every earlier layer's output.

use super::OFFLINE;
use crate::pipeline::{Layer, LayerError, LayerOutput, RunContext, schema_of};
use app::chain::DocPart;
use app::model::LayerName;
use app::outputs::{Company, Dossier, Fit, Jd, Pains, Role, Stars};
use async_trait::async_trait;
use serde_json::Value;
use std::fmt::Write;

pub struct Publish;

#[async_trait]
impl Layer for Publish {
    fn name(&self) -> LayerName {
        LayerName::Publish
    }

    fn output_schema(&self) -> Value {
        schema_of::<Dossier>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let jd: Jd = ctx.prior()?;
        let pains: Pains = ctx.prior()?;
        let stars: Stars = ctx.prior()?;
        let company: Company = ctx.prior()?;
        let role: Role = ctx.prior()?;
        let fit: Fit = ctx.prior()?;
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
            dossier: d.clone(),
            fit_score: fit.score,
            fit_category: fit.category,
            tier: fit.tier,
            sentences: super::attributor(ctx).document(DocPart::Dossier, &d),
        };
        let mut out = LayerOutput::typed(&dossier, OFFLINE)?;
        out.log.push(format!("dossier of {lines} lines"));
        Ok(out)
    }
}
