//! The eleven layers, in pipeline order, as the offline provider answers them.

mod analysis;
mod contacts;
mod cv;
mod publish;
mod research;

pub use analysis::{JdExtraction, PainPoints, StarSelection};
pub use contacts::{CoverLetter, Outreach, PeopleMapper};
pub use cv::CvGeneration;
pub use publish::Publish;
pub use research::{CompanyResearch, FitScore, RoleResearch};

use super::{Layer, LayerError, RunContext};
use crate::providers::{Providers, SharedProviders};
use crate::store::SharedStore;
use app::model::{Tier, TierChoice};
use app::outputs::Fit;
use serde_json::{Value, json};
use std::sync::Arc;

/// The name the offline provider records on each layer it served.
pub use crate::providers::llm::OFFLINE;

/// Every layer, in order, asking `providers` for what a model can answer.
pub fn pipeline(store: SharedStore, providers: SharedProviders) -> Vec<Arc<dyn Layer>> {
    let p = providers;
    vec![
        Arc::new(JdExtraction { providers: p.clone() }),
        Arc::new(PainPoints { providers: p.clone() }),
        Arc::new(StarSelection),
        Arc::new(CompanyResearch { store, providers: p.clone() }),
        Arc::new(RoleResearch { providers: p.clone() }),
        Arc::new(FitScore { providers: p.clone() }),
        Arc::new(PeopleMapper { providers: p.clone() }),
        Arc::new(Outreach { providers: p.clone() }),
        Arc::new(CoverLetter { providers: p.clone() }),
        Arc::new(CvGeneration { providers: p.clone() }),
        Arc::new(Publish),
    ]
}

/// Every layer on the offline provider: no keys, no network.
pub fn offline_pipeline(store: SharedStore) -> Vec<Arc<dyn Layer>> {
    pipeline(store.clone(), Providers::offline(store))
}

/// The posting as the prompts quote it.
fn posting(ctx: &RunContext) -> Value {
    let j = &ctx.job;
    json!({
        "title": j.title,
        "company": j.company,
        "location": j.location,
        "remote_policy": j.remote_policy.as_str(),
        "description": j.description,
    })
}

/// The tier the rest of the run uses: the fit layer's choice once it has run.
fn effective_tier(ctx: &RunContext) -> TierChoice {
    ctx.prior::<Fit>().map_or(ctx.tier, |f| f.tier.into())
}

/// Tier D skips the generation layers (people, outreach, cover letter, CV).
fn generation_skipped(ctx: &RunContext) -> Result<bool, LayerError> {
    Ok(ctx.prior::<Fit>()?.tier == Tier::D)
}

/// An output the fact gate passed over, with the list of what it kept out.
pub trait Gated: Clone + serde::Serialize {
    fn blocked_mut(&mut self) -> &mut Vec<app::outputs::BlockedClaim>;
}

macro_rules! gated {
    ($($t:ty),*) => {
        $(impl Gated for $t {
            fn blocked_mut(&mut self) -> &mut Vec<app::outputs::BlockedClaim> {
                &mut self.blocked
            }
        })*
    };
}
gated!(app::outputs::Jd, app::outputs::Pains, app::outputs::Company, app::outputs::Role);

/// An earlier layer's output as evidence: its JSON without the `blocked` list (left out when
/// empty), which quotes exactly the claims the gate kept out.
pub fn as_evidence<T: Gated>(output: &T) -> String {
    let mut output = output.clone();
    output.blocked_mut().clear();
    json!(output).to_string()
}

/// The gate for what a layer says about the posting, the employer and the role: its claims
/// must be in the posting (title, company, location, description) or in `read` (a page or
/// search results the layer read).
pub fn posting_gate(ctx: &RunContext, read: &[&str]) -> crate::facts::Gate<'static> {
    use crate::facts::{Evidence, Gate, Lexicon};
    let lexicon = Lexicon::bundled();
    let job = &ctx.job;
    let posting = [job.title.as_str(), &job.company, &job.location, &job.description];
    let context = Evidence::new(posting.into_iter().chain(read.iter().copied()), lexicon);
    Gate::about_the_employer(lexicon, context, vec![job.company.clone(), job.title.clone()])
}

/// The fact gate for this run's documents (`crate::facts`): what the candidate's records say,
/// and what the posting and the research say besides.
pub fn fact_gate(ctx: &RunContext, jd: &app::outputs::Jd) -> crate::facts::Gate<'static> {
    use crate::facts::{Evidence, Gate, Lexicon};
    let lexicon = Lexicon::bundled();
    let candidate = crate::facts::candidate_sources(&ctx.profile.resume, &ctx.stars);
    let job = &ctx.job;
    let mut context = candidate.clone();
    context.extend([job.title.clone(), job.company.clone(), job.location.clone()]);
    context.push(job.description.clone());
    context.push(as_evidence(jd));
    let outputs = &ctx.outputs;
    let earlier = [
        outputs.find::<app::outputs::Pains>().map(|p| as_evidence(&p)),
        outputs.find::<app::outputs::Company>().map(|c| as_evidence(&c)),
        outputs.find::<app::outputs::Role>().map(|r| as_evidence(&r)),
    ];
    context.extend(earlier.into_iter().flatten());
    // The posting's technical skills name technologies; its other keywords are plain words.
    let skills = jd.technical_skills.clone();
    let name = app::resume::text(&ctx.profile.resume.basics.name).to_string();
    let addressee =
        vec![jd.company.clone(), job.company.clone(), jd.title.clone(), job.title.clone(), name];
    Gate::new(
        lexicon,
        Evidence::new(candidate.iter().map(String::as_str), lexicon),
        Evidence::new(context.iter().map(String::as_str), lexicon),
        skills,
        addressee,
    )
}

/// The attributor of this run's documents (`crate::chain`): the candidate's records, the
/// posting's spans (the ledger's requirement quotes and the pain points' evidence first, so a
/// chain links to them) and the company research's signals.
pub fn attributor(ctx: &RunContext) -> crate::chain::Attributor {
    let outputs = &ctx.outputs;
    let mut posting = Vec::new();
    if let Some(fit) = outputs.find::<Fit>() {
        posting.extend(fit.ledger.requirements.into_iter().map(|r| r.quote));
    }
    if let Some(pains) = outputs.find::<app::outputs::Pains>() {
        posting.extend(pains.pain_points.into_iter().map(|p| p.evidence));
    }
    posting.extend(crate::text::sentences(&ctx.job.description));
    let signals = outputs.find::<app::outputs::Company>().map(|c| c.signals).unwrap_or_default();
    let name = app::resume::text(&ctx.profile.resume.basics.name);
    let names = [ctx.job.company.as_str(), name];
    crate::chain::Attributor::new(&ctx.profile.resume, &ctx.stars, &posting, &signals, &names)
}
