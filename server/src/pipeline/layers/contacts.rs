//! Layers 7–9: who to contact, what to send them, and the cover letter.

use super::{OFFLINE, attributor, effective_tier, fact_gate, generation_skipped};
use crate::facts::Gate;
use crate::pipeline::{Layer, LayerError, LayerOutput, RunContext, schema_of};
use crate::providers::SharedProviders;
use crate::providers::firecrawl::SearchHit;
use crate::providers::llm::Refusal;
use crate::providers::prompts;
use crate::text;
use app::chain::DocPart;
use app::model::StarRecord;
use app::model::{LayerName, Tier};
use app::outputs::{
    BlockedClaim, Contact, Fit, Jd, Letter, Message, Messages, OrSkipped, Pains, People, Skipped,
    Stars,
};
use async_trait::async_trait;
use serde_json::{Value, json};

/// LinkedIn's connection-note limit.
pub const LINKEDIN_NOTE_MAX: usize = 300;
pub const EMAIL_MIN_WORDS: usize = 95;
pub const EMAIL_MAX_WORDS: usize = 205;

/// Contacts per tier: A 5, B 3, C 2, D 0.
pub fn contacts_for_tier(tier: Tier) -> usize {
    match tier {
        Tier::A => 5,
        Tier::B => 3,
        Tier::C => 2,
        Tier::D => 0,
    }
}

/// What a generation layer stores when tier D skips it.
pub(super) fn skipped(reason: &str) -> Result<LayerOutput, LayerError> {
    let mut out =
        LayerOutput::typed(&Skipped { skipped: true, reason: reason.to_string() }, OFFLINE)?;
    out.log.push(format!("skipped: {reason}"));
    Ok(out)
}

pub struct PeopleMapper {
    pub providers: SharedProviders,
}

/// The roles worth contacting, in order, each with why (completing "the person who …").
fn target_roles(jd: &Jd) -> Vec<(&'static str, String)> {
    let team = jd.role_category.replace('_', " ");
    vec![
        ("Hiring manager", format!("owns the {} hire and the team's roadmap", jd.title)),
        ("Technical recruiter", "runs the process and can confirm the timeline".to_string()),
        ("Head of Engineering", format!("sets the direction for {team} and approves senior hires")),
        ("Senior engineer on the team", "will work alongside this hire every day".to_string()),
        (
            "VP Engineering",
            "is accountable for the problems this role is meant to solve".to_string(),
        ),
    ]
}

fn synthetic(company: &str, role: &str, why: String) -> Contact {
    Contact {
        name: format!("{role} at {company} (to be identified)"),
        role: role.to_string(),
        why_relevant: why,
        source: "synthetic: role-based placeholder, not a real person".into(),
        synthetic: true,
    }
}

/// A LinkedIn profile hit ("Jane Doe - Engineering Manager - Acme | LinkedIn") as a contact.
fn from_profile(hit: &SearchHit, company: &str) -> Option<Contact> {
    if !hit.url.contains("linkedin.com/in/") {
        return None;
    }
    let title = hit.title.split(" | ").next()?;
    let mut parts = title.split(" - ").map(str::trim);
    let name = parts.next().filter(|n| !n.is_empty() && n.split_whitespace().count() <= 5)?;
    let role = parts.next().unwrap_or("Works at the company").to_string();
    let at = parts.next().unwrap_or_default();
    if !at.is_empty() && !at.to_lowercase().contains(&company.to_lowercase()) {
        return None;
    }
    Some(Contact {
        name: name.to_string(),
        why_relevant: format!("{role} at {company}, found by web search"),
        role,
        source: hit.url.clone(),
        synthetic: false,
    })
}

#[async_trait]
impl Layer for PeopleMapper {
    fn name(&self) -> LayerName {
        LayerName::PeopleMapper
    }

