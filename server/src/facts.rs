//! The fact gate: a deterministic, fail-closed check that a generated sentence claims nothing
//! its sources do not say.
//!
//! A sentence's claims are its numbers (amounts, percentages, years, durations), the named
//! technologies in it (the bundled lexicon `data/technologies.txt`, plus the posting's own
//! skills and keywords), degrees, and the organisations it places the candidate at ("at
//! Google", "joined Initech"). A sentence in the first person speaks about the candidate, so
//! its claims must be in the candidate's records (master CV, STAR records); any other sentence
//! speaks about the employer, so the posting and the company research count as sources too.
//! The employer and the job being applied to may always be named.
//!
//! `Gate::filter` keeps the sentences whose claims are all supported and reports the others,
//! with the claim and its kind, so the layer can record what it blocked.

use crate::text;
use app::outputs::{BlockedClaim, ClaimKind};
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

/// The technology lexicon, read once from the bundled file, indexed by each alias's first
/// word so that finding the technologies of a text is one pass over its words, however many
/// names the lexicon holds.
pub struct Lexicon {
    names: Vec<String>,
    /// First lower-case word → (the alias's words, the technology), matched whatever the case.
    any_case: HashMap<String, Vec<(Vec<String>, usize)>>,
    /// First word as written → (the alias's words, the technology), matched with that case
    /// only ("Go", "REST").
    exact_case: HashMap<String, Vec<(Vec<String>, usize)>>,
}

static LEXICON: LazyLock<Lexicon> =
    LazyLock::new(|| Lexicon::parse(include_str!("../data/technologies.txt")));

/// Word tokens as written, split as `text::words` splits them (so `node.js`, `c++` and
/// `ci/cd` stay whole).
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '+' | '#' | '.' | '/' | '-' | '\'')))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '-' | '/' | '\'')))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn contains(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The technologies whose aliases occur in `words`, through an index by first word.
fn matches(
    words: &[String],
    index: &HashMap<String, Vec<(Vec<String>, usize)>>,
    found: &mut BTreeSet<usize>,
) {
    for (i, w) in words.iter().enumerate() {
        for (alias, tech) in index.get(w).into_iter().flatten() {
            if words[i..].starts_with(alias) {
                found.insert(*tech);
            }
        }
    }
}

impl Lexicon {
    pub fn bundled() -> &'static Lexicon {
        &LEXICON
    }

    /// `Canonical: alias, "ExactCase"` per line; `#` starts a comment. A quoted canonical name
    /// is matched with its case only.
    pub fn parse(source: &str) -> Lexicon {
        let mut lexicon =
            Lexicon { names: Vec::new(), any_case: HashMap::new(), exact_case: HashMap::new() };
        for line in source.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, aliases) = match line.strip_prefix('"').and_then(|r| r.split_once('"')) {
                Some((n, tail)) => (format!("\"{n}\""), tail.trim_start_matches(':').trim()),
                None => match line.split_once(": ") {
                    Some((n, a)) => (n.to_string(), a),
                    None => (line.to_string(), ""),
                },
            };
            let tech = lexicon.names.len();
            lexicon.names.push(name.trim_matches('"').to_string());
            for alias in std::iter::once(name.as_str()).chain(aliases.split(',')).map(str::trim) {
                let (index, words) = match alias.strip_prefix('"').and_then(|a| a.strip_suffix('"'))
                {
                    Some(exact) => (&mut lexicon.exact_case, tokens(exact)),
                    None => (&mut lexicon.any_case, text::words(alias)),
                };
                if let Some(first) = words.first() {
                    index.entry(first.clone()).or_default().push((words, tech));
                }
            }
        }
        lexicon
    }

    /// The technologies `text` names, by their canonical names.
    pub fn find(&self, text: &str) -> BTreeSet<String> {
        self.named(text).into_iter().collect()
    }

    /// The technologies `text` names, by their canonical names, in the lexicon's order: the
    /// skills a posting or a profile names.
    pub fn named(&self, text: &str) -> Vec<String> {
        let mut found = BTreeSet::new();
        matches(&text::words(text), &self.any_case, &mut found);
        matches(&tokens(text), &self.exact_case, &mut found);
        found.into_iter().map(|t| self.names[t].clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Degrees a sentence may claim only when a record does.
const DEGREES: &[&str] = &[
    "phd",
    "ph.d",
    "doctorate",
    "msc",
    "m.sc",
    "master's",
    "masters",
    "mba",
    "bsc",
    "b.sc",
    "bachelor's",
    "bachelors",
    "beng",
    "meng",
    "ba",
    "bs",
];

/// Words after which a capitalised name is an organisation the candidate is placed at.
const PLACING: &[&str] = &["at", "for", "joined", "with"];

/// Capitalised words that start a sentence or a clause without naming anything.
const NOT_NAMES: &[&str] = &["I", "The", "A", "An", "My", "Our", "Your", "This", "That", "It"];

/// What a set of sources says, ready for checking claims against.
pub struct Evidence {
    words: Vec<String>,
    numbers: BTreeSet<String>,
    technologies: BTreeSet<String>,
}

impl Evidence {
    pub fn new<'a>(sources: impl IntoIterator<Item = &'a str>, lexicon: &Lexicon) -> Evidence {
        let text = sources.into_iter().collect::<Vec<_>>().join("\n");
        Evidence {
            words: text::words(&text),
            numbers: text::numbers(&text).into_iter().collect(),
            technologies: lexicon.find(&text),
        }
    }

    /// Evidence of nothing: every claim checked against it fails.
    pub fn none() -> Evidence {
        Evidence { words: Vec::new(), numbers: BTreeSet::new(), technologies: BTreeSet::new() }
    }

    /// Whether the sources contain `phrase`, word for word, whatever the case.
    pub fn says(&self, phrase: &str) -> bool {
        contains(&self.words, &text::words(phrase))
    }
}

/// Whether `sentence` speaks in the first person, so about the candidate.
pub fn first_person(sentence: &str) -> bool {
    tokens(sentence).iter().any(|t| {
        matches!(t.to_lowercase().as_str(), "i" | "i'm" | "i've" | "i'd" | "i'll" | "me" | "my")
    })
}

/// The candidate's records as texts a gate checks against: the master CV, then each STAR
/// record whole.
pub fn candidate_sources(
    resume: &app::resume::Resume,
    stars: &[app::model::StarRecord],
) -> Vec<String> {
    let mut out = vec![resume.as_text()];
    for s in stars {
        let star = text::star_text(s);
        out.push(format!("{star} {} {} {}", s.company, s.role, s.metrics.join(" ")));
    }
    out
}

/// The gate for one document: the candidate's records, the wider context (posting, company
/// research) and the names a document may always use (the employer, the role).
pub struct Gate<'a> {
    lexicon: &'a Lexicon,
    candidate: Evidence,
    context: Evidence,
    /// The posting's skills and keywords: named technologies even when the lexicon lacks them.
    skills: Vec<String>,
    addressee: Vec<String>,
}

