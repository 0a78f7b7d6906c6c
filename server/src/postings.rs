//! Postings in the formats job seekers have, read deterministically (no model): the public job
//! boards' payloads (Greenhouse, Lever, Ashby — one job or a whole board) and pages carrying a
//! schema.org `JobPosting` in JSON-LD (`shared/spec/reference/import-formats.md`).
//!
//! Descriptions arrive as HTML; they are converted to Markdown (`htmd`, scripts and styles
//! dropped), which jobintel shows as escaped text, never as markup. Greenhouse's `content` is
//! HTML encoded twice: one entity decode reveals the tags, and the converter decodes the rest.

use app::error::AppError;
use app::model::{NewJob, RemotePolicy};
use serde_json::Value;

mod remote;
pub use remote::{BoardLink, BoardRequest, board_link, from_board, from_url};

/// Where a posting was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Greenhouse,
    Lever,
    Ashby,
    JsonLd,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Greenhouse => "greenhouse",
            Format::Lever => "lever",
            Format::Ashby => "ashby",
            Format::JsonLd => "json-ld",
        }
    }
}

/// One posting as its format states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Posting {
    pub format: Format,
    /// The board's id of the posting (or the page's identifier, else its URL).
    pub source_id: String,
    pub title: String,
    pub company: String,
    pub location: String,
    pub remote_policy: Option<RemotePolicy>,
    pub url: Option<String>,
    /// Markdown.
    pub description: String,
}

impl Posting {
    pub fn into_new_job(self) -> NewJob {
        NewJob {
            title: self.title,
            company: self.company,
            location: self.location,
            remote_policy: self.remote_policy,
            url: self.url,
            description: self.description,
            source: Some(self.format.as_str().to_string()),
            ..NewJob::default()
        }
    }
}

/// The postings in pasted or uploaded content when it is a board's payload or a page (or bare
/// JSON-LD) with a `JobPosting`; `None` when it is none of these (the caller reads its own
/// formats); an error naming what is missing when it is one but unusable.
pub fn parse(body: &str) -> Option<Result<Vec<Posting>, AppError>> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('<') {
        return is_page(body).then(|| from_page(body));
    }
    let value: Value = serde_json::from_str(body).ok()?;
    let first = |v: &Value| v.as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null);
    let jobs = value.get("jobs").filter(|j| j.is_array());
    if let Some(jobs) = jobs {
        let sample = first(jobs);
        if value.get("apiVersion").is_some() || sample.get("jobUrl").is_some() {
            return Some(each(jobs, ashby));
        }
        if sample.get("absolute_url").is_some() {
            return Some(each(jobs, greenhouse));
        }
        return None;
    }
    if value.get("absolute_url").is_some() {
        return Some(greenhouse(&value).map(|p| vec![p]));
    }
    if value.get("hostedUrl").is_some() {
        return Some(lever(&value).map(|p| vec![p]));
    }
    if first(&value).get("hostedUrl").is_some() {
        return Some(each(&value, lever));
    }
    job_posting(&value).map(|node| json_ld(node).map(|p| vec![p]))
}

fn each(
    list: &Value,
    read: fn(&Value) -> Result<Posting, AppError>,
) -> Result<Vec<Posting>, AppError> {
    let items = list.as_array().map(Vec::as_slice).unwrap_or_default();
    let listed = items.iter().filter(|j| j.get("isListed").and_then(Value::as_bool) != Some(false));
    listed.map(read).collect()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).map(str::trim).unwrap_or_default()
}

fn required(v: &Value, key: &str, format: Format) -> Result<String, AppError> {
    let t = text(v, key);
    if t.is_empty() {
        return Err(AppError::Invalid(format!("a {} posting without `{key}`", format.as_str())));
    }
    Ok(t.to_string())
}

/// The path segment after the host (`jobs.lever.co/{site}/…` → `site`).
fn first_segment(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let segment = rest.split(['/', '?', '#']).nth(1)?;
    (!segment.is_empty()).then(|| segment.to_string())
}

