//! Building CVs from the candidate's records, in one place: the CV layer's draft, the master
//! CV's own lines, the grounding check, keyword coverage and the editor's document. The layer,
//! the editor service and the PDF all call these.
//!
//! Every line carries its `Source` (a master-CV item or a STAR record); nothing here writes a
//! line that is not in those records.

use crate::facts::{Evidence, Gate, Lexicon};
use crate::text;
use app::cv::{CvBullet, CvDocument, CvItem, CvLink, CvSection, Provenance, SectionKind};
use app::model::StarRecord;
use app::outputs::{BlockedClaim, CvLine, Jd, KeywordCoverage};
use app::resume::{BasicsField, Resume, Source, Work, list, text as or_empty};

fn line(section: &str, text: impl Into<String>, source: Source) -> CvLine {
    CvLine { section: section.into(), text: text.into(), source, also: Vec::new(), transform: None }
}

/// The text `source` points at in `resume` (or in `stars`), `None` when it does not exist.
pub fn source_text(resume: &Resume, source: &Source, stars: &[StarRecord]) -> Option<String> {
    let present = |s: &Option<String>| s.clone();
    match source {
        Source::Basics(field) => present(resume.basics.field(*field)),
        Source::Work(i) => {
            let w = resume.work().get(*i)?;
            Some(format!(
                "{} {} {} {}",
                or_empty(&w.position),
                or_empty(&w.name),
                or_empty(&w.start_date),
                or_empty(&w.end_date)
            ))
        }
        Source::Position(i) => present(&resume.work().get(*i)?.position),
        Source::Employer(i) => present(&resume.work().get(*i)?.name),
        Source::Highlight { work, highlight } => {
            list(&resume.work().get(*work)?.highlights).get(*highlight).cloned()
        }
        Source::Skills(i) => {
            let g = resume.skills().get(*i)?;
            Some(format!("{} {}", or_empty(&g.name), list(&g.keywords).join(" ")))
        }
        Source::Education(i) => {
            let e = resume.education().get(*i)?;
            Some(format!(
                "{} {} {}",
                or_empty(&e.study_type),
                or_empty(&e.area),
                or_empty(&e.institution)
            ))
        }
        Source::Certificate(i) => present(&resume.certificates().get(*i)?.name),
        Source::Star(id) => {
            let s = stars.iter().find(|s| s.id == *id)?;
            Some(format!(
                "{} {} {} {} {}",
                s.title,
                s.company,
                s.role,
                s.results.join(" "),
                s.metrics.join(" ")
            ))
        }
    }
}

/// What a provenance chip says about `source`: "Master CV · Lumen Bank, highlight 3",
/// "STAR · Cut settlement time"; `None` when the source does not exist.
pub fn source_label(resume: &Resume, source: &Source, stars: &[StarRecord]) -> Option<String> {
    source_text(resume, source, stars)?;
    let employer = |i: usize| {
        resume.work().get(i).and_then(|w| w.name.clone()).unwrap_or_else(|| "work".into())
    };
    let detail = match source {
        Source::Star(id) => {
            let star = stars.iter().find(|s| s.id == *id)?;
            return Some(format!("STAR · {}", star.title));
        }
        Source::Basics(field) => field.as_str().to_string(),
        Source::Work(i) | Source::Position(i) | Source::Employer(i) => employer(*i),
        Source::Highlight { work, highlight } => {
            format!("{}, highlight {}", employer(*work), highlight + 1)
        }
        Source::Skills(_) => "skills".into(),
        Source::Education(_) => "education".into(),
        Source::Certificate(_) => "certificates".into(),
    };
    Some(format!("Master CV · {detail}"))
}

