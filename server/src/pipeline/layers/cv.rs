//! Layer 10: a CV tailored to the posting, built only from the master CV and STAR records.
//! Every line names its source; the grounding check refuses a line whose source does not
//! exist or that states a number its source does not.

use super::super::text;
use super::contacts::skipped;
use super::{effective_tier, generation_skipped};
use crate::pipeline::{Layer, LayerError, LayerOutput, RunContext, encode, schema_of};
use crate::providers::SharedProviders;
use crate::providers::llm::Refusal;
use crate::providers::prompts;
use app::model::LayerName;
use app::model::StarRecord;
use app::outputs::{Cv, CvLine, Jd, KeywordCoverage, OrSkipped, Stars};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Follows `work[0].highlights[2]` through a JSON value.
fn resolve<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = root;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, Some(rest.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (part, None),
        };
        if !key.is_empty() {
            v = v.get(key)?;
        }
        if let Some(i) = index {
            v = v.get(i)?;
        }
    }
    Some(v)
}

fn source_text(source: &str, resume: &Value, stars: &[StarRecord]) -> Option<String> {
    if let Some(path) = source.strip_prefix("master_cv:") {
        return resolve(resume, path).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    let id = source.strip_prefix("star:")?;
    let s = stars.iter().find(|s| s.id == id)?;
    Some(format!(
        "{} {} {} {} {}",
        s.title,
        s.company,
        s.role,
        s.results.join(" "),
        s.metrics.join(" ")
    ))
}

/// What a provenance chip says about `source`: "Master CV · Lumen Bank, highlight 3",
/// "STAR · Cut settlement time"; `None` when the source does not exist in the profile.
pub fn source_label(source: &str, resume: &Value, stars: &[StarRecord]) -> Option<String> {
    source_text(source, resume, stars)?;
    if let Some(id) = source.strip_prefix("star:") {
        let star = stars.iter().find(|s| s.id == id)?;
        return Some(format!("STAR · {}", star.title));
    }
    let path = source.strip_prefix("master_cv:")?;
    let index = |part: &str| {
        path.split_once(&format!("{part}["))
            .and_then(|(_, rest)| rest.split(']').next()?.parse::<usize>().ok())
    };
    let detail = match (path.split('[').next().unwrap_or(path), index("highlights")) {
        ("work", Some(h)) => {
            let name = index("work").and_then(|w| resume["work"][w]["name"].as_str());
            format!("{}, highlight {}", name.unwrap_or("work"), h + 1)
        }
        ("work", None) => {
            let name = index("work").and_then(|w| resume["work"][w]["name"].as_str());
            name.unwrap_or("work").to_string()
        }
        ("skills", _) => "skills".into(),
        ("education", _) => "education".into(),
        ("certificates", _) => "certificates".into(),
        _ => path.trim_start_matches("basics.").to_string(),
    };
    Some(format!("Master CV · {detail}"))
}

/// The lines that fail grounding, with the reason; empty when every line is grounded.
pub fn grounding_violations(lines: &[CvLine], resume: &Value, stars: &[StarRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines {
        let Some(source) = source_text(&line.source, resume, stars) else {
            out.push(format!(
                "`{}`: source {} does not exist in the profile",
                line.text, line.source
            ));
            continue;
        };
        let known = text::numbers(&source);
        for n in text::numbers(&line.text) {
            if !known.contains(&n) {
                out.push(format!(
                    "`{}`: the number {n} is not in its source {}",
                    line.text, line.source
                ));
            }
        }
    }
    out
}

fn relevance(line: &str, keywords: &[String]) -> usize {
    let w = text::words(line);
    keywords.iter().filter(|k| text::contains_phrase(&w, &k.to_lowercase())).count()
}

fn dates(work: &Value) -> String {
    let d = |k: &str| work[k].as_str().and_then(|s| s.get(..7)).map(str::to_string);
    match (d("startDate"), d("endDate")) {
        (Some(s), Some(e)) => format!("{s} – {e}"),
        (Some(s), None) => format!("{s} – present"),
        _ => String::new(),
    }
}

/// The master CV as lines with provenance, untailored (for its own PDF).
pub fn master_cv_lines(resume: &Value) -> Vec<CvLine> {
    build(resume, &[], &[], &Jd::default())
}

pub fn build(resume: &Value, stars: &[StarRecord], selected: &[String], jd: &Jd) -> Vec<CvLine> {
    let mut keywords = jd.technical_skills.clone();
    keywords.extend(jd.top_keywords.iter().cloned());
    let line = |section: &str, text: String, source: String| CvLine {
        section: section.into(),
        text,
        source,
    };
    let mut lines = Vec::new();
    let basics = &resume["basics"];
    for field in ["name", "label", "email", "phone", "url"] {
        if let Some(v) = basics[field].as_str().filter(|v| !v.is_empty()) {
            lines.push(line("header", v.to_string(), format!("master_cv:basics.{field}")));
        }
    }
    if let Some(s) = basics["summary"].as_str().filter(|s| !s.is_empty()) {
        lines.push(line("summary", s.to_string(), "master_cv:basics.summary".into()));
    }
    for (i, work) in resume["work"].as_array().into_iter().flatten().enumerate() {
        let (Some(name), Some(position)) = (work["name"].as_str(), work["position"].as_str())
        else {
            continue;
        };
        lines.push(line(
            "experience",
            position.to_string(),
            format!("master_cv:work[{i}].position"),
        ));
        lines.push(line("experience", name.to_string(), format!("master_cv:work[{i}].name")));
        let when = dates(work);
        if !when.is_empty() {
            lines.push(line("experience", when, format!("master_cv:work[{i}]")));
        }
        let mut bullets: Vec<(usize, usize, String)> = work["highlights"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(j, h)| h.as_str().map(|h| (relevance(h, &keywords), j, h.to_string())))
            .collect();
        bullets.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, j, text) in bullets.into_iter().take(4) {
            lines.push(line("experience", text, format!("master_cv:work[{i}].highlights[{j}]")));
        }
        for s in stars.iter().filter(|s| selected.contains(&s.id) && s.company == name) {
            if let Some(result) = s.results.first()
                && !lines.iter().any(|l| l.text == *result)
            {
                lines.push(line("experience", result.clone(), format!("star:{}", s.id)));
            }
        }
    }
    let asked: Vec<String> = jd.technical_skills.iter().map(|s| s.to_lowercase()).collect();
    let mut groups: Vec<(usize, usize, String)> = resume["skills"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, g)| {
            let mut kws: Vec<&str> =
                g["keywords"].as_array()?.iter().filter_map(Value::as_str).collect();
            kws.sort_by_key(|k| !asked.contains(&k.to_lowercase()));
            let hits = kws.iter().filter(|k| asked.contains(&k.to_lowercase())).count();
            Some((
                hits,
                i,
                format!("{}: {}", g["name"].as_str().unwrap_or("Skills"), kws.join(", ")),
            ))
        })
        .collect();
    groups.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i, text) in groups {
        lines.push(line("skills", text, format!("master_cv:skills[{i}]")));
    }
    for (i, e) in resume["education"].as_array().into_iter().flatten().enumerate() {
        let text = [e["studyType"].as_str(), e["area"].as_str(), e["institution"].as_str()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(line("education", text, format!("master_cv:education[{i}]")));
    }
    for (i, c) in resume["certificates"].as_array().into_iter().flatten().enumerate() {
        if let Some(name) = c["name"].as_str() {
            lines.push(line(
                "certifications",
                name.to_string(),
                format!("master_cv:certificates[{i}].name"),
            ));
        }
    }
    lines
}

