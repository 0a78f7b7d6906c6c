//! The fit ledger: the posting's requirements, each scored against the candidate's records,
//! and the published formula that turns them into the 0–100 fit score.
//!
//! A requirement is a line of the posting's must-have or nice-to-have list (or, when the
//! posting has no such list, each technical skill it names), quoted verbatim from the posting.
//! Its strength:
//!
//! - a **years** requirement ("6+ years …") is *direct* when the master CV's work spans at
//!   least that many years, *transferable* from three quarters of it, *missing* below;
//! - a requirement naming **technologies** is *direct* when one record shows all of them
//!   (any one of them for "Go, Rust or Java"), *strong* when the records show them between
//!   them, *transferable* when they show some, *missing* when they show none;
//! - any other requirement is matched by its words: the record sharing the most of them is
//!   *direct* from 60 % of the words, *strong* from 40 %, *transferable* from 20 %.
//!
//! **The formula** (`app::outputs::LEDGER_FORMULA`, as the job page states it): direct counts
//! 1, strong 0.8, transferable 0.5, missing 0; a must-have weighs 2 and a nice-to-have 1; the
//! score is 100 × the weighted mean, rounded. One missing must-have caps the score at 69, two
//! or more at 49.

use crate::facts::Lexicon;
use crate::text::{self, star_text};
use app::model::StarRecord;
use app::outputs::{Importance, Jd, Ledger, LedgerEvidence, Requirement, Strength};
use app::resume::{BasicsField, Resume, Source};
use std::collections::BTreeSet;

/// The score of one missing must-have, and of two or more.
pub const ONE_MISSING_CAP: u8 = 69;
pub const MANY_MISSING_CAP: u8 = 49;

fn points(s: Strength) -> f64 {
    match s {
        Strength::Direct => 1.0,
        Strength::Strong => 0.8,
        Strength::Transferable => 0.5,
        Strength::Missing => 0.0,
    }
}

fn weight(i: Importance) -> f64 {
    match i {
        Importance::MustHave => 2.0,
        Importance::NiceToHave => 1.0,
    }
}

/// The formula of the module's documentation.
pub fn score(requirements: &[Requirement]) -> u8 {
    let total: f64 = requirements.iter().map(|r| weight(r.importance)).sum();
    if total == 0.0 {
        return 0;
    }
    let earned: f64 = requirements.iter().map(|r| weight(r.importance) * points(r.strength)).sum();
    let raw = (100.0 * earned / total).round() as u8;
    let missing = requirements
        .iter()
        .filter(|r| r.importance == Importance::MustHave && r.strength == Strength::Missing)
        .count();
    match missing {
        0 => raw,
        1 => raw.min(ONE_MISSING_CAP),
        _ => raw.min(MANY_MISSING_CAP),
    }
}

/// A record of the candidate a requirement may rest on.
pub(crate) struct Record {
    pub(crate) source: Source,
    pub(crate) text: String,
    words: Vec<String>,
    technologies: BTreeSet<String>,
}

impl Record {
    fn new(source: Source, text: String) -> Record {
        let words = text::words(&text);
        let technologies = Lexicon::bundled().find(&text);
        Record { source, text, words, technologies }
    }

    /// Whether it names `tech` (by the lexicon, or word for word for the posting's own skills).
    fn shows(&self, tech: &str) -> bool {
        self.technologies.contains(tech) || text::contains_phrase(&self.words, tech)
    }

    fn evidence(&self) -> LedgerEvidence {
        LedgerEvidence { source: self.source.clone(), text: self.text.clone() }
    }
}

/// Every record of the candidate, with its text.
pub(crate) fn records(resume: &Resume, stars: &[StarRecord]) -> Vec<Record> {
    let mut sources = vec![Source::Basics(BasicsField::Summary)];
    for (i, w) in resume.work().iter().enumerate() {
        sources.push(Source::Position(i));
        let highlights = w.highlights.as_deref().unwrap_or_default();
        sources.extend((0..highlights.len()).map(|j| Source::Highlight { work: i, highlight: j }));
    }
    sources.extend((0..resume.skills().len()).map(Source::Skills));
    sources.extend((0..resume.education().len()).map(Source::Education));
    sources.extend((0..resume.certificates().len()).map(Source::Certificate));
    let mut out: Vec<Record> = sources
        .into_iter()
        .filter_map(|s| crate::cv::source_text(resume, &s, stars).map(|t| Record::new(s, t)))
        .collect();
    out.extend(stars.iter().map(|s| Record::new(Source::Star(s.id.clone()), star_text(s))));
    out
}

