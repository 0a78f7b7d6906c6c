//! Layers 4–6: the company, the role, and how well the candidate fits.

use super::{OFFLINE, posting, posting_gate};
use crate::facts::Gate;
use crate::facts::Lexicon;
use crate::ledger;
use crate::pipeline::{Layer, LayerError, LayerOutput, RunContext, encode, schema_of};
use crate::providers::SharedProviders;
use crate::providers::firecrawl::SearchHit;
use crate::providers::llm::Refusal;
use crate::providers::prompts;
use crate::store::{CompanyCacheEntry, SharedStore};
use crate::text;
use app::model::{LayerName, Tier, TierChoice};
use app::outputs::{Company, Fit, FitCategory, Jd, Ledger, Pains, Role, Signal, Stars, Strength};
use app::resume::Resume;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const SIGNALS: &[(&str, &[&str])] = &[
    ("funding", &["raised", "series a", "series b", "series c", "funding", "investors"]),
    ("acquisition", &["acquired", "acquisition", "acquire"]),
    (
        "leadership_change",
        &["new cto", "new ceo", "previous manager", "moved to", "new head", "leadership"],
    ),
    ("product_launch", &["launch", "launched", "new product", "ai features", "next version"]),
    ("partnership", &["partner with", "partnership", "partners"]),
    (
        "growth",
        &[
            "growing",
            "grew",
            "doubled",
            "growth",
            "million",
            "customers",
            "users",
            "stores",
            "cities",
            "sellers",
        ],
    ),
];

fn signal_kind(text: &str) -> Option<&'static str> {
    let l = text.to_lowercase();
    SIGNALS.iter().find(|(_, cues)| cues.iter().any(|c| l.contains(c))).map(|(k, _)| *k)
}

/// Offline research: what the posting itself says about the company.
fn research(ctx: &RunContext) -> Company {
    let job = &ctx.job;
    let sentences = text::sentences(&job.description);
    let about: Vec<&String> = sentences
        .iter()
        .filter(|s| s.split_whitespace().count() > 5)
        .filter(|s| {
            s.contains(&job.company)
                || s.to_lowercase().starts_with("we ")
                || s.to_lowercase().starts_with("our ")
        })
        .take(2)
        .collect();
    let summary = if about.is_empty() {
        format!("{} is hiring for {} in {}.", job.company, job.title, job.location)
    } else {
        about.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    };
    let mut signals = Vec::new();
    for s in &sentences {
        if let Some(kind) = signal_kind(s)
            && s.split_whitespace().count() > 4
            && !signals.iter().any(|x: &Signal| x.kind == kind)
        {
            signals.push(Signal {
                kind: kind.to_string(),
                text: s.clone(),
                source_url: job.url.clone(),
            });
        }
    }
    Company {
        company: job.company.clone(),
        summary,
        signals,
        source: "the job posting (offline provider: no web research)".into(),
        blocked: vec![],
    }
}

/// Research keeps the summary sentences and the signals whose claims what was read supports
/// (`gate`); a summary left empty becomes `fallback`'s.
fn ground_company(gate: &Gate, mut found: Company, fallback: impl FnOnce() -> Company) -> Company {
    let mut blocked = Vec::new();
    found.summary = gate.filter_into(&found.summary, &mut blocked);
    found.signals.retain(|s| {
        let claims = gate.filter(&s.text).1;
        let kept = claims.is_empty();
        blocked.extend(claims);
        kept
    });
    if found.summary.is_empty() {
        found.summary = fallback().summary;
    }
    found.blocked = blocked;
    found
}

/// What the search results say, for the gate: each result's title, description and address.
fn read_of(hits: &[SearchHit]) -> Vec<String> {
    hits.iter().map(|h| format!("{}\n{}\n{}", h.title, h.description, h.url)).collect()
}

/// Where web research says it came from.
const WEB_SOURCE: &str = "web search (FireCrawl)";

/// Web research without a model: each search hit that reads like a signal, citing its URL.
fn from_search(company: &str, hits: &[SearchHit]) -> Company {
    let summary = hits
        .iter()
        .map(|h| h.description.trim())
        .filter(|d| !d.is_empty())
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let signals = hits
        .iter()
        .filter_map(|h| {
            let text = format!("{} — {}", h.title, h.description);
            signal_kind(&text).map(|kind| Signal {
                kind: kind.into(),
                text,
                source_url: Some(h.url.clone()),
            })
        })
        .take(8)
        .collect();
    Company {
        company: company.to_string(),
        summary,
        signals,
        source: WEB_SOURCE.into(),
        blocked: vec![],
    }
}