/// The lines that fail grounding, with the reason; empty when every line is grounded: its
/// source exists in the profile and every number it states is in that source.
pub fn grounding_violations(
    lines: &[CvLine],
    resume: &Resume,
    stars: &[StarRecord],
) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines {
        let Some(source) = source_text(resume, &line.source, stars) else {
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

/// "2021-03 – present", from the job's dates (year and month).
fn dates(work: &Work) -> String {
    let month = |d: &Option<String>| d.as_deref().and_then(|s| s.get(..7)).map(str::to_string);
    match (month(&work.start_date), month(&work.end_date)) {
        (Some(s), Some(e)) => format!("{s} – {e}"),
        (Some(s), None) => format!("{s} – present"),
        _ => String::new(),
    }
}

/// The master CV as lines with provenance, untailored (for its own PDF).
pub fn master_cv_lines(resume: &Resume) -> Vec<CvLine> {
    draft(resume, &[], &[], &Jd::default())
}

/// The CV for a posting, before any model: every master-CV fact, each job's four highlights
/// most relevant to the posting's keywords, the first result of each selected STAR record at
/// its employer, and the skills groups that match the posting first.
pub fn draft(resume: &Resume, stars: &[StarRecord], selected: &[String], jd: &Jd) -> Vec<CvLine> {
    let mut keywords = jd.technical_skills.clone();
    keywords.extend(jd.top_keywords.iter().cloned());
    let mut lines = Vec::new();
    let contact = [
        BasicsField::Name,
        BasicsField::Label,
        BasicsField::Email,
        BasicsField::Phone,
        BasicsField::Url,
    ];
    for f in contact {
        if let Some(v) = resume.basics.field(f).as_deref().filter(|v| !v.is_empty()) {
            lines.push(line("header", v, Source::Basics(f)));
        }
    }
    if let Some(s) = resume.basics.summary.as_deref().filter(|s| !s.is_empty()) {
        lines.push(line("summary", s, Source::Basics(BasicsField::Summary)));
    }
    for (i, work) in resume.work().iter().enumerate() {
        experience(&mut lines, i, work, &keywords, stars, selected);
    }
    skills(&mut lines, resume, jd);
    for (i, e) in resume.education().iter().enumerate() {
        let parts = [&e.study_type, &e.area, &e.institution];
        let text = parts.into_iter().flatten().cloned().collect::<Vec<_>>().join(", ");
        lines.push(line("education", text, Source::Education(i)));
    }
    for (i, c) in resume.certificates().iter().enumerate() {
        if let Some(name) = &c.name {
            lines.push(line("certifications", name, Source::Certificate(i)));
        }
    }
    lines
}

/// One job's lines: title, employer, dates, its most relevant highlights, then the selected
/// STAR results at that employer not already said.
fn experience(
    lines: &mut Vec<CvLine>,
    i: usize,
    work: &Work,
    keywords: &[String],
    stars: &[StarRecord],
    selected: &[String],
) {
    let (Some(name), Some(position)) = (&work.name, &work.position) else { return };
    lines.push(line("experience", position, Source::Position(i)));
    lines.push(line("experience", name, Source::Employer(i)));
    let when = dates(work);
    if !when.is_empty() {
        lines.push(line("experience", when, Source::Work(i)));
    }
    let highlights = work.highlights.as_deref().unwrap_or_default();
    let mut bullets: Vec<(usize, usize, &String)> =
        highlights.iter().enumerate().map(|(j, h)| (relevance(h, keywords), j, h)).collect();
    bullets.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, j, text) in bullets.into_iter().take(4) {
        lines.push(line("experience", text, Source::Highlight { work: i, highlight: j }));
    }
    for s in stars.iter().filter(|s| selected.contains(&s.id) && s.company == *name) {
        let Some(result) = s.results.first() else { continue };
        let source = Source::Star(s.id.clone());
        // A result that restates a line already there is merged into it, keeping its source.
        match lines.iter_mut().find(|l| l.section == "experience" && restates(result, &l.text)) {
            Some(said) => said.also.push(source),
            None => lines.push(line("experience", result, source)),
        }
    }
}

/// Whether `a` says what `b` already says: the same text, or the same figures (at least one)
/// with most of `a`'s words — "p99 posting latency fell from 420 ms to 35 ms" restates
/// "Led the rewrite …; p99 posting latency 420 ms → 35 ms."
pub fn restates(a: &str, b: &str) -> bool {
    if a.trim() == b.trim() {
        return true;
    }
    let (na, nb) = (text::numbers(a), text::numbers(b));
    let same_figures = !na.is_empty() && na.iter().all(|n| nb.contains(n));
    let words: std::collections::BTreeSet<String> = text::terms(a).into_iter().collect();
    let theirs: std::collections::BTreeSet<String> = text::terms(b).into_iter().collect();
    let shared = words.intersection(&theirs).count();
    same_figures && 2 * shared >= words.len()
}

/// The skills groups, those with most of the posting's skills first; within a group, the
/// asked-for keywords first.
fn skills(lines: &mut Vec<CvLine>, resume: &Resume, jd: &Jd) {
    let asked: Vec<String> = jd.technical_skills.iter().map(|s| s.to_lowercase()).collect();
    let is_asked = |k: &str| asked.contains(&k.to_lowercase());
    let mut groups: Vec<(usize, usize, String)> = resume
        .skills()
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let mut kws: Vec<&str> = g.keywords.as_ref()?.iter().map(String::as_str).collect();
            kws.sort_by_key(|k| !is_asked(k));
            let hits = kws.iter().filter(|k| is_asked(k)).count();
            let name = g.name.as_deref().unwrap_or("Skills");
            Some((hits, i, format!("{name}: {}", kws.join(", "))))
        })
        .collect();
    groups.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i, text) in groups {
        lines.push(line("skills", text, Source::Skills(i)));
    }
}