/// The posting's words for a requirement: the line itself when the posting contains it,
/// otherwise the posting's sentence sharing most of its words (at least half); `None` when
/// the posting does not say it.
fn quote(line: &str, description: &str) -> Option<String> {
    let line = line.trim();
    if !line.is_empty() && description.contains(line) {
        return Some(line.to_string());
    }
    let wanted: BTreeSet<String> = text::terms(line).into_iter().collect();
    if wanted.is_empty() {
        return None;
    }
    text::sentences(description)
        .into_iter()
        .map(|s| {
            let have: BTreeSet<String> = text::terms(&s).into_iter().collect();
            (wanted.intersection(&have).count(), s)
        })
        .filter(|(shared, _)| 2 * shared >= wanted.len())
        .max_by_key(|(shared, _)| *shared)
        .map(|(_, s)| s)
}

/// A word without its common English endings, so "idempotency" meets "idempotent" and
/// "leading" meets "lead".
fn stem(word: &str) -> &str {
    const ENDINGS: [&str; 10] = ["ency", "ence", "ent", "ing", "ies", "ied", "ed", "es", "s", "y"];
    ENDINGS.iter().find_map(|e| word.strip_suffix(e).filter(|rest| rest.len() >= 4)).unwrap_or(word)
}

/// The stems of a text's content words, hyphenated words split ("distributed-systems").
pub(crate) fn stems(text: &str) -> BTreeSet<String> {
    text::terms(&text.replace('-', " ")).iter().map(|w| stem(w).to_string()).collect()
}

/// The share of `wanted`'s stems that `text` has.
fn overlap(wanted: &BTreeSet<String>, text: &str) -> f64 {
    if wanted.is_empty() {
        return 0.0;
    }
    wanted.intersection(&stems(text)).count() as f64 / wanted.len() as f64
}

/// The years a requirement asks for: the largest number before "years" ("2+ years managing,
/// 6+ years hands-on" asks for 6).
fn years_asked(quote: &str) -> Option<u32> {
    let w = text::words(quote);
    w.windows(2)
        .filter(|p| matches!(p[1].as_str(), "years" | "yrs" | "year"))
        .filter_map(|p| p[0].trim_end_matches('+').parse::<u32>().ok())
        .filter(|n| (1..=40).contains(n))
        .max()
}

/// A line that says what is *not* asked ("Game industry experience not required").
fn waived(quote: &str) -> bool {
    let l = quote.to_lowercase();
    ["not required", "not a requirement", "not necessary", "no experience needed"]
        .iter()
        .any(|p| l.contains(p))
}

/// What a ledger is built from.
pub struct Inputs<'a> {
    pub jd: &'a Jd,
    pub description: &'a str,
    pub resume: &'a Resume,
    pub stars: &'a [StarRecord],
    /// How many years the master CV's work spans, when it has dates.
    pub years: Option<u32>,
}

/// At most this many records are cited for one requirement.
const EVIDENCE: usize = 2;

/// The technologies a requirement names: the lexicon's, and the posting's own skills.
fn named_in(quote: &str, jd: &Jd) -> BTreeSet<String> {
    let mut named = Lexicon::bundled().find(quote);
    let words = text::words(quote);
    named.extend(jd.technical_skills.iter().filter(|s| text::contains_phrase(&words, s)).cloned());
    named
}

/// What one aspect of a requirement (its years, its technologies, its words) finds.
struct Part<'r> {
    strength: Strength,
    matched: Vec<String>,
    missing: Vec<String>,
    showing: Vec<&'r Record>,
}

/// Whether the technologies of `quote` are alternatives: the words from the first named one
/// to the last say "or" and not "and" ("Go, Rust or Java"; not "Node.js and TypeScript").
fn alternatives(quote: &str, named: &BTreeSet<String>) -> bool {
    let words = text::words(quote);
    let at: Vec<usize> = named
        .iter()
        .flat_map(|t| {
            let t = text::words(t);
            let words = &words;
            (0..words.len()).filter(move |&i| !t.is_empty() && words[i..].starts_with(&t))
        })
        .collect();
    let (Some(first), Some(last)) = (at.iter().min(), at.iter().max()) else { return false };
    let between = &words[*first..=*last];
    between.iter().any(|w| w == "or") && !between.iter().any(|w| w == "and")
}

/// A requirement's named technologies against the records, `ranked` by relevance: direct
/// when one record shows them all (any one of them for "Go, Rust or Java").
fn technologies<'r>(quote: &str, named: BTreeSet<String>, ranked: &[&'r Record]) -> Part<'r> {
    let any_of = alternatives(quote, &named);
    let needed = if any_of { 1 } else { named.len() };
    let (matched, missing): (Vec<String>, Vec<String>) =
        named.into_iter().partition(|t| ranked.iter().any(|r| r.shows(t)));
    let covers = |r: &Record| matched.iter().filter(|t| r.shows(t)).count();
    let best = ranked.iter().copied().max_by_key(|r| covers(r)).filter(|r| covers(r) >= needed);
    let strength = match (best, matched.len()) {
        (Some(_), _) => Strength::Direct,
        (None, n) if n >= needed => Strength::Strong,
        (None, 0) => Strength::Missing,
        _ => Strength::Transferable,
    };
    let mut showing: Vec<&Record> = best.into_iter().collect();
    for r in ranked.iter().copied().filter(|r| covers(r) > 0) {
        if !showing.iter().any(|s| s.source == r.source) {
            showing.push(r);
        }
    }
    let missing = if any_of && !matched.is_empty() { vec![] } else { missing };
    Part { strength, matched, missing, showing }
}