/// A model's company research may only cite the URLs the search returned.
fn cites_the_search(c: &Company, hits: &[SearchHit]) -> Result<(), Refusal> {
    for (i, s) in c.signals.iter().enumerate() {
        match &s.source_url {
            Some(url) if hits.iter().any(|h| &h.url == url) => {}
            Some(url) => {
                return Err(Refusal(format!(
                    "`signals[{i}].source_url` {url:?} is not one of the search results"
                )));
            }
            None => return Err(Refusal(format!("`signals[{i}].source_url` is missing"))),
        }
        if !SIGNALS.iter().any(|(k, _)| *k == s.kind) {
            return Err(Refusal(format!(
                "`signals[{i}].kind` {:?} is not a known signal kind",
                s.kind
            )));
        }
    }
    Ok(())
}

pub struct CompanyResearch {
    pub store: SharedStore,
    pub providers: SharedProviders,
}

impl CompanyResearch {
    /// Research from the web: FireCrawl search, summarised by a model (or without one).
    async fn research_the_web(
        &self,
        ctx: &RunContext,
        hits: Vec<SearchHit>,
    ) -> Result<LayerOutput, LayerError> {
        let company = &ctx.job.company;
        let served = self
            .providers
            .llm
            .ask(
                LayerName::CompanyResearch,
                ctx.tier,
                || {
                    prompts::render(
                        LayerName::CompanyResearch,
                        json!({"company": company, "results": hits}),
                    )
                },
                |c: &Company| cites_the_search(c, &hits),
                || from_search(company, &hits),
            )
            .await?;
        let read = read_of(&hits);
        let gate = posting_gate(ctx, &read.iter().map(String::as_str).collect::<Vec<_>>());
        let mut found = ground_company(&gate, served.value.clone(), || from_search(company, &hits));
        found.company = company.clone();
        found.source = WEB_SOURCE.into();
        let mut out = LayerOutput::gated(&served, &found, &found.blocked)?;
        let signals = found.signals.len();
        self.store
            .put_company(&CompanyCacheEntry {
                company: company.clone(),
                research: found,
                cached_at: self.providers.clock.now(),
            })
            .await?;
        out.log.push(format!(
            "{} search results via FireCrawl, {signals} signals; cached for {company}",
            hits.len()
        ));
        Ok(out)
    }
}

#[async_trait]
impl Layer for CompanyResearch {
    fn name(&self) -> LayerName {
        LayerName::CompanyResearch
    }

    fn output_schema(&self) -> Value {
        schema_of::<Company>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let company = &ctx.job.company;
        let cached = self.store.get_company(company).await?;
        // Offline research comes from the posting, so only cached web research is worth reusing.
        if let Some(entry) = cached.filter(|e| e.research.source == WEB_SOURCE) {
            let mut out = LayerOutput::new(encode(&entry.research)?, "cache");
            out.log.push(format!(
                "company cache hit for {company} (cached {})",
                entry.cached_at.to_rfc3339()
            ));
            return Ok(out);
        }
        let query = format!("{company} company news funding acquisition launch partnership");
        let unavailable = match self.providers.firecrawl.search(&query, 6).await {
            Ok(hits) if !hits.is_empty() => return self.research_the_web(ctx, hits).await,
            Ok(_) => format!("the web search found nothing about {company}"),
            Err(e) => e.to_string(),
        };
        let found = ground_company(&posting_gate(ctx, &[]), research(ctx), || research(ctx));
        let mut out = LayerOutput::typed(&found, OFFLINE)?;
        out.log_blocked(&found.blocked);
        out.log.push(format!("web research unavailable: {unavailable}"));
        out.log.push(format!("{} signals from the posting", found.signals.len()));
        Ok(out)
    }
}

/// How much of the posting's page a prompt quotes.
const PAGE_CHARS: usize = 8_000;

pub struct RoleResearch {
    pub providers: SharedProviders,
}

/// The offline answer: the role as the posting and its pain points describe it.
fn describe_role(ctx: &RunContext, jd: &Jd, pains: &Pains) -> Role {
    let summary = format!(
        "A {} {} role ({}) at {}, {}, asking for {}.",
        jd.seniority,
        jd.role_category.replace('_', " "),
        jd.title,
        jd.company,
        jd.remote_policy,
        if jd.technical_skills.is_empty() {
            "skills the posting does not name".to_string()
        } else {
            jd.technical_skills.iter().take(6).cloned().collect::<Vec<_>>().join(", ")
        }
    );
    let business_impact: Vec<String> = pains
        .success_metrics
        .iter()
        .chain(&pains.strategic_needs)
        .map(|f| f.evidence.clone())
        .take(4)
        .collect();
    const NOW: [&str; 9] = [
        "now",
        "last ",
        "replacing",
        "moved",
        "growing",
        "this year",
        "by year end",
        "first priority",
        "new ",
    ];
    let why_now: Vec<String> = text::sentences(&ctx.job.description)
        .into_iter()
        .filter(|s| {
            NOW.iter().any(|c| s.to_lowercase().contains(c)) && s.split_whitespace().count() > 4
        })
        .take(3)
        .collect();
    Role { summary, business_impact, why_now, blocked: vec![] }
}

