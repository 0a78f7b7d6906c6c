//! Text tools of the offline provider and the grounding checks: tokens, sentences, sections, a skill lexicon and BM25.
//! Everything is deterministic: the same input always gives the same output.

use std::collections::{BTreeMap, BTreeSet};

const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "across",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "but",
    "by",
    "can",
    "do",
    "every",
    "for",
    "from",
    "has",
    "have",
    "how",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "last",
    "more",
    "most",
    "much",
    "new",
    "not",
    "of",
    "on",
    "one",
    "or",
    "our",
    "out",
    "over",
    "so",
    "some",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "to",
    "up",
    "us",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "within",
    "would",
    "you",
    "your",
    "role",
    "team",
    "work",
    "years",
    "year",
    "week",
    "day",
    "days",
    "plus",
    "strong",
    "experience",
    "looking",
    "join",
    "help",
    "build",
    "building",
    "per",
    "via",
    "use",
    "using",
    "well",
    "make",
    "two",
    "three",
    "four",
    "five",
    "six",
    "time",
    "times",
    "able",
    "based",
    "including",
];

/// Soft skills recognised in postings: (canonical name, lowercase aliases). Technical skills
/// are the technology lexicon's (`facts::Lexicon`).
pub const SOFT_SKILLS: &[(&str, &[&str])] = &[
    ("Mentoring", &["mentor", "mentoring", "mentors", "coach", "coaching"]),
    ("Leadership", &["lead", "leading", "leader", "leadership"]),
    ("Hiring", &["hire", "hiring"]),
    ("Communication", &["communication", "writing", "documentation"]),
    ("Collaboration", &["collaborate", "collaboration", "partner", "work closely"]),
    ("Ownership", &["own", "ownership", "end to end", "end-to-end"]),
    ("Stakeholder management", &["stakeholder", "stakeholders", "product managers"]),
    ("Calm under pressure", &["calm", "pressure"]),
];

pub use app::cv::ats::{contains_phrase, words};

/// Words worth matching on: no stopwords, no bare numbers, at least two characters.
pub fn terms(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| {
            w.len() > 1
                && !STOPWORDS.contains(&w.as_str())
                && !w.chars().all(|c| c.is_ascii_digit())
        })
        .collect()
}

/// The lexicon entries found in `text`, in lexicon order.
pub fn find_skills(text: &str, lexicon: &[(&str, &[&str])]) -> Vec<String> {
    let w = words(text);
    lexicon
        .iter()
        .filter(|(_, aliases)| aliases.iter().any(|a| contains_phrase(&w, a)))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Sentences and bullet items of a posting, without Markdown markers, in order.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '#']).trim();
        if line.is_empty() {
            continue;
        }
        let mut current = String::new();
        let chars: Vec<char> = line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            current.push(*c);
            let ends = matches!(c, '.' | '!' | '?')
                && chars.get(i + 1).is_none_or(|n| n.is_whitespace())
                && !current.trim_end().ends_with("e.g.")
                && !current.trim_end().ends_with("i.e.");
            if ends {
                let s = current.trim().to_string();
                if s.len() > 2 {
                    out.push(s);
                }
                current.clear();
            }
        }
        let s = current.trim().to_string();
        if s.len() > 2 {
            out.push(s);
        }
    }
    out
}

/// A posting split into (heading, lines) sections; text before any heading has heading "".
/// A heading is a Markdown heading, or a short line ending with ':' or standing alone above a
/// list (as many postings write "What you will do"). A list ends at the first paragraph
/// after it: that paragraph starts an untitled section (so "Salary: …" under a requirements
/// list is not a requirement).
pub fn sections(text: &str) -> Vec<(String, Vec<String>)> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let is_bullet = |l: &str| l.starts_with("- ") || l.starts_with("* ");
    let mut out: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
    let mut in_list = false;
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        if in_list && !is_bullet(line) {
            out.push((String::new(), Vec::new()));
        }
        in_list = is_bullet(line);
        let next_is_bullet = lines.get(i + 1).is_some_and(|n| is_bullet(n));
        let heading = if let Some(h) = line.strip_prefix('#') {
            Some(h.trim_start_matches('#').trim().to_string())
        } else if !line.starts_with(['-', '*'])
            && line.len() < 60
            && (line.ends_with(':') || next_is_bullet)
        {
            Some(line.trim_end_matches(':').to_string())
        } else {
            None
        };
        match heading {
            Some(h) => out.push((h, Vec::new())),
            None => {
                if let Some(last) = out.last_mut() {
                    last.1.push(line.trim_start_matches(['-', '*']).trim().to_string());
                }
            }
        }
    }
    out.into_iter().filter(|(h, l)| !h.is_empty() || !l.is_empty()).collect()
}

