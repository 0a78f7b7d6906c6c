//! Layers 1–3: what the posting asks for, what hurts, and which STAR records answer it.

use super::{OFFLINE, posting, posting_gate};
use crate::facts::Gate;
use crate::facts::Lexicon;
use crate::pipeline::{Layer, LayerError, LayerOutput, RunContext, schema_of};
use crate::providers::SharedProviders;
use crate::providers::llm::Refusal;
use crate::providers::prompts;
use crate::text::{self, Bm25, SOFT_SKILLS, star_text};
use app::model::LayerName;
use app::outputs::{BlockedClaim, ClaimKind, Finding, Jd, PainMapping, Pains, RankedStar, Stars};
use async_trait::async_trait;
use serde_json::{Value, json};

pub struct JdExtraction {
    pub providers: SharedProviders,
}

fn seniority(title: &str) -> &'static str {
    let t = text::words(title);
    let has = |w: &str| t.iter().any(|x| x == w);
    if has("head") || has("director") || has("vp") {
        "director"
    } else if has("principal") {
        "principal"
    } else if has("staff") {
        "staff"
    } else if has("lead") || has("manager") {
        "lead"
    } else if has("senior") || has("sr") {
        "senior"
    } else if has("junior") || has("jr") || has("graduate") || has("intern") {
        "junior"
    } else {
        "mid"
    }
}

fn role_category(title: &str) -> &'static str {
    let t = text::words(title);
    let has = |w: &str| t.iter().any(|x| x == w);
    if has("manager") || has("head") || has("director") {
        "engineering_management"
    } else if has("payments") || has("backend") || has("back-end") {
        "backend"
    } else if has("reliability")
        || has("sre")
        || has("platform")
        || has("devops")
        || has("infrastructure")
    {
        "platform_reliability"
    } else if has("data") || has("analytics") {
        "data_engineering"
    } else if has("embedded") || has("firmware") {
        "embedded"
    } else if has("search") {
        "search"
    } else if has("frontend") || has("front-end") {
        "frontend"
    } else if has("backend") || has("back-end") || has("api") || has("payments") {
        "backend"
    } else {
        "software_engineering"
    }
}

/// "5+ years", "6 years", "2+ yrs": the largest stated minimum.
fn years_required(description: &str) -> Option<u32> {
    let w = text::words(description);
    w.windows(2)
        .filter(|p| matches!(p[1].as_str(), "years" | "yrs" | "year"))
        .filter_map(|p| p[0].trim_end_matches('+').parse::<u32>().ok())
        .filter(|n| (1..=30).contains(n))
        .max()
}

/// A stated salary: a sentence that says so, or names a currency with a range of figures.
fn salary(description: &str) -> Option<String> {
    const CURRENCIES: [&str; 8] = ["€", "£", "$", "usd", "nok", "eur", "sek", "chf"];
    text::sentences(description).into_iter().find(|s| {
        let l = s.to_lowercase();
        let digits = s.chars().any(|c| c.is_ascii_digit());
        let stated = l.contains("salary") || l.contains("compensation") || l.contains("pay range");
        let range = CURRENCIES.iter().any(|m| l.contains(m))
            && (l.contains('–') || l.contains(" - ") || l.contains(" to "));
        digits && (stated || range)
    })
}

fn section_lines(description: &str, heading_words: &[&str]) -> Vec<String> {
    text::sections(description)
        .into_iter()
        .filter(|(h, _)| {
            let h = h.to_lowercase();
            heading_words.iter().any(|w| h.contains(w))
        })
        .flat_map(|(_, lines)| lines)
        .collect()
}