impl<'a> Gate<'a> {
    pub fn new(
        lexicon: &'a Lexicon,
        candidate: Evidence,
        context: Evidence,
        skills: Vec<String>,
        addressee: Vec<String>,
    ) -> Self {
        Gate { lexicon, candidate, context, skills, addressee }
    }

    /// A gate for text about the candidate only (a CV the user edited): every claim, in the
    /// first person or not, must be in `records`.
    pub fn of_records(lexicon: &'a Lexicon, records: &[String], skills: Vec<String>) -> Self {
        let evidence = || Evidence::new(records.iter().map(String::as_str), lexicon);
        Gate::new(lexicon, evidence(), evidence(), skills, Vec::new())
    }

    /// A gate for text about the employer and the role (posting analysis, research): its
    /// claims must be in `context`, and it has no records of the candidate to cite, so a
    /// sentence in the first person claims nothing it can keep.
    pub fn about_the_employer(
        lexicon: &'a Lexicon,
        context: Evidence,
        addressee: Vec<String>,
    ) -> Self {
        Gate::new(lexicon, Evidence::none(), context, Vec::new(), addressee)
    }

    /// Whether the wider context (the posting, the research) contains `phrase`.
    pub fn context_says(&self, phrase: &str) -> bool {
        self.context.says(phrase)
    }

    /// Whether the wider context states the number `n` (as `text::numbers` reads numbers).
    pub fn context_states(&self, n: u32) -> bool {
        self.context.numbers.contains(&n.to_string())
    }

    fn addressed(&self, name: &str) -> bool {
        let w = text::words(name);
        self.addressee.iter().any(|a| contains(&text::words(a), &w))
    }

