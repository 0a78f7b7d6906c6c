//! Attribution: each sentence of a generated document, after the fact gate, with the sources
//! it rests on and how it was made from them (`app::chain`).
//!
//! A sentence rests on a source when they share at least five content words (stems, and
//! the numbers written in both), or two that make a third of the sentence's. A sentence in
//! the first person speaks about the candidate, so only the candidate's records can be its
//! sources; any other sentence may also rest on a span of the posting (it speaks about the
//! posting, attributed to it) or on a company-research signal. A sentence that quotes a span
//! of the posting word for word rests on that span alone. Its transform compares it with
//! its closest source: the same words in order are *verbatim*, the same words in another
//! order a *reorder*, 60 % of its words a *rephrase*, fewer a *summary*; a sentence resting
//! on nothing is the writer's *template* (a greeting, a sign-off).

use crate::facts::{first_person, split_sentences};
use crate::ledger::{Record, records, stems};
use crate::text;
use app::chain::{DocPart, Grounding, Sentence, Transform};
use app::model::StarRecord;
use app::outputs::Signal;
use app::resume::Resume;
use std::collections::BTreeSet;

/// The most records, posting spans and signals one sentence names.
const MOST_RECORDS: usize = 3;
const MOST_SPANS: usize = 1;
const MOST_SIGNALS: usize = 1;

/// A text's content stems, and its numbers.
fn marks(text: &str) -> BTreeSet<String> {
    let mut out = stems(text);
    out.extend(text::numbers(text));
    out
}

struct Span {
    marks: BTreeSet<String>,
    grounding: Grounding,
    text: String,
}

impl Span {
    fn new(text: &str, grounding: Grounding) -> Span {
        Span { marks: marks(text), grounding, text: text.to_string() }
    }
}

/// The sources of one run's documents.
pub struct Attributor {
    /// The employer's and the candidate's names: every document names them, so they tie a
    /// sentence to nothing.
    names: BTreeSet<String>,
    records: Vec<Span>,
    posting: Vec<Span>,
    signals: Vec<Span>,
}

/// How many marks of `sentence` the span has, when enough to rest on.
fn rests_on(sentence: &BTreeSet<String>, span: &Span) -> Option<usize> {
    let shared = sentence.intersection(&span.marks).count();
    (shared >= 5 || (shared >= 2 && 3 * shared >= sentence.len())).then_some(shared)
}

/// The spans a sentence rests on, most shared first, at most `most`.
fn best<'a>(sentence: &BTreeSet<String>, spans: &'a [Span], most: usize) -> Vec<(usize, &'a Span)> {
    let mut found: Vec<(usize, &Span)> =
        spans.iter().filter_map(|s| rests_on(sentence, s).map(|n| (n, s))).collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.truncate(most);
    found
}

/// How `sentence` was made from `source`, its closest source.
pub fn transform(sentence: &str, source: &str) -> Transform {
    let (said, from) = (text::words(sentence), text::words(source));
    if !said.is_empty() && from.windows(said.len()).any(|w| w == said.as_slice()) {
        return Transform::Verbatim;
    }
    let (mine, theirs) = (marks(sentence), marks(source));
    if !mine.is_empty() && mine == theirs {
        return Transform::Reorder;
    }
    let shared = mine.intersection(&theirs).count();
    if 10 * shared >= 6 * mine.len().max(1) { Transform::Rephrase } else { Transform::Summarise }
}

/// How `line` was made from the closest of its sources' texts (a CV line from the records
/// it names); a line with no source text is the writer's template.
pub fn line_transform(line: &str, sources: &[String]) -> Transform {
    let m = marks(line);
    let closest = sources.iter().max_by_key(|s| m.intersection(&marks(s)).count());
    closest.map_or(Transform::Template, |s| transform(line, s))
}

impl Attributor {
    /// `posting` lists the posting's spans, the ones a chain links to first (requirement
    /// quotes, pain-point evidence), then the rest of the posting's sentences; `names` are
    /// the employer's and the candidate's.
    pub fn new(
        resume: &Resume,
        stars: &[StarRecord],
        posting: &[String],
        signals: &[Signal],
        names: &[&str],
    ) -> Attributor {
        let records = records(resume, stars)
            .into_iter()
            .map(|Record { source, text, .. }| Span::new(&text, Grounding::Record { source }));
        let mut seen = BTreeSet::new();
        let posting = posting
            .iter()
            .filter(|q| !q.trim().is_empty() && seen.insert(q.as_str()))
            .map(|q| Span::new(q, Grounding::Posting { quote: q.clone() }));
        let signals = signals.iter().map(|s| {
            Span::new(
                &s.text,
                Grounding::Signal { text: s.text.clone(), url: s.source_url.clone() },
            )
        });
        Attributor {
            names: names.iter().flat_map(|n| marks(n)).collect(),
            records: records.collect(),
            posting: posting.collect(),
            signals: signals.collect(),
        }
    }