/// Markdown of posting HTML, without scripts, styles, forms or images, and with links only to
/// `http`, `https` and `mailto` addresses (any other link keeps its text alone).
pub fn markdown(html: &str) -> String {
    use htmd::element_handler::Handlers;
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec!["script", "style", "noscript", "iframe", "form", "button", "svg", "img"])
        .add_handler(vec!["a"], |handlers: &dyn Handlers, element: htmd::Element| {
            let href = element.attrs.iter().find(|a| &*a.name.local == "href");
            match href {
                Some(h) if app::cv::safe_url(&h.value) => handlers.fallback(element),
                _ => Some(handlers.walk_children(element.node)),
            }
        })
        .build();
    converter.convert(html).unwrap_or_default().trim().to_string()
}

/// The Markdown of a board's HTML description, else its `descriptionPlain` (Lever and Ashby
/// both send one).
fn markdown_or_plain(html: &str, posting: &Value) -> String {
    match markdown(html) {
        md if md.is_empty() => text(posting, "descriptionPlain").to_string(),
        md => md,
    }
}

/// One pass of HTML entity decoding: the named entities of markup and numeric references.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Remote, hybrid or on-site, from a board's workplace value or a location's words.
fn workplace(value: &str) -> Option<RemotePolicy> {
    let v = value.to_lowercase();
    if v.contains("hybrid") {
        Some(RemotePolicy::Hybrid)
    } else if v.contains("remote") || v.contains("telecommute") {
        Some(RemotePolicy::Remote)
    } else if v.contains("on-site") || v.contains("onsite") || v.contains("in-office") {
        Some(RemotePolicy::Onsite)
    } else {
        None
    }
}

fn join_locations<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for p in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(p)) {
            seen.push(p);
        }
    }
    seen.join("; ")
}

fn greenhouse(job: &Value) -> Result<Posting, AppError> {
    greenhouse_of(job, None)
}

/// A Greenhouse job; `board` names the company when the job does not (read from its API).
fn greenhouse_of(job: &Value, board: Option<&str>) -> Result<Posting, AppError> {
    let f = Format::Greenhouse;
    let url = required(job, "absolute_url", f)?;
    let company = Some(text(job, "company_name"))
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .or_else(|| first_segment(&url).filter(|_| url.contains("greenhouse.io")))
        .or_else(|| board.map(str::to_string))
        .ok_or_else(|| AppError::Invalid("a greenhouse posting without its company".into()))?;
    let named = job.pointer("/location/name").and_then(Value::as_str).unwrap_or_default();
    let offices =
        job.get("offices").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let cities = offices.iter().map(|o| text(o, "location"));
    // Some boards name only the work model in `location.name`; the cities are the offices'.
    let location = match workplace(named) {
        Some(_) => join_locations(cities),
        None => join_locations(std::iter::once(named).chain(cities)),
    };
    Ok(Posting {
        format: f,
        source_id: job.get("id").map(|id| id.to_string()).unwrap_or_default(),
        title: required(job, "title", f)?,
        company,
        location: if location.is_empty() { named.to_string() } else { location },
        remote_policy: workplace(named),
        url: Some(url),
        description: markdown(&decode_entities(text(job, "content"))),
    })
}

fn lever(posting: &Value) -> Result<Posting, AppError> {
    let f = Format::Lever;
    let url = required(posting, "hostedUrl", f)?;
    let company = first_segment(&url).ok_or_else(|| {
        AppError::Invalid("a lever posting whose `hostedUrl` names no site".into())
    })?;
    let categories = posting.get("categories").cloned().unwrap_or(Value::Null);
    let all = posting.get("allLocations").and_then(Value::as_array).map(Vec::as_slice);
    let location = join_locations(
        std::iter::once(text(&categories, "location"))
            .chain(all.unwrap_or_default().iter().filter_map(Value::as_str)),
    );
    // The full text: the description, each list under its heading, then the closing text.
    let mut html = text(posting, "description").to_string();
    for list in
        posting.get("lists").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
    {
        html.push_str(&format!(
            "<h3>{}</h3><ul>{}</ul>",
            text(list, "text"),
            text(list, "content")
        ));
    }
    html.push_str(text(posting, "additional"));
    let description = markdown_or_plain(&html, posting);
    Ok(Posting {
        format: f,
        source_id: text(posting, "id").to_string(),
        title: required(posting, "text", f)?,
        company,
        location,
        remote_policy: workplace(text(posting, "workplaceType")),
        url: Some(url),
        description,
    })
}