/// One requirement against the records.
fn assess(
    id: String,
    importance: Importance,
    quote: String,
    inputs: &Inputs,
    records: &[Record],
) -> Requirement {
    let wanted = stems(&quote);
    let mut ranked: Vec<&Record> = records.iter().collect();
    ranked.sort_by(|a, b| overlap(&wanted, &b.text).total_cmp(&overlap(&wanted, &a.text)));
    let named = named_in(&quote, inputs.jd);

    let mut parts: Vec<Part> = Vec::new();
    if let Some(need) = years_asked(&quote) {
        let got = inputs.years.unwrap_or(0);
        let strength = match got {
            g if g >= need => Strength::Direct,
            g if 4 * g >= 3 * need => Strength::Transferable,
            _ => Strength::Missing,
        };
        let jobs = records.iter().filter(|r| matches!(r.source, Source::Position(_))).collect();
        let label = vec![format!("{need}+ years")];
        parts.push(match strength {
            Strength::Missing => {
                Part { strength, matched: vec![], missing: label, showing: vec![] }
            }
            _ => Part { strength, matched: label, missing: vec![], showing: jobs },
        });
    }
    if !named.is_empty() {
        parts.push(technologies(&quote, named, &ranked));
    }
    if parts.is_empty() {
        let best = ranked.first().map_or(0.0, |r| overlap(&wanted, &r.text));
        let strength = match best {
            b if b >= 0.6 => Strength::Direct,
            b if b >= 0.4 => Strength::Strong,
            b if b >= 0.2 => Strength::Transferable,
            _ => Strength::Missing,
        };
        let showing = if strength == Strength::Missing { vec![] } else { ranked };
        parts.push(Part { strength, matched: vec![], missing: vec![], showing });
    }
    // A requirement is as strong as its weakest part ("3+ years of Node.js" needs both);
    // strengths are declared strongest first, so the weakest is the greatest.
    let strength = parts.iter().map(|p| p.strength).max().unwrap_or(Strength::Missing);
    let mut evidence: Vec<LedgerEvidence> = Vec::new();
    let (mut matched, mut missing) = (Vec::new(), Vec::new());
    for p in parts {
        matched.extend(p.matched);
        missing.extend(p.missing);
        for r in p.showing.into_iter().take(EVIDENCE) {
            if !evidence.iter().any(|e| e.source == r.source) {
                evidence.push(r.evidence());
            }
        }
    }
    Requirement { id, importance, quote, strength, matched, missing, evidence }
}