    /// One sentence with its sources and transform.
    pub fn sentence(&self, part: DocPart, text: &str) -> Sentence {
        let said = text::words(text);
        let quoted = self.posting.iter().find(|p| {
            let quote = text::words(&p.text);
            !quote.is_empty() && said.windows(quote.len()).any(|w| w == quote.as_slice())
        });
        if let Some(p) = quoted.filter(|_| !first_person(text)) {
            let sources = vec![p.grounding.clone()];
            return Sentence { part, text: text.into(), transform: Transform::Verbatim, sources };
        }
        let m: BTreeSet<String> = marks(text).difference(&self.names).cloned().collect();
        let mut found = best(&m, &self.records, MOST_RECORDS);
        if !first_person(text) {
            found.extend(best(&m, &self.posting, MOST_SPANS));
            found.extend(best(&m, &self.signals, MOST_SIGNALS));
        }
        let closest = found.iter().max_by_key(|(n, _)| *n).map(|(_, s)| s.text.as_str());
        let transform = closest.map_or(Transform::Template, |c| transform(text, c));
        let sources = found.into_iter().map(|(_, s)| s.grounding.clone()).collect();
        Sentence { part, text: text.to_string(), transform, sources }
    }

    /// The sentences of a document, line by line, in order.
    pub fn document(&self, part: DocPart, text: &str) -> Vec<Sentence> {
        text.lines().flat_map(split_sentences).map(|s| self.sentence(part, s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::resume::Source;

    fn attributor() -> Attributor {
        let resume: Resume = serde_json::from_value(serde_json::json!({
            "basics": {"name": "Robin Vale", "summary": "Backend engineer building payment systems."},
            "work": [{"name": "Quillfeather Ltd", "position": "Senior Engineer",
                      "startDate": "2019-01", "highlights": [
                "Cut settlement latency by 40% by moving batch jobs to Kafka streams",
                "Mentored four engineers through their first on-call rotations"]}]
        }))
        .unwrap();
        let posting = vec!["You will own our event streaming platform on Kafka".to_string()];
        let signal = Signal {
            kind: "funding".into(),
            text: "Harrowgate Pay raised a Series B to expand into Nordic markets".into(),
            source_url: Some("https://news.example/harrowgate".into()),
        };
        Attributor::new(&resume, &[], &posting, &[signal], &["Harrowgate Pay", "Robin Vale"])
    }

    fn highlight(j: usize) -> Grounding {
        Grounding::Record { source: Source::Highlight { work: 0, highlight: j } }
    }

    #[test]
    fn a_sentence_names_the_records_it_rests_on_and_how_it_was_made() {
        let a = attributor();
        let s = a.sentence(DocPart::CoverLetter, "I cut settlement latency by 40% using Kafka.");
        assert_eq!(s.sources, vec![highlight(0)]);
        assert_eq!(s.transform, Transform::Rephrase);
        let s = a
            .sentence(DocPart::Cv, "Mentored four engineers through their first on-call rotations");
        assert_eq!((s.sources, s.transform), (vec![highlight(1)], Transform::Verbatim));
        let s = a.sentence(DocPart::CoverLetter, "Dear Harrowgate Pay hiring team,");
        assert_eq!((s.sources, s.transform), (vec![], Transform::Template));
    }

    #[test]
    fn only_sentences_about_the_employer_rest_on_the_posting_and_the_research() {
        let a = attributor();
        let about = a.sentence(
            DocPart::EmailBody,
            "Your posting says you will own an event streaming platform.",
        );
        let quote = "You will own our event streaming platform on Kafka".to_string();
        assert_eq!(about.sources, vec![Grounding::Posting { quote }]);
        let news = a.sentence(
            DocPart::EmailBody,
            "Congratulations on the Series B and the Nordic expansion.",
        );
        assert!(matches!(&news.sources[..], [Grounding::Signal { url: Some(_), .. }]), "{news:?}");
        // In the first person the same words claim experience: only records may carry them.
        let mine = a.sentence(DocPart::EmailBody, "I will own your event streaming platform.");
        assert_eq!(mine.sources, vec![]);
    }

    #[test]
    fn a_cv_line_is_compared_with_the_closest_of_its_sources() {
        let sources = [
            "Senior Engineer".to_string(),
            "Cut settlement latency by 40% by moving batch jobs to Kafka streams".to_string(),
        ];
        let t = |line: &str| line_transform(line, &sources);
        assert_eq!(
            t("Cut settlement latency by 40% by moving batch jobs to Kafka streams"),
            Transform::Verbatim
        );
        assert_eq!(
            t("By moving batch jobs to Kafka streams, cut settlement latency by 40%"),
            Transform::Reorder
        );
        assert_eq!(t("Cut latency 40%"), Transform::Rephrase);
        assert_eq!(t("Improved systems"), Transform::Summarise);
    }
}