fn ashby(job: &Value) -> Result<Posting, AppError> {
    let f = Format::Ashby;
    let url = required(job, "jobUrl", f)?;
    let company = first_segment(&url).ok_or_else(|| {
        AppError::Invalid("an ashby posting whose `jobUrl` names no board".into())
    })?;
    let secondary = job.get("secondaryLocations").and_then(Value::as_array);
    let location = join_locations(std::iter::once(text(job, "location")).chain(
        secondary.map(Vec::as_slice).unwrap_or_default().iter().map(|l| text(l, "location")),
    ));
    // `workplaceType` wins over `isRemote` (they can disagree).
    let remote_policy = workplace(text(job, "workplaceType")).or_else(|| {
        (job.get("isRemote").and_then(Value::as_bool) == Some(true)).then_some(RemotePolicy::Remote)
    });
    let description = markdown_or_plain(text(job, "descriptionHtml"), job);
    Ok(Posting {
        format: f,
        source_id: url.rsplit('/').next().unwrap_or_default().to_string(),
        title: required(job, "title", f)?,
        company,
        location,
        remote_policy,
        url: Some(url),
        description,
    })
}

/// Whether a page carries JSON-LD at all.
fn is_page(body: &str) -> bool {
    body.to_ascii_lowercase().contains("application/ld+json")
}

/// The contents of a page's `<script type="application/ld+json">` tags (the type may come
/// after other attributes, a CSP nonce for one).
fn ld_scripts(page: &str) -> Vec<&str> {
    let lower = page.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = lower[from..].find("<script").map(|i| from + i) {
        let Some(tag_end) = lower[open..].find('>').map(|i| open + i) else { break };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else { break };
        if lower[open..tag_end].contains("application/ld+json") {
            out.push(&page[tag_end + 1..close]);
        }
        from = close;
    }
    out
}

fn is_job_posting(node: &Value) -> bool {
    match node.get("@type") {
        Some(Value::String(t)) => t == "JobPosting",
        Some(Value::Array(types)) => types.iter().any(|t| t == "JobPosting"),
        _ => false,
    }
}

/// The `JobPosting` node of a JSON-LD payload (an object, an array or an `@graph`): the first
/// node of that type, else the first with a `datePosted`.
fn job_posting(value: &Value) -> Option<&Value> {
    let nodes: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => match value.get("@graph").and_then(Value::as_array) {
            Some(graph) => graph.iter().collect(),
            None => vec![value],
        },
        _ => Vec::new(),
    };
    nodes
        .iter()
        .find(|n| is_job_posting(n))
        .or_else(|| nodes.iter().find(|n| n.get("datePosted").is_some()))
        .copied()
}

fn from_page(page: &str) -> Result<Vec<Posting>, AppError> {
    for script in ld_scripts(page) {
        let Ok(value) = serde_json::from_str::<Value>(script.trim()) else { continue };
        if let Some(node) = job_posting(&value) {
            return json_ld(node).map(|p| vec![p]);
        }
    }
    Err(AppError::Invalid("not a job posting: the page has no JobPosting data".into()))
}

/// A place's address as one line ("Oslo, Norway").
fn address(place: &Value) -> String {
    let a = place.get("address").unwrap_or(place);
    if let Some(line) = a.as_str() {
        return line.trim().to_string();
    }
    let country = a.get("addressCountry").map(|c| match c {
        Value::Object(_) => text(c, "name").to_string(),
        other => other.as_str().unwrap_or_default().to_string(),
    });
    let parts = [text(a, "addressLocality"), text(a, "addressRegion")];
    let mut out: Vec<String> =
        parts.iter().filter(|p| !p.is_empty()).map(|p| p.to_string()).collect();
    out.extend(country.filter(|c| !c.is_empty()));
    out.join(", ")
}