/// Everything a STAR record says, as one text: what ranking and the fit ledger read.
pub fn star_text(s: &app::model::StarRecord) -> String {
    format!(
        "{} {} {} {} {} {} {}",
        s.title,
        s.situation,
        s.task,
        s.actions.join(" "),
        s.results.join(" "),
        s.skills.join(" "),
        s.tags.join(" ")
    )
}

/// Okapi BM25 over a fixed set of documents.
pub struct Bm25 {
    docs: Vec<Vec<String>>,
    doc_freq: BTreeMap<String, usize>,
    avg_len: f64,
}

impl Bm25 {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;

    pub fn new(docs: &[String]) -> Self {
        let docs: Vec<Vec<String>> = docs.iter().map(|d| terms(d)).collect();
        let mut doc_freq = BTreeMap::new();
        for d in &docs {
            for t in d.iter().collect::<BTreeSet<_>>() {
                *doc_freq.entry(t.clone()).or_insert(0) += 1;
            }
        }
        let avg_len = docs.iter().map(Vec::len).sum::<usize>() as f64 / docs.len().max(1) as f64;
        Bm25 { docs, doc_freq, avg_len: avg_len.max(1.0) }
    }

    /// The score of every document for `query`, in document order.
    pub fn scores(&self, query: &str) -> Vec<f64> {
        let n = self.docs.len() as f64;
        let q: BTreeSet<String> = terms(query).into_iter().collect();
        self.docs
            .iter()
            .map(|doc| {
                let len = doc.len() as f64;
                q.iter()
                    .map(|t| {
                        let tf = doc.iter().filter(|w| *w == t).count() as f64;
                        if tf == 0.0 {
                            return 0.0;
                        }
                        let df = *self.doc_freq.get(t).unwrap_or(&0) as f64;
                        let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                        idf * tf * (Self::K1 + 1.0)
                            / (tf + Self::K1 * (1.0 - Self::B + Self::B * len / self.avg_len))
                    })
                    .sum()
            })
            .collect()
    }
}

/// Numbers as written in a text ("40M", "4x", "35", "1,150,000"), for grounding checks.
pub fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (!current.is_empty() && matches!(c, ',' | '.')) {
            current.push(c);
        } else {
            let n = current.trim_end_matches([',', '.']).replace(',', "");
            if !n.is_empty() {
                out.push(n);
            }
            current.clear();
        }
    }
    out
}

/// Removes emoji and other pictographs (outreach must have none).
pub fn strip_emoji(text: &str) -> String {
    text.chars()
        .filter(|c| {
            let u = *c as u32;
            !(0x1F000..=0x1FAFF).contains(&u)
                && !(0x2600..=0x27BF).contains(&u)
                && u != 0xFE0F
                && u != 0x200D
        })
        .collect()
}

/// Cuts `text` to at most `max` characters on a word boundary, ending with "…" when cut.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 2 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push('…');
    out
}

pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_bullets_and_stops() {
        let s =
            sentences("# Role\nWe move fast. We break less!\n- Own the ledger\n- e.g. payments");
        assert_eq!(
            s,
            ["Role", "We move fast.", "We break less!", "Own the ledger", "e.g. payments"]
        );
    }

    #[test]
    fn sections_find_headings_with_and_without_markdown() {
        let s =
            sections("Intro text\n\nWhat you will do\n- Build\n- Run\n\n## Requirements\n- Rust");
        assert_eq!(
            s[1],
            ("What you will do".to_string(), vec!["Build".to_string(), "Run".to_string()])
        );
        assert_eq!(s[2].0, "Requirements");
        let s = sections("## Requirements\n- Rust\n- SQL\n\nSalary: NOK 900,000.");
        assert_eq!(s[0], ("Requirements".to_string(), vec!["Rust".to_string(), "SQL".to_string()]));
        assert_eq!(s[1], (String::new(), vec!["Salary: NOK 900,000.".to_string()]));
    }

    #[test]
    fn bm25_prefers_the_document_about_the_query() {
        let bm = Bm25::new(&["ledger payments latency rust".into(), "gardening tomatoes".into()]);
        let s = bm.scores("payments ledger");
        assert!(s[0] > 0.0 && s[1] == 0.0);
    }

    #[test]
    fn numbers_emoji_and_truncation() {
        assert_eq!(
            numbers("40M events, p99 420 ms → 35 ms; NOK 1,150,000."),
            ["40", "99", "420", "35", "1150000"]
        );
        assert_eq!(strip_emoji("Hi 🚀 there ✨"), "Hi  there ");
        let t = truncate_words("one two three four five", 12);
        assert!(t.chars().count() <= 12 && t.ends_with('…'), "{t}");
    }
}