/// The role as the posting, its page and its pain points support it; a summary left empty
/// becomes `fallback`'s.
fn ground_role(gate: &Gate, mut role: Role, fallback: impl FnOnce() -> Role) -> Role {
    let mut blocked = Vec::new();
    role.summary = gate.filter_into(&role.summary, &mut blocked);
    role.business_impact = gate.filter_lines(&role.business_impact, &mut blocked);
    role.why_now = gate.filter_lines(&role.why_now, &mut blocked);
    if role.summary.is_empty() {
        role.summary = fallback().summary;
    }
    role.blocked = blocked;
    role
}

#[async_trait]
impl Layer for RoleResearch {
    fn name(&self) -> LayerName {
        LayerName::RoleResearch
    }

    fn output_schema(&self) -> Value {
        schema_of::<Role>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let jd: Jd = ctx.prior()?;
        let pains: Pains = ctx.prior()?;
        // The posting's own page often says more than the pasted text; models may read it.
        let firecrawl = &self.providers.firecrawl;
        let (page, page_note) = match &ctx.job.url {
            Some(url) if firecrawl.configured() && !self.providers.llm.is_offline_only() => {
                match firecrawl.scrape(url, PAGE_CHARS).await {
                    Ok(text) => {
                        let note = format!(
                            "posting page read via FireCrawl ({} characters)",
                            text.chars().count()
                        );
                        (text, Some(note))
                    }
                    Err(e) => (String::new(), Some(format!("posting page not read: {e}"))),
                }
            }
            _ => (String::new(), None),
        };
        let served = self
            .providers
            .llm
            .ask(
                self.name(),
                ctx.tier,
                || {
                    let vars = json!({"posting": posting(ctx), "pains": pains, "page": page});
                    prompts::render(self.name(), vars)
                },
                |r: &Role| {
                    if r.summary.trim().is_empty() {
                        return Err("`summary` is empty".into());
                    }
                    Ok(())
                },
                || describe_role(ctx, &jd, &pains),
            )
            .await?;
        let pains_text = super::as_evidence(&pains);
        let gate = posting_gate(ctx, &[&page, &pains_text]);
        let role = ground_role(&gate, served.value.clone(), || describe_role(ctx, &jd, &pains));
        let mut out = LayerOutput::gated(&served, &role, &role.blocked)?;
        out.log.extend(page_note);
        Ok(out)
    }
}

/// The tier asked for, or with `auto` the one the score earns.
pub fn tier(requested: TierChoice, score: u8) -> Tier {
    requested.fixed().unwrap_or_else(|| Tier::for_score(score))
}

/// Everything the profile says, as text: master CV and STAR records.
pub fn profile_text(ctx: &RunContext) -> String {
    let mut parts = vec![ctx.profile.resume.as_text()];
    for s in &ctx.stars {
        parts.push(format!(
            "{} {} {} {}",
            s.title,
            s.actions.join(" "),
            s.results.join(" "),
            s.skills.join(" ")
        ));
    }
    parts.join(" ")
}

/// The year of the earliest `startDate` in the master CV.
fn first_year(resume: &Resume) -> Option<i32> {
    let year = |w: &app::resume::Work| w.start_date.as_deref()?.get(..4)?.parse::<i32>().ok();
    resume.work().iter().filter_map(year).min()
}

/// Years from the earliest `startDate` in the master CV to `now`.
fn candidate_years(resume: &Resume, now: chrono::DateTime<chrono::Utc>) -> Option<u32> {
    use chrono::Datelike;
    Some((now.year() - first_year(resume)?).max(0) as u32)
}

pub struct FitScore {
    pub providers: SharedProviders,
}

/// What a model (or the offline scorer) answers; category and tier follow from the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Assessment {
    #[schemars(range(max = 100))]
    pub score: u8,
    /// Evidence for the score: a requirement and the record that meets it.
    pub rationale: Vec<String>,
    /// Requirements the profile does not show.
    pub gaps: Vec<String>,
}