    fn output_schema(&self) -> Value {
        schema_of::<OrSkipped<People>>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        let fit: Fit = ctx.prior()?;
        let jd: Jd = ctx.prior()?;
        let n = contacts_for_tier(fit.tier);
        if n == 0 {
            return skipped("tier D: no contacts");
        }
        let company = &jd.company;
        let firecrawl = &self.providers.firecrawl;
        let mut found: Vec<Contact> = Vec::new();
        let mut unavailable = None;
        let mut provider = OFFLINE;
        if firecrawl.configured() {
            let query = format!(
                "site:linkedin.com/in \"{company}\" engineering manager OR recruiter OR head of engineering"
            );
            match firecrawl.search(&query, 10).await {
                Ok(hits) => {
                    provider = "firecrawl";
                    found = hits.iter().filter_map(|h| from_profile(h, company)).take(n).collect();
                }
                Err(e) => unavailable = Some(e.to_string()),
            }
        }
        let discovered = found.len();
        let fill: Vec<Contact> = target_roles(&jd)
            .into_iter()
            .filter(|(role, _)| !found.iter().any(|c| c.role.eq_ignore_ascii_case(role)))
            .take(n - discovered)
            .map(|(role, why)| synthetic(company, role, why))
            .collect();
        found.extend(fill);
        let (primary, secondary) = found.split_at(2.min(found.len()));
        let people = People { primary: primary.to_vec(), secondary: secondary.to_vec() };
        let mut out = LayerOutput::typed(&people, provider)?;
        out.log.push(format!(
            "{discovered} contacts found, {} role-based synthetic contacts (labelled synthetic) for tier {}",
            n - discovered,
            fit.tier
        ));
        if let Some(reason) = unavailable {
            out.warning = Some(format!(
                "contact discovery unavailable ({reason}); using labelled synthetic contacts"
            ));
        }
        Ok(out)
    }
}

fn selected_stars<'a>(ctx: &'a RunContext, stars: &Stars) -> Vec<&'a StarRecord> {
    stars.selected.iter().filter_map(|r| ctx.stars.iter().find(|s| s.id == r.id)).collect()
}

fn candidate_name(ctx: &RunContext) -> String {
    let name = app::resume::text(&ctx.profile.resume.basics.name);
    if name.is_empty() { "The candidate".into() } else { name.to_string() }
}

/// Joins sentences into a body of `min..=max` words: optional sentences are added, in order,
/// while the body is shorter than the middle of the range, skipping any that would pass `max`.
/// Required sentences (greeting, sign-off) always stay.
pub fn fit_words(
    head: &[String],
    optional: &[String],
    tail: &[String],
    min: usize,
    max: usize,
) -> String {
    let words = |parts: &[String]| parts.iter().map(|s| text::word_count(s)).sum::<usize>();
    let target = (min + max) / 2;
    let mut total = words(head) + words(tail);
    let mut chosen: Vec<&String> = Vec::new();
    for s in optional {
        let n = text::word_count(s);
        if total >= target {
            break;
        }
        if total + n <= max {
            chosen.push(s);
            total += n;
        }
    }
    let parts: Vec<&str> = head.iter().chain(chosen).chain(tail).map(String::as_str).collect();
    text::strip_emoji(&parts.join("\n\n"))
}

