//! The eleven layers, in pipeline order, as the offline provider answers them.

mod analysis;
mod contacts;
mod cv;
mod publish;
mod research;

pub use analysis::{JdExtraction, PainPoints, StarSelection};
pub use contacts::{CoverLetter, Outreach, PeopleMapper};
pub use cv::{CvGeneration, CvLine, grounding_violations};
pub use publish::Publish;
pub use research::{CompanyResearch, FitScore, RoleResearch};

use super::{Layer, LayerError, RunContext};
use crate::store::SharedStore;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The name the offline provider records on each layer it served.
pub const OFFLINE: &str = "offline";

/// Every layer, in order.
pub fn offline_pipeline(store: SharedStore) -> Vec<Arc<dyn Layer>> {
    vec![
        Arc::new(JdExtraction),
        Arc::new(PainPoints),
        Arc::new(StarSelection),
        Arc::new(CompanyResearch { store }),
        Arc::new(RoleResearch),
        Arc::new(FitScore),
        Arc::new(PeopleMapper),
        Arc::new(Outreach),
        Arc::new(CoverLetter),
        Arc::new(CvGeneration),
        Arc::new(Publish),
    ]
}

/// The typed output of an earlier layer.
fn prior<T: DeserializeOwned>(ctx: &RunContext, layer: &str) -> Result<T, LayerError> {
    let value = ctx
        .outputs
        .get(layer)
        .ok_or_else(|| LayerError(format!("needs the output of `{layer}`, which has not run")))?;
    serde_json::from_value(value.clone())
        .map_err(|e| LayerError(format!("unreadable `{layer}` output: {e}")))
}

/// Tier D skips the generation layers (people, outreach, cover letter, CV).
fn generation_skipped(ctx: &RunContext) -> Result<bool, LayerError> {
    let fit: research::Fit = prior(ctx, "fit_score")?;
    Ok(fit.tier == "D")
}