/// Work highlights the draft left out, which a model may choose instead.
pub fn other_highlights(resume: &Resume, draft: &[CvLine]) -> Vec<CvLine> {
    let mut out = Vec::new();
    for (i, work) in resume.work().iter().enumerate() {
        for (j, h) in work.highlights.iter().flatten().enumerate() {
            let source = Source::Highlight { work: i, highlight: j };
            if !draft.iter().any(|l| l.source == source) {
                out.push(line("experience", h, source));
            }
        }
    }
    out
}

/// The posting's keywords against the CV as it prints (`app::cv::print::printed_lines`, the
/// text the parse-back check reads from the PDF): **covered** when a printed sentence outside
/// the skills section states it, **declared** when only the skills lines name it, **missing**
/// otherwise; and how many of them the master CV has.
pub fn coverage(keywords: &[String], doc: &CvDocument, master_text: &str) -> KeywordCoverage {
    let printed = |skills: bool| {
        let mut part = doc.clone();
        part.sections.retain(|s| (s.kind == SectionKind::Skills) == skills);
        if skills {
            part.header = Default::default();
        }
        text::words(&app::cv::print::printed_lines(&part).join("\n"))
    };
    let (sentences, skills) = (printed(false), printed(true));
    let master_words = text::words(master_text);
    let has = |w: &[String], k: &String| text::contains_phrase(w, &k.to_lowercase());
    let (mut covered, mut declared, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for k in keywords {
        match (has(&sentences, k), has(&skills, k)) {
            (true, _) => covered.push(k.clone()),
            (false, true) => declared.push(k.clone()),
            (false, false) => missing.push(k.clone()),
        }
    }
    let in_master: Vec<String> =
        keywords.iter().filter(|k| has(&master_words, k)).cloned().collect();
    let in_cv: Vec<String> = keywords.iter().filter(|k| !missing.contains(k)).cloned().collect();
    let pct = |n: usize| if keywords.is_empty() { 0 } else { (100 * n / keywords.len()) as u8 };
    KeywordCoverage {
        keywords: keywords.to_vec(),
        cv_percent: pct(in_cv.len()),
        master_cv_percent: pct(in_master.len()),
        in_cv,
        in_master_cv: in_master,
        covered,
        declared,
        missing,
    }
}

/// Lines a model rephrased, through the fact gate against each line's own source: a line that
/// names a technology, a degree, an organisation or a number its source does not goes back
/// to the draft's words for that source (or is dropped when the draft has none). Returns the
/// lines and what was blocked.
pub fn gate_lines(
    lines: Vec<CvLine>,
    draft: &[CvLine],
    resume: &Resume,
    stars: &[StarRecord],
    skills: &[String],
) -> (Vec<CvLine>, Vec<BlockedClaim>) {
    let lexicon = Lexicon::bundled();
    let mut blocked = Vec::new();
    let mut out = Vec::new();
    for line in lines {
        let Some(source) = source_text(resume, &line.source, stars) else { continue };
        // A merged line rests on each record it merged.
        let mut sources = vec![source];
        sources.extend(line.also.iter().filter_map(|s| source_text(resume, s, stars)));
        let evidence = || Evidence::new(sources.iter().map(String::as_str), lexicon);
        let gate = Gate::new(lexicon, evidence(), evidence(), skills.to_vec(), vec![]);
        let claims = gate.unsupported(&line.text);
        if claims.is_empty() {
            out.push(line);
            continue;
        }
        for (kind, claim) in claims {
            blocked.push(BlockedClaim { sentence: line.text.clone(), kind, claim });
        }
        if let Some(original) = draft.iter().find(|d| d.source == line.source)
            && !out.iter().any(|l: &CvLine| l.source == line.source)
        {
            out.push(original.clone());
        }
    }
    (out, blocked)
}

/// The provenance of `source` with its label, `None` when it is not in the profile.
pub fn provenance(source: &Source, resume: &Resume, stars: &[StarRecord]) -> Option<Provenance> {
    let label = source_label(resume, source, stars)?;
    Some(Provenance { source: source.clone(), label, edited: false })
}

/// CV lines (the pipeline's or the master CV's) as an editable document, each line keeping
/// its source as provenance.
pub fn document_from_lines(lines: &[CvLine], resume: &Resume, stars: &[StarRecord]) -> CvDocument {
    let mut doc = CvDocument::default();
    for line in lines {
        if line.section == "header" {
            header_line(&mut doc, line);
            continue;
        }
        let kind = SectionKind::parse(&line.section).unwrap_or(SectionKind::Custom);
        if doc.sections.last().is_none_or(|s| s.kind != kind) {
            let title = match kind {
                SectionKind::Custom => line.section.replace('_', " "),
                k => k.default_title().to_string(),
            };
            doc.sections.push(CvSection { kind, title, items: Vec::new() });
        }
        let Some(section) = doc.sections.last_mut() else { continue };
        section_line(section, line, resume, stars);
    }
    doc
}

/// A contact line: the name, the headline or a link.
fn header_line(doc: &mut CvDocument, line: &CvLine) {
    let text = line.text.clone();
    let link = |url: String| CvLink { label: text.clone(), url };
    match line.source {
        Source::Basics(BasicsField::Name) => doc.header.name = text,
        Source::Basics(BasicsField::Label) => doc.header.headline = text,
        Source::Basics(BasicsField::Email) => {
            doc.header.links.push(link(format!("mailto:{}", line.text)))
        }
        Source::Basics(BasicsField::Phone) => {
            doc.header.links.push(link(format!("tel:{}", line.text.replace(' ', ""))))
        }
        Source::Basics(BasicsField::Url) => doc.header.links.push(link(line.text.clone())),
        _ => doc.header.links.push(link(String::new())),
    }
}

/// A line of a section: a job's title, employer or dates fill its item; a highlight or STAR
/// result is a bullet of the current job; other lines are items of their own.
fn section_line(section: &mut CvSection, line: &CvLine, resume: &Resume, stars: &[StarRecord]) {
    let text = line.text.clone();
    let source = &line.source;
    let item = |text: String, title: String| CvItem {
        title,
        text,
        provenance: provenance(source, resume, stars),
        ..Default::default()
    };
    match section.kind {
        SectionKind::Experience if source.is_fact() => {
            if matches!(source, Source::Position(_)) || section.items.is_empty() {
                let work = source.work();
                let location = work
                    .and_then(|i| resume.work().get(i))
                    .map(|w| or_empty(&w.location).to_string())
                    .unwrap_or_default();
                section.items.push(CvItem {
                    location,
                    provenance: work.and_then(|i| provenance(&Source::Work(i), resume, stars)),
                    ..Default::default()
                });
            }
            let Some(item) = section.items.last_mut() else { return };
            match source {
                Source::Position(_) => item.title = text,
                Source::Employer(_) => item.subtitle = text,
                _ => item.dates = text,
            }
        }
        SectionKind::Experience => {
            if section.items.is_empty() {
                section.items.push(CvItem::default());
            }
            if let Some(last) = section.items.last_mut() {
                let provenance = provenance(source, resume, stars);
                last.bullets.push(CvBullet { text, provenance });
            }
        }
        SectionKind::Skills => {
            let (group, keywords) = text.split_once(": ").unwrap_or(("", &text));
            section.items.push(item(keywords.to_string(), group.to_string()));
        }
        SectionKind::Summary => section.items.push(item(text, String::new())),
        _ => section.items.push(item(String::new(), text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resume(value: serde_json::Value) -> Resume {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn pipeline_lines_become_a_document_with_provenance() {
        let resume = resume(json!({
            "basics": {"name": "Ada Lovelace", "label": "Engineer", "email": "ada@x.io"},
            "work": [{"name": "Lumen", "position": "Staff Engineer", "location": "Zürich",
                      "highlights": ["Cut latency 40%"]}],
            "skills": [{"name": "Languages", "keywords": ["Rust"]}]
        }));
        let star =
            StarRecord { id: "s1".into(), title: "Payments rewrite".into(), ..Default::default() };
        let l = |section: &str, text: &str, source: &str| CvLine {
            also: Vec::new(),
            transform: None,
            section: section.into(),
            text: text.into(),
            source: source.parse().unwrap(),
        };
        let lines = vec![
            l("header", "Ada Lovelace", "master_cv:basics.name"),
            l("header", "Engineer", "master_cv:basics.label"),
            l("header", "ada@x.io", "master_cv:basics.email"),
            l("experience", "Staff Engineer", "master_cv:work[0].position"),
            l("experience", "Lumen", "master_cv:work[0].name"),
            l("experience", "2020-01 – present", "master_cv:work[0]"),
            l("experience", "Cut latency 40%", "master_cv:work[0].highlights[0]"),
            l("experience", "Rewrote payments", "star:s1"),
            l("skills", "Languages: Rust", "master_cv:skills[0]"),
        ];
        let doc = document_from_lines(&lines, &resume, &[star]);
        assert_eq!(doc.header.name, "Ada Lovelace");
        assert_eq!(doc.header.headline, "Engineer");
        assert_eq!(doc.header.links[0].url, "mailto:ada@x.io");
        let job = &doc.sections[0].items[0];
        assert_eq!(
            (job.title.as_str(), job.subtitle.as_str(), job.dates.as_str(), job.location.as_str()),
            ("Staff Engineer", "Lumen", "2020-01 – present", "Zürich")
        );
        assert_eq!(job.provenance.as_ref().map(|p| &p.source), Some(&Source::Work(0)));
        let chips: Vec<&str> = job
            .bullets
            .iter()
            .map(|b| b.provenance.as_ref().map_or("", |p| p.label.as_str()))
            .collect();
        assert_eq!(chips, ["Master CV · Lumen, highlight 1", "STAR · Payments rewrite"]);
        let skills = &doc.sections[1];
        assert_eq!(
            (skills.kind, skills.items[0].title.as_str()),
            (SectionKind::Skills, "Languages")
        );
        assert_eq!(skills.items[0].text, "Rust");
        assert_eq!(doc.validate(), Ok(()));
    }

    #[test]
    fn the_draft_leads_with_the_highlights_the_posting_asks_for_and_keeps_every_fact() {
        let resume = resume(json!({
            "basics": {"name": "Ada", "summary": "Engineer."},
            "work": [{"name": "Lumen", "position": "Eng", "startDate": "2021-03-01",
                      "highlights": ["Wrote docs", "Ran Kafka at scale", "Led hiring",
                                     "Mentored two", "Built Rust services"]}],
            "skills": [{"name": "Tools", "keywords": ["Excel"]},
                       {"name": "Languages", "keywords": ["Go", "Rust"]}],
            "education": [{"studyType": "MSc", "area": "CS", "institution": "Chalmers"}],
            "certificates": [{"name": "CKA"}]
        }));
        let jd = Jd {
            technical_skills: vec!["Rust".into()],
            top_keywords: vec!["Kafka".into()],
            ..Jd::default()
        };
        let lines = draft(&resume, &[], &[], &jd);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Ada",
                "Engineer.",
                "Eng",
                "Lumen",
                "2021-03 – present",
                "Ran Kafka at scale",
                "Built Rust services",
                "Wrote docs",
                "Led hiring",
                "Languages: Rust, Go",
                "Tools: Excel",
                "MSc, CS, Chalmers",
                "CKA"
            ]
        );
        assert!(grounding_violations(&lines, &resume, &[]).is_empty());
        let left_out = other_highlights(&resume, &lines);
        assert_eq!(left_out.len(), 1);
        assert_eq!(left_out[0].source, Source::Highlight { work: 0, highlight: 3 });
    }

    #[test]
    fn a_line_with_a_number_or_a_source_not_in_the_profile_fails_grounding() {
        let resume = resume(json!({"basics": {"name": "Ada"},
            "work": [{"name": "Lumen", "position": "Eng", "highlights": ["Cut latency 40%"]}]}));
        let l = |text: &str, source: Source| line("experience", text, source);
        let lines = [
            l("Cut latency 40%", Source::Highlight { work: 0, highlight: 0 }),
            l("Cut latency 90%", Source::Highlight { work: 0, highlight: 0 }),
            l("Led a team", Source::Highlight { work: 3, highlight: 0 }),
        ];
        let v = grounding_violations(&lines, &resume, &[]);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].contains("the number 90"), "{v:?}");
        assert!(v[1].contains("does not exist"), "{v:?}");
    }

    #[test]
    fn sources_resolve_to_their_text_and_label() {
        let resume: Resume = serde_json::from_value(json!({
            "basics": {"name": "Ada"},
            "work": [{"name": "Lumen", "position": "Eng", "highlights": ["Cut latency 40%"]}],
            "skills": [{"name": "Languages", "keywords": ["Rust", "Go"]}]
        }))
        .unwrap();
        let h = Source::Highlight { work: 0, highlight: 0 };
        assert_eq!(source_text(&resume, &h, &[]).as_deref(), Some("Cut latency 40%"));
        assert_eq!(
            source_label(&resume, &h, &[]).as_deref(),
            Some("Master CV · Lumen, highlight 1")
        );
        assert_eq!(
            source_text(&resume, &Source::Skills(0), &[]).as_deref(),
            Some("Languages Rust Go")
        );
        assert_eq!(source_text(&resume, &Source::Highlight { work: 0, highlight: 1 }, &[]), None);
        assert_eq!(source_text(&resume, &Source::Basics(BasicsField::Email), &[]), None);
        assert_eq!(source_label(&resume, &Source::Star("nope".into()), &[]), None);
    }

    #[test]
    fn a_star_result_restating_a_highlight_is_merged_into_it_keeping_both_sources() {
        let highlight = "Led the rewrite of the double-entry ledger from a Python monolith to \
            Rust services; p99 posting latency 420 ms → 35 ms.";
        assert!(restates("p99 posting latency fell from 420 ms to 35 ms", highlight));
        assert!(!restates("Month-end peaks handled with 4x headroom", highlight));
        assert!(!restates("Latency fell from 900 ms to 35 ms", highlight), "other figures");
        assert!(!restates("Cut 35 ms off the build", highlight), "one shared figure is not enough");

        let resume: Resume = serde_json::from_value(serde_json::json!({
            "work": [{"name": "Fjordpay AB", "position": "Staff Backend Engineer", "highlights": [highlight]}]
        }))
        .unwrap();
        let star: StarRecord = serde_json::from_value(serde_json::json!({
            "id": "s1", "title": "Ledger", "company": "Fjordpay AB", "role": "", "situation": "",
            "task": "", "actions": [], "metrics": [], "skills": [], "tags": [],
            "results": ["p99 posting latency fell from 420 ms to 35 ms"],
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        let lines = draft(&resume, &[star], &["s1".into()], &Jd::default());
        let merged: Vec<&CvLine> = lines.iter().filter(|l| l.text.contains("420 ms")).collect();
        assert_eq!(merged.len(), 1, "said once: {lines:?}");
        assert_eq!(merged[0].source, Source::Highlight { work: 0, highlight: 0 });
        assert_eq!(merged[0].also, [Source::Star("s1".into())]);
    }

    #[test]
    fn coverage_reads_the_printed_cv_sentences_apart_from_its_skills_line() {
        let item = |title: &str, text: &str, bullets: &[&str]| CvItem {
            title: title.into(),
            text: text.into(),
            bullets: bullets
                .iter()
                .map(|b| CvBullet { text: (*b).into(), provenance: None })
                .collect(),
            ..Default::default()
        };
        let mut doc = CvDocument::default();
        doc.header.name = "Ines Okafor".into();
        doc.sections = vec![
            CvSection {
                kind: SectionKind::Experience,
                title: "Experience".into(),
                items: vec![item("Engineer", "", &["Built **Kafka** pipelines for the ledger."])],
            },
            CvSection {
                kind: SectionKind::Skills,
                title: "Skills".into(),
                items: vec![item("Platform", "Rust, Kafka, Terraform", &[])],
            },
        ];
        let keywords: Vec<String> =
            ["Kafka", "Terraform", "Kubernetes"].iter().map(|k| k.to_string()).collect();
        let c = coverage(&keywords, &doc, "Kubernetes Kafka");
        assert_eq!(c.covered, ["Kafka"], "stated in a printed sentence (markup removed)");
        assert_eq!(c.declared, ["Terraform"], "named only in the skills line");
        assert_eq!(c.missing, ["Kubernetes"]);
        assert_eq!((c.cv_percent, c.master_cv_percent), (66, 66));
        assert_eq!(c.in_cv, ["Kafka", "Terraform"]);
    }

    #[test]
    fn a_rephrased_bullet_that_adds_a_technology_goes_back_to_its_source() {
        let resume = resume(json!({"basics": {"name": "Ada"},
            "work": [{"name": "Lumen", "position": "Eng",
                      "highlights": ["Built the Rust ingestion service", "Ran the Kafka cluster"]}]}));
        let jd = Jd { technical_skills: vec!["Rust".into()], ..Jd::default() };
        let draft = draft(&resume, &[], &[], &jd);
        let mut tailored = draft.clone();
        let h0 = Source::Highlight { work: 0, highlight: 0 };
        let h1 = Source::Highlight { work: 0, highlight: 1 };
        for l in tailored.iter_mut() {
            if l.source == h0 {
                l.text = "Built the Rust ingestion service on Kubernetes at Google".into();
            } else if l.source == h1 {
                l.text = "Operated the Kafka cluster".into();
            }
        }
        let (lines, blocked) = gate_lines(tailored, &draft, &resume, &[], &jd.technical_skills);
        let text = |s: &Source| lines.iter().find(|l| l.source == *s).map(|l| l.text.as_str());
        assert_eq!(text(&h0), Some("Built the Rust ingestion service"), "back to its source");
        assert_eq!(text(&h1), Some("Operated the Kafka cluster"), "a true rephrasing stays");
        let claims: Vec<&str> = blocked.iter().map(|b| b.claim.as_str()).collect();
        assert_eq!(claims, ["Kubernetes", "Google"]);
        assert_eq!(lines.len(), draft.len());
    }
}