pub fn compose(
    ctx: &RunContext,
    contact: &Contact,
    jd: &Jd,
    pains: &Pains,
    stars: &[&StarRecord],
) -> Message {
    let name = candidate_name(ctx);
    let label = ctx.profile.resume.basics.label.clone().unwrap_or_else(|| "engineer".into());
    let headline_result =
        stars.first().and_then(|s| s.results.first()).cloned().unwrap_or_default();
    let note = format!(
        "Hi, I'm {name} ({label}). I read {}'s {} posting{}. I'd value connecting.",
        jd.company,
        jd.title,
        if headline_result.is_empty() {
            String::new()
        } else {
            format!(" and it fits work I've done: {headline_result}")
        }
    );
    let subject = format!(
        "{} at {}: {}",
        jd.title,
        jd.company,
        stars.first().map_or("an application".to_string(), |s| s.title.clone())
    );
    let pain =
        pains.pain_points.first().or(pains.strategic_needs.first()).map(|f| f.evidence.clone());
    let head = vec![
        if contact.synthetic {
            format!("Hello {},", contact.role.to_lowercase())
        } else {
            format!("Hello {},", contact.name.split_whitespace().next().unwrap_or(&contact.name))
        },
        format!(
            "I'm {name}, a {label}, and I'm applying for the {} role at {}. I'm writing to you as the person who {}.",
            jd.title, jd.company, contact.why_relevant
        ),
    ];
    let mut optional: Vec<String> = Vec::new();
    if let Some(p) = pain {
        let p = p.trim_end_matches(['.', '!', '?', ' ']);
        optional.push(format!(
            // The posting's words, attributed to it; what the candidate did follows from the
            // STAR records, not from a claim that they solved this very problem.
            "Your posting says: \"{p}.\" I would like to hear how the team is approaching it."
        ));
    }
    for s in stars {
        let results = s.results.iter().take(2).cloned().collect::<Vec<_>>().join("; ");
        optional.push(format!(
            "At {}, {}: {}.",
            s.company,
            s.title.to_lowercase(),
            results.trim_end_matches('.')
        ));
    }
    if !jd.technical_skills.is_empty() {
        optional.push(format!(
            "The stack you describe ({}) is familiar ground.",
            jd.technical_skills.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    optional.push("I would be glad to share how I approached these problems, and to learn what the team needs most in its first months.".into());
    optional
        .push("I have attached a CV tailored to the posting, built from the same records.".into());
    let tail =
        vec![format!("Would you have 20 minutes in the coming weeks?\n\nBest regards,\n{name}")];
    Message {
        contact: contact.name.clone(),
        linkedin_note: text::truncate_words(&text::strip_emoji(&note), LINKEDIN_NOTE_MAX),
        email_subject: text::strip_emoji(&subject),
        email_body: fit_words(&head, &optional, &tail, EMAIL_MIN_WORDS, EMAIL_MAX_WORDS),
        sentences: Vec::new(),
    }
}

pub struct Outreach {
    pub providers: SharedProviders,
}

/// The limits, enforced on every message whoever wrote it: one message per contact, notes
/// within LinkedIn's limit, emails of 95–205 words, no emojis.
fn within_limits(messages: &Messages, contacts: &[&Contact]) -> Result<(), Refusal> {
    if messages.messages.len() != contacts.len() {
        return Err(Refusal(format!(
            "{} messages for {} contacts",
            messages.messages.len(),
            contacts.len()
        )));
    }
    for (i, m) in messages.messages.iter().enumerate() {
        if !contacts.iter().any(|c| c.name == m.contact) {
            return Err(Refusal(format!(
                "`messages[{i}].contact` {:?} is not one of the contacts",
                m.contact
            )));
        }
        let note = m.linkedin_note.chars().count();
        if note > LINKEDIN_NOTE_MAX {
            return Err(Refusal(format!(
                "`messages[{i}].linkedin_note` has {note} characters; at most {LINKEDIN_NOTE_MAX}"
            )));
        }
        let words = text::word_count(&m.email_body);
        if !(EMAIL_MIN_WORDS..=EMAIL_MAX_WORDS).contains(&words) {
            return Err(Refusal(format!(
                "`messages[{i}].email_body` has {words} words; it needs {EMAIL_MIN_WORDS} to {EMAIL_MAX_WORDS}"
            )));
        }
        for (field, value) in [
            ("linkedin_note", &m.linkedin_note),
            ("email_subject", &m.email_subject),
            ("email_body", &m.email_body),
        ] {
            if text::strip_emoji(value) != *value {
                return Err(Refusal(format!("`messages[{i}].{field}` contains emojis")));
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Layer for Outreach {
    fn name(&self) -> LayerName {
        LayerName::Outreach
    }

    fn output_schema(&self) -> Value {
        schema_of::<OrSkipped<Messages>>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        if generation_skipped(ctx)? {
            return skipped("tier D: no outreach");
        }
        let jd: Jd = ctx.prior()?;
        let pains: Pains = ctx.prior()?;
        let stars: Stars = ctx.prior()?;
        let Some(people) = ctx.prior::<OrSkipped<People>>()?.done() else {
            return skipped("no contacts to write to");
        };
        let chosen = selected_stars(ctx, &stars);
        let contacts: Vec<&Contact> = people.primary.iter().chain(&people.secondary).collect();
        let served = self
            .providers
            .llm
            .ask(
                self.name(),
                effective_tier(ctx),
                || {
                    let vars = json!({
                        "contacts": contacts, "jd": jd, "pains": pains, "stars": chosen,
                        "candidate": ctx.profile.resume.basics,
                        "note_max": LINKEDIN_NOTE_MAX, "email_min": EMAIL_MIN_WORDS, "email_max": EMAIL_MAX_WORDS,
                    });
                    prompts::render(self.name(), vars)
                },
                |m: &Messages| within_limits(m, &contacts),
                || {
                    let messages = contacts.iter().map(|c| compose(ctx, c, &jd, &pains, &chosen)).collect();
                    Messages { messages, blocked: vec![] }
                },
            )
            .await?;
        let gate = fact_gate(ctx, &jd);
        let mut gated = Messages { messages: Vec::new(), blocked: Vec::new() };
        for (m, contact) in served.value.messages.iter().zip(&contacts) {
            let (message, blocked) = gate_message(&gate, m);
            gated.blocked.extend(blocked);
            gated.messages.push(message.unwrap_or_else(|| {
                // Too little survived: the grounded offline message, through the same gate.
                let offline = compose(ctx, contact, &jd, &pains, &chosen);
                let (message, blocked) = gate_message(&gate, &offline);
                gated.blocked.extend(blocked);
                message.unwrap_or(offline)
            }));
        }
        let attributor = attributor(ctx);
        for m in &mut gated.messages {
            let parts = [
                (DocPart::LinkedinNote, &m.linkedin_note),
                (DocPart::EmailSubject, &m.email_subject),
                (DocPart::EmailBody, &m.email_body),
            ];
            m.sentences = parts.into_iter().flat_map(|(p, t)| attributor.document(p, t)).collect();
        }
        let messages = &gated.messages;
        let mut out = LayerOutput::gated(&served, &gated, &gated.blocked)?;
        for m in messages {
            out.log.push(format!(
                "{}: note {} chars, email {} words",
                m.contact,
                m.linkedin_note.chars().count(),
                text::word_count(&m.email_body)
            ));
        }
        if messages.iter().any(|m| text::word_count(&m.email_body) < EMAIL_MIN_WORDS) {
            out.warning = Some("the profile has too little material for a 95-word email".into());
        }
        Ok(out)
    }
}

pub struct CoverLetter {
    pub providers: SharedProviders,
}

/// The most a cover letter may run to.
pub const LETTER_MAX_WORDS: usize = 450;

fn letter_ok(letter: &Letter, company: &str, selected: &[&StarRecord]) -> Result<(), Refusal> {
    if !letter.text.to_lowercase().contains(&company.to_lowercase()) {
        return Err(Refusal(format!("the letter does not name the company ({company})")));
    }
    if let Some(id) = letter.cited_star_ids.iter().find(|id| !selected.iter().any(|s| &s.id == *id))
    {
        return Err(Refusal(format!(
            "`cited_star_ids` names {id:?}, which is not a selected STAR record"
        )));
    }
    let words = text::word_count(&letter.text);
    if words > LETTER_MAX_WORDS {
        return Err(Refusal(format!("{words} words; at most {LETTER_MAX_WORDS}")));
    }
    if text::strip_emoji(&letter.text) != letter.text {
        return Err("the letter contains emojis".into());
    }
    Ok(())
}

/// A message through the fact gate: `None` when too little of it survives (no note, no
/// subject, or an email under its minimum length).
fn gate_message(gate: &Gate, m: &Message) -> (Option<Message>, Vec<BlockedClaim>) {
    let (linkedin_note, mut blocked) = gate.filter(&m.linkedin_note);
    let (email_subject, more) = gate.filter(&m.email_subject);
    blocked.extend(more);
    let (email_body, more) = gate.filter(&m.email_body);
    blocked.extend(more);
    let whole = !linkedin_note.is_empty()
        && !email_subject.is_empty()
        && text::word_count(&email_body) >= EMAIL_MIN_WORDS.min(text::word_count(&m.email_body));
    let message = Message {
        contact: m.contact.clone(),
        linkedin_note,
        email_subject,
        email_body,
        sentences: Vec::new(),
    };
    (whole.then_some(message), blocked)
}

/// A letter through the fact gate: `None` when it no longer names the company or lost more
/// than half its words.
fn gate_letter(gate: &Gate, letter: &Letter, company: &str) -> (Option<Letter>, Vec<BlockedClaim>) {
    let (text, blocked) = gate.filter(&letter.text);
    let whole = text.to_lowercase().contains(&company.to_lowercase())
        && 2 * text::word_count(&text) >= text::word_count(&letter.text);
    let cited_star_ids = letter.cited_star_ids.clone();
    let gated = Letter { text, cited_star_ids, sentences: vec![], blocked: vec![] };
    (whole.then_some(gated), blocked)
}

/// The offline letter: the posting's main pain point answered with STAR results.
fn write_letter(ctx: &RunContext, jd: &Jd, pains: &Pains, chosen: &[&StarRecord]) -> Letter {
    let name = candidate_name(ctx);
    let summary = app::resume::text(&ctx.profile.resume.basics.summary);
    let mut paragraphs = vec![
        format!("Dear {} hiring team,", jd.company),
        format!(
            "I am applying for the {} position. {}",
            jd.title,
            text::sentences(summary).first().cloned().unwrap_or_default()
        ),
    ];
    if let Some(p) = pains.pain_points.first().or(pains.strategic_needs.first()) {
        // The posting's words, attributed to it: a need of the employer, not a claim about
        // the candidate.
        paragraphs.push(format!("Your posting describes this need: \"{}\"", p.evidence));
    }
    let cited: Vec<String> = chosen
        .iter()
        .take(3)
        .filter_map(|s| {
            s.results.first().map(|r| format!("at {}, {}", s.company, r.trim_end_matches('.')))
        })
        .collect();
    if !cited.is_empty() {
        paragraphs.push(format!("Some results that speak to it: {}.", cited.join("; ")));
    }
    paragraphs.push(format!(
        "I would welcome the chance to discuss how I could help {} with this work.\n\nKind regards,\n{name}",
        jd.company
    ));
    let cited_star_ids =
        chosen.iter().take(3).filter(|s| !s.results.is_empty()).map(|s| s.id.clone()).collect();
    let text = text::strip_emoji(&paragraphs.join("\n\n"));
    Letter { text, cited_star_ids, sentences: vec![], blocked: vec![] }
}

#[async_trait]
impl Layer for CoverLetter {
    fn name(&self) -> LayerName {
        LayerName::CoverLetter
    }

    fn output_schema(&self) -> Value {
        schema_of::<OrSkipped<Letter>>()
    }

    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError> {
        if generation_skipped(ctx)? {
            return skipped("tier D: no cover letter");
        }
        let jd: Jd = ctx.prior()?;
        let pains: Pains = ctx.prior()?;
        let stars: Stars = ctx.prior()?;
        let chosen = selected_stars(ctx, &stars);
        let served = self
            .providers
            .llm
            .ask(
                self.name(),
                effective_tier(ctx),
                || {
                    let vars = json!({
                        "company": jd.company, "jd": jd, "pains": pains, "stars": chosen,
                        "candidate": ctx.profile.resume.basics,
                    });
                    prompts::render(self.name(), vars)
                },
                |l: &Letter| letter_ok(l, &jd.company, &chosen),
                || write_letter(ctx, &jd, &pains, &chosen),
            )
            .await?;
        let gate = fact_gate(ctx, &jd);
        let (gated, mut blocked) = gate_letter(&gate, &served.value, &jd.company);
        let mut letter = gated.unwrap_or_else(|| {
            // Too little survived: the grounded offline letter, through the same gate.
            let offline = write_letter(ctx, &jd, &pains, &chosen);
            let (gated, more) = gate_letter(&gate, &offline, &jd.company);
            blocked.extend(more);
            gated.unwrap_or(offline)
        });
        letter.blocked = blocked;
        letter.sentences = attributor(ctx).document(DocPart::CoverLetter, &letter.text);
        let mut out = LayerOutput::gated(&served, &letter, &letter.blocked)?;
        out.log.push(format!(
            "{} words, citing {} STAR records",
            text::word_count(&letter.text),
            letter.cited_star_ids.len()
        ));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_words_respects_both_limits() {
        let head = vec!["Hello there,".to_string()];
        let tail = vec!["Best, A".to_string()];
        let optional: Vec<String> =
            (0..40).map(|i| format!("Sentence number {i} has exactly seven words.")).collect();
        let body = fit_words(&head, &optional, &tail, EMAIL_MIN_WORDS, EMAIL_MAX_WORDS);
        let n = text::word_count(&body);
        assert!((EMAIL_MIN_WORDS..=EMAIL_MAX_WORDS).contains(&n), "{n} words");
        assert!(body.starts_with("Hello there,") && body.ends_with("Best, A"));
    }

    #[test]
    fn tiers_decide_contact_counts() {
        assert_eq!(
            [
                contacts_for_tier(Tier::A),
                contacts_for_tier(Tier::B),
                contacts_for_tier(Tier::C),
                contacts_for_tier(Tier::D)
            ],
            [5, 3, 2, 0]
        );
    }
}