    /// The claims of `sentence` that its sources do not support.
    pub fn unsupported(&self, sentence: &str) -> Vec<(ClaimKind, String)> {
        let evidence = if first_person(sentence) { &self.candidate } else { &self.context };
        let mut out = Vec::new();
        for n in text::numbers(sentence) {
            if !evidence.numbers.contains(&n) {
                out.push((ClaimKind::Number, n));
            }
        }
        let mut named = self.lexicon.find(sentence);
        let words = text::words(sentence);
        for s in &self.skills {
            if contains(&words, &text::words(s)) {
                named.insert(s.clone());
            }
        }
        for tech in named {
            let known = evidence.technologies.contains(&tech) || evidence.says(&tech);
            if !known && !self.addressed(&tech) {
                out.push((ClaimKind::Technology, tech));
            }
        }
        for w in &words {
            if DEGREES.contains(&w.as_str()) && !evidence.says(w) {
                out.push((ClaimKind::Degree, w.clone()));
            }
        }
        for (kind, named) in named_credentials(sentence) {
            if !evidence.says(&named) && !self.addressed(&named) {
                out.push((kind, named));
            }
        }
        for org in placed_at(sentence) {
            let is_tech = !self.lexicon.find(&org).is_empty();
            if !is_tech && !evidence.says(&org) && !self.addressed(&org) {
                out.push((ClaimKind::Employer, org));
            }
        }
        out
    }

    /// `text` without its unsupported sentences (line and paragraph breaks kept), and what was
    /// blocked.
    pub fn filter(&self, text: &str) -> (String, Vec<BlockedClaim>) {
        let mut blocked = Vec::new();
        let mut paragraphs = Vec::new();
        for paragraph in text.split("\n\n") {
            let mut lines = Vec::new();
            for line in paragraph.lines() {
                let mut kept = Vec::new();
                for sentence in split_sentences(line) {
                    let claims = self.unsupported(sentence);
                    if claims.is_empty() {
                        kept.push(sentence);
                    }
                    for (kind, claim) in claims {
                        blocked.push(BlockedClaim { sentence: sentence.to_string(), kind, claim });
                    }
                }
                if !kept.is_empty() {
                    lines.push(kept.join(" "));
                }
            }
            if !lines.is_empty() {
                paragraphs.push(lines.join("\n"));
            }
        }
        (paragraphs.join("\n\n"), blocked)
    }

    /// `filter`, adding what was blocked to `blocked`.
    pub fn filter_into(&self, text: &str, blocked: &mut Vec<BlockedClaim>) -> String {
        let (kept, claims) = self.filter(text);
        blocked.extend(claims);
        kept
    }

    /// Each line filtered; a line left empty is dropped.
    pub fn filter_lines(&self, lines: &[String], blocked: &mut Vec<BlockedClaim>) -> Vec<String> {
        lines.iter().map(|l| self.filter_into(l, blocked)).filter(|l| !l.is_empty()).collect()
    }
}

/// The last word of a job title ("Staff Engineer", "Head of Platform" ends in "Platform" but
/// starts with "Head", so both ends are looked at).
const TITLE_WORDS: &[&str] = &[
    "engineer",
    "developer",
    "manager",
    "director",
    "architect",
    "lead",
    "head",
    "scientist",
    "analyst",
    "designer",
    "consultant",
    "officer",
    "president",
    "vp",
    "founder",
    "co-founder",
    "principal",
    "fellow",
    "administrator",
    "researcher",
    "programmer",
    "intern",
];

/// Words that start a sentence about a role without being part of its title.
const STARTERS: &[&str] = &[
    "as",
    "led",
    "built",
    "ran",
    "joined",
    "worked",
    "served",
    "became",
    "promoted",
    "hired",
    "former",
    "formerly",
    "previously",
    "now",
    "currently",
    "then",
    "while",
    "when",
    "after",
    "before",
    "since",
    "in",
    "at",
    "on",
    "for",
    "with",
    "from",
    "during",
    "dear",
];

/// Titles that are claims on their own, one word long.
const TITLE_ACRONYMS: &[&str] = &["CTO", "CEO", "CFO", "COO", "CIO", "CPO", "VP", "SVP", "EVP"];