fn json_ld(node: &Value) -> Result<Posting, AppError> {
    let f = Format::JsonLd;
    let company = match node.get("hiringOrganization") {
        Some(Value::String(name)) => name.trim().to_string(),
        Some(org) => text(org, "name").to_string(),
        None => String::new(),
    };
    if company.is_empty() {
        return Err(AppError::Invalid("a JobPosting without `hiringOrganization.name`".into()));
    }
    let places = match node.get("jobLocation") {
        Some(Value::Array(list)) => list.iter().map(address).collect(),
        Some(place) => vec![address(place)],
        None => Vec::new(),
    };
    let remote = text(node, "jobLocationType").eq_ignore_ascii_case("TELECOMMUTE");
    let url = Some(text(node, "url")).filter(|u| !u.is_empty()).map(str::to_string);
    let identifier = node.get("identifier").map(|i| match i {
        Value::Object(_) => {
            i.get("value").map(|v| v.as_str().map_or(v.to_string(), str::to_string))
        }
        other => other.as_str().map(str::to_string),
    });
    let description = text(node, "description");
    // Often entity-escaped: decode once when the tags themselves are escaped.
    let html = if description.contains("&lt;") {
        decode_entities(description)
    } else {
        description.into()
    };
    Ok(Posting {
        format: f,
        source_id: identifier.flatten().or_else(|| url.clone()).unwrap_or_default(),
        // Pages often escape the text of their JSON-LD as HTML: it is text once decoded.
        title: decode_entities(&required(node, "title", f)?),
        company: decode_entities(&company),
        location: decode_entities(&join_locations(places.iter().map(String::as_str))),
        remote_policy: remote.then_some(RemotePolicy::Remote),
        url,
        description: markdown(&html),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../tests/fixtures/postings/", $name))
        };
    }

    fn one(body: &str) -> Posting {
        let mut list = parse(body).expect("a posting format").expect("readable");
        assert_eq!(list.len(), 1, "{list:?}");
        list.remove(0)
    }

    #[test]
    fn a_greenhouse_job_decodes_its_content_twice_and_takes_cities_from_the_offices() {
        let p = one(fixture!("greenhouse-job.json"));
        assert_eq!((p.format, p.source_id.as_str()), (Format::Greenhouse, "4471203"));
        assert_eq!(
            (p.title.as_str(), p.company.as_str()),
            ("Senior Platform Engineer", "Harbourlight Analytics")
        );
        assert_eq!(p.location, "Rotterdam, Netherlands; Antwerp, Belgium");
        assert_eq!(p.remote_policy, Some(RemotePolicy::Hybrid));
        assert!(p.description.contains("tide & weather forecasts"), "{}", p.description);
        assert!(p.description.contains("## What you will do"), "{}", p.description);
        assert!(p.description.contains("Run our Kubernetes platform"), "{}", p.description);
        assert!(p.description.contains("Pay: €85k"), "{}", p.description);
        assert!(
            !p.description.contains("alert") && !p.description.contains('<'),
            "{}",
            p.description
        );
    }

    #[test]
    fn a_greenhouse_board_names_its_company_by_the_board_token() {
        let list = parse(fixture!("greenhouse-board.json")).unwrap().unwrap();
        let names: Vec<(&str, &str)> =
            list.iter().map(|p| (p.title.as_str(), p.company.as_str())).collect();
        assert_eq!(
            names,
            [("Data Engineer", "quaymark"), ("Staff Backend Engineer (Remote)", "quaymark")]
        );
        assert_eq!(list[0].description, "Build our **Airflow** pipelines.");
        assert_eq!(list[1].remote_policy, Some(RemotePolicy::Remote));
        assert_eq!(list[1].location, "Remote - Europe");
    }

    #[test]
    fn a_lever_posting_reads_its_lists_and_closing_text_in_order() {
        let p = one(fixture!("lever-posting.json"));
        assert_eq!((p.format, p.company.as_str()), (Format::Lever, "tallowmere"));
        assert_eq!(p.location, "Berlin; Hamburg");
        assert_eq!(p.remote_policy, Some(RemotePolicy::Hybrid));
        let d = &p.description;
        let at = |s: &str| d.find(s).unwrap_or_else(|| panic!("{s:?} not in {d}"));
        assert!(at("our **Rust** ledger") < at("### Requirements"));
        assert!(
            at("### Requirements") < at("double-entry ledgers")
                && at("double-entry") < at("### Benefits")
        );
        assert!(at("30 days of leave") < at("within two weeks"));
        let board = parse(fixture!("lever-board.json")).unwrap().unwrap();
        assert_eq!(board.len(), 2);
        assert_eq!(
            board[1].description, "Build our dashboard in TypeScript.",
            "the plain text when the HTML is empty"
        );
        assert_eq!(board[1].remote_policy, Some(RemotePolicy::Onsite));
    }

    #[test]
    fn an_ashby_board_keeps_listed_jobs_its_case_and_prefers_the_workplace_type() {
        let list = parse(fixture!("ashby-board.json")).unwrap().unwrap();
        assert_eq!(list.len(), 1, "the unlisted job is left out");
        let p = &list[0];
        assert_eq!(p.company, "FennwickGrain", "board names are case-sensitive");
        assert_eq!(p.source_id, "7f3e2d1c-aaaa-4bbb-8ccc-1234567890ab");
        assert_eq!(p.location, "Copenhagen; Aarhus");
        assert_eq!(p.remote_policy, Some(RemotePolicy::Hybrid), "workplaceType over isRemote");
        assert_eq!(
            p.description, "Train models that forecast *grain* prices.",
            "no image, no handler"
        );
    }

    #[test]
    fn json_ld_is_found_in_a_graph_an_array_or_after_a_nonce_and_rendered_inert() {
        let p = one(fixture!("page-jsonld-graph.html"));
        assert_eq!((p.format, p.source_id.as_str()), (Format::JsonLd, "OBF-77"));
        assert_eq!(
            (p.title.as_str(), p.company.as_str()),
            ("Logistics Software Engineer", "Oakbarrow Freight")
        );
        assert_eq!(p.location, "Leeds, GB; York, GB");
        assert_eq!(p.description, "Route 900 trucks a day with **Python** and OR-Tools.");
        let remote = one(fixture!("page-jsonld-remote.html"));
        assert_eq!(
            (remote.company.as_str(), remote.remote_policy),
            ("Gullwing Maps", Some(RemotePolicy::Remote))
        );
        // The title is text, its markup included; the description keeps no script or handler.
        assert_eq!(remote.title, "Developer Advocate </title><script>alert(1)</script>");
        assert_eq!(
            remote.description, "Write guides for our SDK.",
            "no script, handler or script link"
        );
        let none = parse(fixture!("page-no-jsonld.html")).unwrap().unwrap_err().to_string();
        assert!(none.contains("no JobPosting"), "{none}");
    }

    #[test]
    fn other_content_is_left_to_the_callers_formats() {
        assert_eq!(parse(r#"[{"title": "T", "company": "C"}]"#), None);
        assert_eq!(parse("title,company\nT,C\n"), None);
        assert_eq!(parse("<p>just some html</p>"), None);
        let missing =
            parse(r#"{"absolute_url": "https://boards.greenhouse.io/x/jobs/1"}"#).unwrap();
        assert!(missing.unwrap_err().to_string().contains("`title`"));
    }

    #[test]
    fn only_web_and_mail_links_stay_links() {
        let md = markdown(
            r#"<a href="https://docs.example/a">docs</a>, <a href="javascript:x()">bad</a>, <a href="data:text/html,x">data</a>"#,
        );
        assert_eq!(md, "[docs](https://docs.example/a), bad, data");
    }

    #[test]
    fn entities_decode_once() {
        assert_eq!(
            decode_entities("&amp;lt;p&amp;gt; &#8364;&#x20AC; &bogus; a & b"),
            "&lt;p&gt; €€ &bogus; a & b"
        );
    }
}