pub fn coverage(keywords: &[String], cv_text: &str, master_text: &str) -> KeywordCoverage {
    let cv_words = text::words(cv_text);
    let master_words = text::words(master_text);
    let found = |w: &[String]| {
        keywords
            .iter()
            .filter(|k| text::contains_phrase(w, &k.to_lowercase()))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (in_cv, in_master) = (found(&cv_words), found(&master_words));
    let pct = |n: usize| if keywords.is_empty() { 0 } else { (100 * n / keywords.len()) as u8 };
    KeywordCoverage {
        keywords: keywords.to_vec(),
        cv_percent: pct(in_cv.len()),
        master_cv_percent: pct(in_master.len()),
        in_cv,
        in_master_cv: in_master,
    }
}

pub struct CvGeneration {
    pub providers: SharedProviders,
}

/// What a model answers: the CV's lines, reordered, selected and rephrased for the posting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tailored {
    pub lines: Vec<CvLine>,
}

/// Lines that state a fact as it is (name, contact, title, employer, dates, degree,
/// certificate): a model may move them but never change or drop them.
pub fn structural(source: &str) -> bool {
    !(source.contains(".highlights[")
        || source.starts_with("star:")
        || source == "master_cv:basics.summary"
        || source.starts_with("master_cv:skills["))
}

/// The grounding check, plus: every structural line of the draft is kept word for word.
fn keeps_the_facts(
    t: &Tailored,
    draft: &[CvLine],
    resume: &Value,
    stars: &[StarRecord],
) -> Result<(), Refusal> {
    let violations = grounding_violations(&t.lines, resume, stars);
    if !violations.is_empty() {
        return Err(Refusal(format!("grounding check failed: {}", violations.join("; "))));
    }
    for fact in draft.iter().filter(|l| structural(&l.source)) {
        if !t.lines.iter().any(|l| l.source == fact.source && l.text == fact.text) {
            return Err(Refusal(format!(
                "the line from {} must stay exactly {:?}",
                fact.source, fact.text
            )));
        }
    }
    if let Some(l) = t.lines.iter().find(|l| {
        structural(&l.source) && !draft.iter().any(|d| d.source == l.source && d.text == l.text)
    }) {
        return Err(Refusal(format!(
            "{:?} rewrites a fact from {}; facts are copied, not rephrased",
            l.text, l.source
        )));
    }
    Ok(())
}

/// Work highlights the draft left out, which a model may choose instead.
fn other_highlights(resume: &Value, draft: &[CvLine]) -> Vec<CvLine> {
    let mut out = Vec::new();
    for (i, work) in resume["work"].as_array().into_iter().flatten().enumerate() {
        for (j, h) in work["highlights"].as_array().into_iter().flatten().enumerate() {
            let source = format!("master_cv:work[{i}].highlights[{j}]");
            if let Some(text) = h.as_str()
                && !draft.iter().any(|l| l.source == source)
            {
                out.push(CvLine { section: "experience".into(), text: text.into(), source });
            }
        }
    }
    out
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
        let draft = build(resume, &ctx.stars, &selected, &jd);
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
        let lines = served.value.lines.clone();
        let cv_text = lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");
        let keyword_coverage = coverage(&jd.top_keywords, &cv_text, &resume.to_string());
        let cv = Cv { lines, keyword_coverage };
        let mut out = LayerOutput::served(&served)?;
        out.value = encode(&cv)?;
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