/// Words that name an institution of learning.
const INSTITUTION_WORDS: &[&str] =
    &["university", "institute", "college", "school", "academy", "polytechnic", "universität"];

/// Certifications known by their letters.
const CERTIFICATIONS: &[&str] = &[
    "CKA", "CKAD", "CKS", "PMP", "CISSP", "CISM", "CISA", "CCNA", "CCNP", "OSCP", "CEH", "CFA",
    "CPA", "ITIL", "PRINCE2", "TOGAF", "CSM", "PSM",
];

/// Runs of capitalised words ("Royal Institute of Technology"), "of", "&" and "and" allowed
/// inside a run; each with whether it starts the sentence.
fn capitalised_runs(sentence: &str) -> Vec<(bool, Vec<String>)> {
    let mut runs = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut starts = true;
    let mut run_starts = true;
    let close = |run: &mut Vec<String>, runs: &mut Vec<(bool, Vec<String>)>, starts: bool| {
        while run.last().is_some_and(|w| matches!(w.as_str(), "of" | "&" | "and")) {
            run.pop();
        }
        if !run.is_empty() {
            runs.push((starts, std::mem::take(run)));
        }
    };
    for raw in sentence.split_whitespace() {
        if raw.starts_with(['(', '"', '“']) {
            close(&mut run, &mut runs, run_starts);
        }
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '&' && c != '-');
        let capitalised =
            word.chars().next().is_some_and(char::is_uppercase) && !NOT_NAMES.contains(&word);
        let connector = !run.is_empty() && matches!(word, "of" | "&" | "and");
        if capitalised || connector {
            if run.is_empty() {
                run_starts = starts;
            }
            run.push(word.to_string());
        } else {
            close(&mut run, &mut runs, run_starts);
        }
        // A list mark or a possessive ("Tidewater Energy's Senior Engineer") ends the run.
        let possessive = ["'s", "’s"].iter().any(|p| word.ends_with(p));
        if possessive && let Some(last) = run.last_mut() {
            last.truncate(last.len() - if last.ends_with("'s") { 2 } else { "’s".len() });
        }
        if possessive || raw.ends_with([',', ';', ':', '(', ')']) {
            close(&mut run, &mut runs, run_starts);
        }
        starts = false;
    }
    close(&mut run, &mut runs, run_starts);
    runs
}

/// The titles, institutions and certifications a sentence names, with their kinds.
fn named_credentials(sentence: &str) -> Vec<(ClaimKind, String)> {
    let mut out = Vec::new();
    for (initial, run) in capitalised_runs(sentence) {
        let lower: Vec<String> = run.iter().map(|w| w.to_lowercase()).collect();
        let phrase = run.join(" ");
        let is_title_word = |w: &String| TITLE_WORDS.contains(&w.as_str());
        if lower.iter().any(|w| INSTITUTION_WORDS.contains(&w.as_str())) {
            out.push((ClaimKind::Institution, phrase));
        } else if lower.iter().any(|w| w == "certified" || w == "certification") {
            out.push((ClaimKind::Certification, phrase));
        } else if let Some(last) = lower.iter().rposition(is_title_word) {
            // A word that starts the sentence is capitalised anyway ("As Principal Engineer").
            let from = usize::from(initial && STARTERS.contains(&lower[0].as_str()));
            // "Head of Platform": the title word leads, the rest of the run belongs to it. A
            // title is two or more words ("Lead the design" is a verb).
            let to = if last == from { run.len() - 1 } else { last };
            if to > from {
                out.push((ClaimKind::Title, run[from..=to].join(" ")));
            }
        }
        for w in &run {
            if TITLE_ACRONYMS.contains(&w.as_str()) && !(initial && run.len() == 1) {
                out.push((ClaimKind::Title, w.clone()));
            }
            if CERTIFICATIONS.contains(&w.as_str()) {
                out.push((ClaimKind::Certification, w.clone()));
            }
        }
    }
    out
}

/// Organisations a sentence places someone at: the capitalised words after "at", "for",
/// "joined" or "with" ("at Google", "joined Initech Labs").
fn placed_at(sentence: &str) -> Vec<String> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if !PLACING.contains(&w.to_lowercase().as_str()) {
            continue;
        }
        let mut name = Vec::new();
        for next in &words[i + 1..] {
            let bare = next.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
            let capitalised = bare.chars().next().is_some_and(char::is_uppercase);
            if !capitalised || NOT_NAMES.contains(&bare) {
                break;
            }
            name.push(bare);
            if next.ends_with([',', '.', ';', ':', '!', '?']) {
                break;
            }
        }
        if !name.is_empty() {
            out.push(name.join(" "));
        }
    }
    out
}