/// The ledger of a posting against the candidate's records.
pub fn build(inputs: &Inputs) -> Ledger {
    let mut lines: Vec<(Importance, String)> = Vec::new();
    lines.extend(inputs.jd.must_have.iter().map(|l| (Importance::MustHave, l.clone())));
    lines.extend(inputs.jd.nice_to_have.iter().map(|l| (Importance::NiceToHave, l.clone())));
    if lines.is_empty() {
        // No requirement list: each named skill, in the posting's sentence that names it.
        for skill in &inputs.jd.technical_skills {
            let sentence = text::sentences(inputs.description)
                .into_iter()
                .find(|s| text::terms(s).iter().any(|t| text::terms(skill).contains(t)));
            lines.extend(sentence.map(|s| (Importance::MustHave, s)));
        }
    }
    let records = records(inputs.resume, inputs.stars);
    let mut seen = BTreeSet::new();
    let requirements: Vec<Requirement> = lines
        .into_iter()
        .filter_map(|(importance, line)| Some((importance, quote(&line, inputs.description)?)))
        .filter(|(_, q)| !waived(q) && seen.insert(q.clone()))
        .enumerate()
        .map(|(i, (importance, q))| assess(format!("r{}", i + 1), importance, q, inputs, &records))
        .collect();
    Ledger { score: score(&requirements), requirements, model_score: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(importance: Importance, strength: Strength) -> Requirement {
        Requirement {
            id: "r".into(),
            importance,
            quote: String::new(),
            strength,
            matched: vec![],
            missing: vec![],
            evidence: vec![],
        }
    }

    #[test]
    fn the_formula_weighs_must_haves_double_and_caps_on_missing_ones() {
        use Importance::*;
        use Strength::*;
        let r = requirement;
        assert_eq!(score(&[]), 0);
        assert_eq!(score(&[r(MustHave, Direct), r(NiceToHave, Missing)]), 67);
        assert_eq!(score(&[r(MustHave, Strong), r(MustHave, Transferable)]), 65);
        // 4 direct must-haves and one missing: 80 by the mean, capped at 69.
        let mut one_missing = vec![r(MustHave, Direct); 4];
        one_missing.push(r(MustHave, Missing));
        assert_eq!(score(&one_missing), ONE_MISSING_CAP);
        let mut two_missing = vec![r(MustHave, Direct); 8];
        two_missing.extend([r(MustHave, Missing), r(MustHave, Missing)]);
        assert_eq!(score(&two_missing), MANY_MISSING_CAP);
        // A missing nice-to-have costs its weight, and caps nothing.
        let mut nice_missing = vec![r(MustHave, Direct); 4];
        nice_missing.push(r(NiceToHave, Missing));
        assert_eq!(score(&nice_missing), 89);
    }

    const POSTING: &str = "About Quarry Lane\nWe run ledgers for co-ops.\n\n## Requirements\n\
        - 5+ years building backend services\n- Go, Rust or Java at scale\n\
        - Node.js and TypeScript\n- Experience mentoring engineers\n\
        - Farming experience not required\n\n## Nice to have\n- Terraform";

    fn resume() -> Resume {
        serde_json::from_value(serde_json::json!({
            "basics": {"name": "Ines Okafor", "summary": "Backend engineer who mentors engineers."},
            "work": [{
                "name": "Brindle Co-op", "position": "Senior Engineer", "startDate": "2019-01-01",
                "highlights": ["Built the ledger services in Rust and TypeScript."]
            }]
        }))
        .unwrap()
    }

    fn ledger(years: Option<u32>) -> Ledger {
        let resume = resume();
        let jd = Jd {
            must_have: vec![
                "5+ years building backend services".into(),
                "Go, Rust or Java at scale".into(),
                "Node.js and TypeScript".into(),
                "Experience mentoring engineers".into(),
                "Farming experience not required".into(),
                "A PhD in astrophysics".into(),
            ],
            nice_to_have: vec!["Terraform".into()],
            technical_skills: vec!["Rust".into(), "Node.js".into()],
            ..Jd::default()
        };
        build(&Inputs { jd: &jd, description: POSTING, resume: &resume, stars: &[], years })
    }

    #[test]
    fn each_requirement_is_quoted_from_the_posting_and_scored_with_its_evidence() {
        let l = ledger(Some(7));
        let by_quote = |q: &str| l.requirements.iter().find(|r| r.quote == q).unwrap();
        let quotes: Vec<&str> = l.requirements.iter().map(|r| r.quote.as_str()).collect();
        assert!(
            !quotes.iter().any(|q| q.contains("not required")),
            "waived lines are no requirement"
        );
        assert!(!quotes.iter().any(|q| q.contains("PhD")), "the posting never says it: {quotes:?}");
        assert!(quotes.iter().all(|q| POSTING.contains(q)), "verbatim: {quotes:?}");
        assert_eq!(l.requirements[0].id, "r1");

        let years = by_quote("5+ years building backend services");
        assert_eq!(
            (years.strength, years.matched.as_slice()),
            (Strength::Direct, &["5+ years".to_string()][..])
        );
        assert_eq!(years.evidence[0].source, Source::Position(0));

        let any = by_quote("Go, Rust or Java at scale");
        assert_eq!(any.strength, Strength::Direct, "one of the alternatives is enough");
        assert!(any.missing.is_empty());
        assert_eq!(any.evidence[0].source, Source::Highlight { work: 0, highlight: 0 });

        let both = by_quote("Node.js and TypeScript");
        assert_eq!(both.strength, Strength::Transferable, "TypeScript without Node.js");
        assert_eq!(both.missing, ["Node.js"]);

        let words = by_quote("Experience mentoring engineers");
        assert_ne!(words.strength, Strength::Missing, "the summary says it: {words:?}");

        let nice = by_quote("Terraform");
        assert_eq!((nice.importance, nice.strength), (Importance::NiceToHave, Strength::Missing));
        assert_eq!(l.score, score(&l.requirements));
    }

    #[test]
    fn too_few_years_weaken_the_requirement_and_a_missing_must_have_caps_the_score() {
        let short = ledger(Some(4));
        let years = &short.requirements[0];
        assert_eq!((years.strength, years.missing.as_slice()), (Strength::Transferable, &[][..]));
        let shorter = ledger(Some(2));
        assert_eq!(shorter.requirements[0].strength, Strength::Missing);
        assert!(shorter.score <= ONE_MISSING_CAP, "{}", shorter.score);
        assert!(shorter.score < short.score);
    }
}