fn top_keywords(description: &str, skills: &[String]) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for t in text::terms(description) {
        if t.len() > 3 {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut frequent: Vec<(String, usize)> = counts.into_iter().filter(|(_, n)| *n >= 2).collect();
    frequent.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out: Vec<String> = skills.to_vec();
    for (word, _) in frequent {
        if out.len() >= 15 {
            break;
        }
        if !out.iter().any(|k| k.eq_ignore_ascii_case(&word)) {
            out.push(word);
        }
    }
    out.truncate(15);
    out
}

pub fn extract(ctx: &RunContext) -> Jd {
    let job = &ctx.job;
    let d = &job.description;
    let must: Vec<String> = section_lines(
        d,
        &[
            "requirement",
            "look for",
            "you have",
            "you bring",
            "profile",
            "about you",
            "need",
            "qualif",
        ],
    )
    .into_iter()
    .filter(|l| !l.to_lowercase().contains("plus") && !l.to_lowercase().contains("nice to have"))
    .collect();
    let mut nice: Vec<String> = section_lines(d, &["nice to have", "bonus"]);
    for sentence in text::sentences(d) {
        let l = sentence.to_lowercase();
        let cue = l.contains("nice to have")
            || l.contains("is a plus")
            || l.contains("a strong plus")
            || l.contains("advantage");
        // The heading itself ("Nice to have") is not an item.
        if cue && sentence.split_whitespace().count() > 3 && !nice.contains(&sentence) {
            nice.push(sentence);
        }
    }
    let technical_skills = Lexicon::bundled().named(&format!("{} {d}", job.title));
    Jd {
        title: job.title.clone(),
        company: job.company.clone(),
        location: job.location.clone(),
        remote_policy: job.remote_policy.as_str().to_string(),
        seniority: seniority(&job.title).into(),
        role_category: role_category(&job.title).into(),
        responsibilities: section_lines(
            d,
            &[
                "responsib",
                "you will",
                "you'll",
                "what you",
                "tasks",
                "the role",
                "in this role",
                "as ",
            ],
        ),
        must_have: must,
        nice_to_have: nice,
        soft_skills: text::find_skills(d, SOFT_SKILLS),
        top_keywords: top_keywords(d, &technical_skills),
        technical_skills,
        years_of_experience: years_required(d),
        salary: salary(d),
        blocked: vec![],
    }
}

/// Keeps the terms of `list` the posting contains, or whose aliases it contains (`named`,
/// the skills the offline extraction finds); the others are blocked as `kind`.
fn said(
    gate: &Gate,
    named: &[String],
    list: &mut Vec<String>,
    kind: ClaimKind,
    blocked: &mut Vec<BlockedClaim>,
) {
    list.retain(|term| {
        let kept = gate.context_says(term) || named.contains(term);
        if !kept {
            blocked.push(BlockedClaim { sentence: term.clone(), kind, claim: term.clone() });
        }
        kept
    });
}

/// The analysis keeps only what the posting says: skills and keywords it contains, lines
/// whose claims it supports, a years figure it states. The title, company and location are
/// the job's own unless the job lacks them and the posting says what the analysis read.
fn ground_jd(ctx: &RunContext, mut jd: Jd) -> Jd {
    let gate = posting_gate(ctx, &[]);
    let job = &ctx.job;
    let mut blocked = Vec::new();
    let d = &job.description;
    let mut named = Lexicon::bundled().named(&format!("{} {d}", job.title));
    named.extend(text::find_skills(d, SOFT_SKILLS));
    said(&gate, &named, &mut jd.technical_skills, ClaimKind::Technology, &mut blocked);
    for list in [&mut jd.soft_skills, &mut jd.top_keywords] {
        said(&gate, &named, list, ClaimKind::Keyword, &mut blocked);
    }
    for list in [&mut jd.responsibilities, &mut jd.must_have, &mut jd.nice_to_have] {
        *list = gate.filter_lines(list, &mut blocked);
    }
    if let Some(years) = jd.years_of_experience.filter(|y| !gate.context_states(*y)) {
        let claim = years.to_string();
        blocked.push(BlockedClaim {
            sentence: format!("{claim} years"),
            kind: ClaimKind::Number,
            claim,
        });
        jd.years_of_experience = None;
    }
    jd.salary = jd.salary.map(|s| gate.filter_into(&s, &mut blocked)).filter(|s| !s.is_empty());
    for (field, own) in [
        (&mut jd.title, &job.title),
        (&mut jd.company, &job.company),
        (&mut jd.location, &job.location),
    ] {
        if !own.trim().is_empty() || !gate.context_says(field) {
            field.clone_from(own);
        }
    }
    jd.blocked = blocked;
    jd
}

#[async_trait]
impl Layer for JdExtraction {
    fn name(&self) -> LayerName {
        LayerName::JdExtraction
    }

    fn output_schema(&self) -> Value {
        schema_of::<Jd>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let served = self
            .providers
            .llm
            .ask(
                self.name(),
                ctx.tier,
                || prompts::render(self.name(), json!({"posting": posting(ctx)})),
                |jd: &Jd| {
                    if jd.title.trim().is_empty() {
                        return Err("`title` is empty".into());
                    }
                    Ok(())
                },
                || extract(ctx),
            )
            .await?;
        let jd = &ground_jd(ctx, served.value.clone());
        let mut out = LayerOutput::gated(&served, jd, &jd.blocked)?;
        out.log.push(format!(
            "{} technical skills, {} keywords, seniority {}, category {}",
            jd.technical_skills.len(),
            jd.top_keywords.len(),
            jd.seniority,
            jd.role_category
        ));
        if jd.technical_skills.is_empty() && jd.responsibilities.is_empty() {
            out.warning = Some(
                "the posting names no skills or responsibilities; is the description complete?"
                    .into(),
            );
        }
        Ok(out)
    }
}

const PAIN_SIGNALS: &[&str] = &[
    "struggl",
    "outage",
    "late",
    "manual",
    "slow",
    "fragile",
    "hang",
    "broken",
    "missed",
    "lost",
    "waste",
    "stale",
    "inconsistent",
    "not designed",
    "organically",
    "in a hurry",
    "falls over",
    "fell over",
    "wrong",
    "delay",
    "silent",
    "nobody can",
    "growing faster",
    "bottleneck",
    "down",
];
const NEED_SIGNALS: &[&str] = &[
    "replace",
    "rebuild",
    "redesign",
    "rewrite",
    "introduce",
    "migrat",
    "scale",
    "cut ",
    "reduce",
    "move",
    "moving",
    "need",
    "lead the",
    "set the",
    "define",
    "own ",
    "improve",
];

fn signal_count(sentence: &str, signals: &[&str]) -> usize {
    let l = sentence.to_lowercase();
    signals.iter().filter(|s| l.contains(*s)).count()
}

fn finding(text: String, evidence: &str, signals: usize) -> Finding {
    let confidence = (0.5 + 0.15 * signals as f64).min(0.9);
    Finding {
        text,
        evidence: evidence.to_string(),
        confidence: (confidence * 100.0).round() / 100.0,
    }
}

/// A metric is a sentence with a number and a direction ("from 20 minutes to under 1 minute").
fn is_metric(s: &str) -> bool {
    let l = s.to_lowercase();
    s.chars().any(|c| c.is_ascii_digit())
        && (l.contains(" to ") || l.contains("under") || l.contains('%') || l.contains("by "))
        && signal_count(s, NEED_SIGNALS) + signal_count(s, PAIN_SIGNALS) > 0
}

pub fn mine(description: &str) -> Pains {
    let mut pains = Pains {
        pain_points: vec![],
        strategic_needs: vec![],
        risks_if_unfilled: vec![],
        success_metrics: vec![],
        blocked: vec![],
    };
    for s in text::sentences(description) {
        if s.split_whitespace().count() < 4 {
            continue;
        }
        let pain = signal_count(&s, PAIN_SIGNALS);
        let need = signal_count(&s, NEED_SIGNALS);
        if is_metric(&s) {
            pains.success_metrics.push(finding(format!("Deliver: {s}"), &s, pain + need));
        }
        if pain > 0 {
            pains.pain_points.push(finding(s.clone(), &s, pain));
            pains.risks_if_unfilled.push(finding(
                format!("If nobody owns this, it continues: {s}"),
                &s,
                pain,
            ));
        } else if need > 0 {
            pains.strategic_needs.push(finding(s.clone(), &s, need));
        }
    }
    for list in [
        &mut pains.pain_points,
        &mut pains.strategic_needs,
        &mut pains.risks_if_unfilled,
        &mut pains.success_metrics,
    ] {
        list.truncate(6);
    }
    pains
}

pub struct PainPoints {
    pub providers: SharedProviders,
}

/// Same text up to case and whitespace.
fn normalised(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Every finding must quote the posting: its evidence is a span of the description.
fn quotes_the_posting(pains: &Pains, description: &str) -> Result<(), Refusal> {
    let haystack = normalised(description);
    let all = [
        ("pain_points", &pains.pain_points),
        ("strategic_needs", &pains.strategic_needs),
        ("risks_if_unfilled", &pains.risks_if_unfilled),
        ("success_metrics", &pains.success_metrics),
    ];
    for (list, findings) in all {
        for (i, f) in findings.iter().enumerate() {
            let quote =
                normalised(f.evidence.trim_matches(|c: char| c == '"' || c.is_whitespace()));
            if quote.is_empty() || !haystack.contains(&quote) {
                return Err(Refusal(format!(
                    "`{list}[{i}].evidence` is not a quote from the posting: {:?}",
                    f.evidence
                )));
            }
        }
    }
    Ok(())
}

/// A finding says what its quote of the posting supports; one that claims more is replaced by
/// the quote itself.
fn ground_pains(ctx: &RunContext, mut pains: Pains) -> Pains {
    let gate = posting_gate(ctx, &[]);
    let mut blocked = Vec::new();
    for list in [
        &mut pains.pain_points,
        &mut pains.strategic_needs,
        &mut pains.risks_if_unfilled,
        &mut pains.success_metrics,
    ] {
        for f in list.iter_mut() {
            let (kept, claims) = gate.filter(&f.text);
            if !claims.is_empty() {
                blocked.extend(claims);
                f.text = if kept.is_empty() { f.evidence.clone() } else { kept };
            }
        }
    }
    pains.blocked = blocked;
    pains
}

#[async_trait]
impl Layer for PainPoints {
    fn name(&self) -> LayerName {
        LayerName::PainPoints
    }

    fn output_schema(&self) -> Value {
        schema_of::<Pains>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let served = self
            .providers
            .llm
            .ask(
                self.name(),
                ctx.tier,
                || prompts::render(self.name(), json!({"posting": posting(ctx)})),
                |p: &Pains| quotes_the_posting(p, &ctx.job.description),
                || mine(&ctx.job.description),
            )
            .await?;
        let pains = &ground_pains(ctx, served.value.clone());
        let mut out = LayerOutput::gated(&served, pains, &pains.blocked)?;
        out.log.push(format!(
            "{} pain points, {} strategic needs, {} success metrics",
            pains.pain_points.len(),
            pains.strategic_needs.len(),
            pains.success_metrics.len()
        ));
        if pains.pain_points.is_empty() && pains.strategic_needs.is_empty() {
            out.warning = Some("no pain points or needs found in the posting".into());
        }
        Ok(out)
    }
}

pub struct StarSelection;

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[async_trait]
impl Layer for StarSelection {
    fn name(&self) -> LayerName {
        LayerName::StarSelection
    }

    fn output_schema(&self) -> Value {
        schema_of::<Stars>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let jd: Jd = ctx.prior()?;
        let pains: Pains = ctx.prior()?;
        let docs: Vec<String> = ctx.stars.iter().map(star_text).collect();
        let bm = Bm25::new(&docs);
        let pain_text: Vec<&str> = pains
            .pain_points
            .iter()
            .chain(&pains.strategic_needs)
            .map(|f| f.text.as_str())
            .collect();
        let query = format!(
            "{} {} {}",
            jd.top_keywords.join(" "),
            jd.technical_skills.join(" "),
            pain_text.join(" ")
        );
        let scores = bm.scores(&query);
        let jd_skills: Vec<String> =
            jd.technical_skills.iter().chain(&jd.soft_skills).map(|s| s.to_lowercase()).collect();
        let mut ranked: Vec<RankedStar> = ctx
            .stars
            .iter()
            .zip(scores)
            .map(|(s, bm25)| {
                let star_skills = Lexicon::bundled().named(&star_text(s));
                let matched: Vec<String> = s
                    .skills
                    .iter()
                    .chain(&star_skills)
                    .filter(|k| jd_skills.contains(&k.to_lowercase()))
                    .cloned()
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                RankedStar {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    score: round2(bm25 + 1.5 * matched.len() as f64),
                    matched_skills: matched,
                }
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        let relevant = ranked.iter().filter(|r| r.score > 0.0).count();
        let selected: Vec<RankedStar> =
            ranked.iter().take(relevant.clamp(2.min(ranked.len()), 5)).cloned().collect();
        let mapping = pains
            .pain_points
            .iter()
            .chain(&pains.strategic_needs)
            .map(|p| {
                let s = bm.scores(&p.text);
                let mut ids: Vec<(f64, String)> = ctx
                    .stars
                    .iter()
                    .zip(s)
                    .filter(|(_, x)| *x > 0.0)
                    .map(|(st, x)| (x, st.id.clone()))
                    .collect();
                ids.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                PainMapping {
                    pain_point: p.text.clone(),
                    star_ids: ids.into_iter().take(2).map(|(_, id)| id).collect(),
                }
            })
            .collect();
        let stars = Stars { ranked, selected, mapping };
        let mut out = LayerOutput::typed(&stars, OFFLINE)?;
        out.log.push(format!(
            "ranked {} STAR records with BM25 + skill overlap; selected {}",
            stars.ranked.len(),
            stars.selected.len()
        ));
        if ctx.stars.is_empty() {
            out.warning =
                Some("the profile has no STAR records; add some on the Profile page".into());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salary_needs_a_stated_salary_or_a_currency_range() {
        assert_eq!(salary("Our platform moves €3B a month."), None);
        assert_eq!(
            salary("Salary: NOK 900,000–1,150,000."),
            Some("Salary: NOK 900,000–1,150,000.".into())
        );
        assert!(salary("Hybrid. £95,000–£115,000 depending on experience.").is_some());
    }

    #[test]
    fn categories_and_seniority_come_from_the_title() {
        assert_eq!(role_category("Staff Engineer, Payments Platform"), "backend");
        assert_eq!(role_category("Platform Engineer"), "platform_reliability");
        assert_eq!(
            role_category("Engineering Manager, Data Infrastructure"),
            "engineering_management"
        );
        assert_eq!(seniority("Principal Engineer, Reliability"), "principal");
        assert_eq!(years_required("- 6+ years building services, 2+ years of Rust"), Some(6));
    }

    #[test]
    fn pain_points_quote_the_posting() {
        let d = "We grew fast. Our nightly pipeline was late 11 times last quarter, so stores order the wrong quantities.";
        let p = mine(d);
        assert_eq!(p.pain_points.len(), 1);
        assert!(d.contains(&p.pain_points[0].evidence));
        assert!(p.pain_points[0].confidence > 0.5);
    }
}