/// The offline scorer: the ledger's score and its missing requirements; without a ledger
/// (no requirement the posting states), skill coverage, years and STAR relevance.
fn assess(ctx: &RunContext, jd: &Jd, stars: &Stars, ledger: &Ledger) -> Assessment {
    let mine = Lexicon::bundled().named(&profile_text(ctx));
    let asked = &jd.technical_skills;
    let (have, gaps): (Vec<&String>, Vec<&String>) = asked.iter().partition(|s| mine.contains(s));
    let skill_cov = if asked.is_empty() { 0.5 } else { have.len() as f64 / asked.len() as f64 };
    let years = candidate_years(&ctx.profile.resume, ctx.started_at);
    let years_fit = match (jd.years_of_experience, years) {
        (Some(need), Some(got)) if got >= need => 1.0,
        (Some(need), Some(got)) => got as f64 / need as f64,
        _ => 0.7,
    };
    let star_fit = (stars.selected.iter().map(|s| s.score).sum::<f64>() / 40.0).min(1.0);
    let score = (100.0 * (0.55 * skill_cov + 0.2 * years_fit + 0.25 * star_fit))
        .round()
        .clamp(0.0, 100.0) as u8;
    let mut rationale: Vec<String> = have
        .iter()
        .map(|s| format!("Asks for {s}; the profile shows {s} (master CV / STAR records)."))
        .collect();
    // Each sentence states what a record says (a year, a title, skills), never a figure
    // computed from them, so the fact gate can check it against its sources.
    if let (Some(need), Some(first)) = (jd.years_of_experience, first_year(&ctx.profile.resume)) {
        rationale.push(format!("Asks for {need}+ years; the master CV's work starts in {first}."));
    }
    for s in stars.selected.iter().take(3) {
        let skills = s.matched_skills.join(", ");
        rationale.push(format!("STAR \"{}\" matches the posting's skills: {skills}.", s.title));
    }
    if !ledger.is_empty() {
        let gaps = ledger
            .requirements
            .iter()
            .filter(|r| r.strength == Strength::Missing)
            .map(|r| format!("The posting asks: \"{}\"; no record shows it.", r.quote))
            .collect();
        return Assessment { score: ledger.score, rationale, gaps };
    }
    let gaps = gaps
        .iter()
        .map(|g| format!("The posting asks for {g}; the profile does not mention it."))
        .collect();
    Assessment { score, rationale, gaps }
}

/// How far a model's score may be from the ledger's before it is flagged.
const MODEL_SCORE_TOLERANCE: u8 = 20;

#[async_trait]
impl Layer for FitScore {
    fn name(&self) -> LayerName {
        LayerName::FitScore
    }

    fn output_schema(&self) -> Value {
        schema_of::<Fit>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let jd: Jd = ctx.prior()?;
        let pains: Pains = ctx.prior()?;
        let stars: Stars = ctx.prior()?;
        let selected: Vec<&app::model::StarRecord> =
            stars.selected.iter().filter_map(|r| ctx.stars.iter().find(|s| s.id == r.id)).collect();
        let resume = &ctx.profile.resume;
        let mut ledger = ledger::build(&ledger::Inputs {
            jd: &jd,
            description: &ctx.job.description,
            resume,
            stars: &ctx.stars,
            years: candidate_years(resume, ctx.started_at),
        });
        let served = self
            .providers
            .llm
            .ask(
                self.name(),
                ctx.tier,
                || {
                    let vars = json!({"jd": jd, "pains": pains, "profile": ctx.profile.resume, "stars": selected});
                    prompts::render(self.name(), vars)
                },
                |a: &Assessment| {
                    if a.rationale.is_empty() {
                        return Err("`rationale` is empty; cite the evidence for the score".into());
                    }
                    Ok(())
                },
                || assess(ctx, &jd, &stars, &ledger),
            )
            .await?;
        let a = &served.value;
        let by_model = served.usage.provider != OFFLINE;
        if by_model {
            ledger.model_score = Some(a.score);
        }
        let far = by_model && a.score.abs_diff(ledger.score) > MODEL_SCORE_TOLERANCE;
        let gate = super::fact_gate(ctx, &jd);
        let mut blocked = Vec::new();
        let rationale = gate.filter_lines(&a.rationale, &mut blocked);
        let gaps = gate.filter_lines(&a.gaps, &mut blocked);
        let fit = Fit {
            score: a.score,
            category: FitCategory::for_score(a.score),
            rationale,
            gaps,
            tier: tier(ctx.tier, a.score),
            blocked,
            ledger,
        };
        let mut out = LayerOutput::gated(&served, &fit, &fit.blocked)?;
        if far && !fit.ledger.is_empty() {
            out.warning = Some(format!(
                "the model's score {} is more than {MODEL_SCORE_TOLERANCE} points from the ledger's {}",
                fit.score, fit.ledger.score
            ));
        }
        out.log.push(format!(
            "ledger: {} requirements, score {}",
            fit.ledger.requirements.len(),
            fit.ledger.score
        ));
        out.log.push(format!("fit {} ({}), tier {}", fit.score, fit.category, fit.tier));
        Ok(out)
    }
}