/// The sentences of one line, each with its end mark, in order.
pub fn split_sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    for (k, (i, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        // A closing quote or bracket after the mark belongs to the sentence it closes.
        let mut last = (k, *i, *c);
        while let Some((j, q)) =
            chars.get(last.0 + 1).filter(|(_, q)| matches!(q, '"' | '”' | '’' | ')' | '\''))
        {
            last = (last.0 + 1, *j, *q);
        }
        let at_end = chars.get(last.0 + 1).is_none_or(|(_, n)| n.is_whitespace());
        if at_end && last.1 + last.2.len_utf8() > start {
            let end = last.1 + last.2.len_utf8();
            let s = line[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = line[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(candidate: &str, context: &str) -> Gate<'static> {
        let lexicon = Lexicon::bundled();
        Gate::new(
            lexicon,
            Evidence::new([candidate], lexicon),
            Evidence::new([candidate, context], lexicon),
            vec!["Temporal".into()],
            vec!["Acme Corp".into(), "Senior Platform Engineer".into()],
        )
    }

    const CANDIDATE: &str = "Staff Backend Engineer at Fjordpay AB since 2021. Led the ledger \
        rewrite in Rust and PostgreSQL; p99 latency 420 ms to 35 ms. MSc Computer Science.";
    const POSTING: &str = "Acme Corp is moving its billing to Kafka and Temporal. 10+ years; PhD.";

    #[test]
    fn the_lexicon_is_bundled_and_knows_aliases_and_case() {
        let l = Lexicon::bundled();
        assert!(l.len() > 2000, "a few thousand names: {}", l.len());
        assert!(l.find("We run k8s and Postgres").contains("Kubernetes"));
        assert!(l.find("We run k8s and Postgres").contains("PostgreSQL"));
        assert!(l.find("Built it in Go").contains("Go"));
        assert!(!l.find("ready to go further").contains("Go"), "case matters for Go");
        assert!(!l.find("the rest of the team").contains("REST"));
        assert!(l.find("a REST API").contains("REST"));
        assert!(!l.find("Ongoing growth in Gothenburg").contains("Go"));
        // Names that are everyday words count only as written: the engine, not the verb.
        assert!(l.find("Batch jobs on Spark and Airflow").contains("Spark"));
        assert!(!l.find("a workable plan to spark interest, with a slack week").contains("Spark"));
        assert!(l.find("a workable plan to spark interest, with a slack week").is_empty());
        assert!(l.find("Deployed with Argo CD via argocd").contains("Argo CD"));
        assert!(l.find("Events through Amazon MSK into Snowflake").contains("Amazon MSK"));
    }

    #[test]
    fn skills_are_named_in_the_lexicon_order_on_word_boundaries() {
        let named = Lexicon::bundled().named(
            "We use PostgreSQL, Go and C++; Kafka is a plus. Cargo is not Go, cgo is not C.",
        );
        assert_eq!(&named[..3], ["Go", "C++", "PostgreSQL"], "{named:?}");
        assert!(named.contains(&"Kafka".to_string()) && named.contains(&"Cargo".to_string()));
        assert!(named.contains(&"C".to_string()), "{named:?}");
        assert!(!Lexicon::bundled().named("a c-level hire").contains(&"C".to_string()));
    }

    #[test]
    fn a_fabricated_sentence_is_blocked_with_each_claim() {
        let g = gate(CANDIDATE, POSTING);
        let claims = g.unsupported(
            "I led Kubernetes and AWS migrations at Google since 2009, increasing revenue by 300%.",
        );
        let kinds: Vec<(ClaimKind, &str)> = claims.iter().map(|(k, c)| (*k, c.as_str())).collect();
        for expected in [
            (ClaimKind::Number, "2009"),
            (ClaimKind::Number, "300"),
            (ClaimKind::Technology, "Kubernetes"),
            (ClaimKind::Technology, "AWS"),
            (ClaimKind::Employer, "Google"),
        ] {
            assert!(kinds.contains(&expected), "{expected:?} not in {kinds:?}");
        }
    }

    #[test]
    fn a_true_sentence_passes_and_may_name_the_employer_and_role() {
        let g = gate(CANDIDATE, POSTING);
        for ok in [
            "At Fjordpay AB I led the ledger rewrite in Rust, cutting p99 latency from 420 ms to 35 ms.",
            "I am applying for the Senior Platform Engineer position at Acme Corp.",
            "I would welcome the chance to help Acme Corp.",
            "Your posting says Acme Corp is moving its billing to Kafka and Temporal.",
        ] {
            assert_eq!(g.unsupported(ok), vec![], "{ok}");
        }
    }

    #[test]
    fn the_postings_requirements_are_not_the_candidates() {
        let g = gate(CANDIDATE, POSTING);
        let claims = g.unsupported("I bring 10+ years of Kafka and Temporal, and a PhD.");
        let kinds: Vec<ClaimKind> = claims.iter().map(|(k, _)| *k).collect();
        assert!(kinds.contains(&ClaimKind::Number), "{claims:?}");
        assert!(kinds.contains(&ClaimKind::Technology), "{claims:?}");
        assert!(kinds.contains(&ClaimKind::Degree), "{claims:?}");
        assert!(g.unsupported("You ask for 10+ years of Kafka and a PhD.").is_empty());
    }

    #[test]
    fn filter_drops_only_the_unsupported_sentences_and_keeps_the_layout() {
        let g = gate(CANDIDATE, POSTING);
        let letter = "Dear Acme Corp hiring team,\n\nI led the ledger rewrite in Rust. I also \
            ran Snowflake at Google for 12 years.\n\nKind regards,\nMara";
        let (kept, blocked) = g.filter(letter);
        assert_eq!(
            kept,
            "Dear Acme Corp hiring team,\n\nI led the ledger rewrite in Rust.\n\nKind regards,\nMara"
        );
        let claims: Vec<&str> = blocked.iter().map(|b| b.claim.as_str()).collect();
        assert!(claims.contains(&"12") && claims.contains(&"Snowflake"), "{claims:?}");
        assert!(claims.contains(&"Google"), "{claims:?}");
        assert!(blocked.iter().all(|b| b.sentence.contains("Google")));
    }

    #[test]
    fn invented_titles_institutions_and_certifications_are_claims() {
        let g = gate(CANDIDATE, POSTING);
        let claims = g.unsupported(
            "As Principal Engineer I earned a degree at KTH Royal Institute of Technology and \
             became a Certified Kubernetes Administrator (CKA).",
        );
        let kinds: Vec<(ClaimKind, &str)> = claims.iter().map(|(k, c)| (*k, c.as_str())).collect();
        for expected in [
            (ClaimKind::Title, "Principal Engineer"),
            (ClaimKind::Institution, "KTH Royal Institute of Technology"),
            (ClaimKind::Certification, "Certified Kubernetes Administrator"),
            (ClaimKind::Certification, "CKA"),
        ] {
            assert!(kinds.contains(&expected), "{expected:?} not in {kinds:?}");
        }
        let cto = g.unsupported("I was the CTO of a start-up.");
        assert!(cto.contains(&(ClaimKind::Title, "CTO".into())), "{cto:?}");
        let head = g.unsupported("I became Head of Platform.");
        assert!(head.contains(&(ClaimKind::Title, "Head of Platform".into())), "{head:?}");
    }

    #[test]
    fn titles_from_the_records_and_the_role_applied_for_pass() {
        let g = gate(CANDIDATE, POSTING);
        for ok in [
            "As Staff Backend Engineer at Fjordpay AB I led the ledger rewrite.",
            "I am applying for the Senior Platform Engineer role.",
            "Lead the design of the ledger.",
            "I mentor engineers and work with a product manager.",
            "Kind regards, Mara",
        ] {
            assert_eq!(g.unsupported(ok), vec![], "{ok}");
        }
    }

    #[test]
    fn a_quoted_sentence_ends_at_its_closing_quote() {
        let line = "Your posting says: \"We are replacing Kafka.\" I led the ledger rewrite.";
        assert_eq!(
            split_sentences(line),
            ["Your posting says: \"We are replacing Kafka.\"", "I led the ledger rewrite."]
        );
        assert!(gate(CANDIDATE, POSTING).unsupported(split_sentences(line)[0]).is_empty());
    }
}
