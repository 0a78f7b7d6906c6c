//! Postings read from where they live: a posting's link (through its board's public API, or
//! the page's JSON-LD) and whole boards, every fetch through `crate::fetch`'s checks.

use super::{Posting, ashby, each, from_page, greenhouse_of, is_page, lever, text};
use app::error::AppError;
use app::model::RemotePolicy;
use serde_json::Value;

/// A link to one posting on a board whose public API serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardLink {
    Greenhouse { board: String, id: String },
    Lever { eu: bool, site: String, id: String },
    Ashby { board: String, id: String },
}

/// The board posting a link points at, from its host and path
/// (`boards.greenhouse.io/{board}/jobs/{id}`, `jobs[.eu].lever.co/{site}/{id}`,
/// `jobs.ashbyhq.com/{board}/{id}`); `None` for any other page.
pub fn board_link(url: &reqwest::Url) -> Option<BoardLink> {
    let host = url.host_str()?.to_lowercase();
    let parts: Vec<&str> = url.path_segments()?.filter(|p| !p.is_empty()).collect();
    let (board, id) = (parts.first()?.to_string(), parts.get(1).map(|p| p.to_string()));
    match host.as_str() {
        "boards.greenhouse.io" | "job-boards.greenhouse.io" | "job-boards.eu.greenhouse.io" => {
            (parts.get(1) == Some(&"jobs")).then_some(())?;
            Some(BoardLink::Greenhouse { board, id: parts.get(2)?.to_string() })
        }
        "jobs.lever.co" | "jobs.eu.lever.co" => {
            Some(BoardLink::Lever { eu: host.contains(".eu."), site: board, id: id? })
        }
        "jobs.ashbyhq.com" => Some(BoardLink::Ashby { board, id: id? }),
        _ => None,
    }
}

/// What a path segment may not hold as it is (RFC 3986), `/` and `%` included.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Path segments are the link's own words: percent-encoded before they go into an API path.
fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// The posting a link points at: through the board's public API for Greenhouse, Lever and
/// Ashby links, else from the page's JSON-LD. Every fetch goes through `fetcher`'s checks.
pub async fn from_url(
    fetcher: &crate::fetch::Fetcher,
    apis: &crate::config::ImportConfig,
    url: &str,
) -> Result<Vec<Posting>, AppError> {
    let link = reqwest::Url::parse(url.trim())
        .map_err(|e| AppError::BadRequest(format!("`{url}` is not a URL: {e}")))?;
    let json = |body: &str, what: &str| {
        serde_json::from_str::<Value>(body)
            .map_err(|e| AppError::Invalid(format!("{what} did not answer JSON: {e}")))
    };
    match board_link(&link) {
        Some(BoardLink::Greenhouse { board, id }) => {
            let api = format!(
                "{}/v1/boards/{}/jobs/{}?pay_transparency=true",
                apis.greenhouse_api_url,
                segment(&board),
                segment(&id)
            );
            let job = json(&fetcher.get(&api).await?.body, "Greenhouse")?;
            greenhouse_of(&job, Some(&board)).map(|p| vec![p])
        }
        Some(BoardLink::Lever { eu, site, id }) => {
            let base = if eu { &apis.lever_eu_api_url } else { &apis.lever_api_url };
            let api = format!("{base}/v0/postings/{}/{}", segment(&site), segment(&id));
            lever(&json(&fetcher.get(&api).await?.body, "Lever")?).map(|p| vec![p])
        }
        Some(BoardLink::Ashby { board, id }) => {
            // Ashby serves whole boards only: the posting is the one whose `jobUrl` has the id.
            let api = format!(
                "{}/posting-api/job-board/{}?includeCompensation=true",
                apis.ashby_api_url,
                segment(&board)
            );
            let payload = json(&fetcher.get(&api).await?.body, "Ashby")?;
            let jobs = payload.get("jobs").and_then(Value::as_array).map(Vec::as_slice);
            let job = jobs.unwrap_or_default().iter().find(|j| text(j, "jobUrl").contains(&id));
            let job = job.ok_or_else(|| {
                AppError::Invalid(format!(
                    "the Ashby board `{board}` has no open posting {id} (board names are case-sensitive)"
                ))
            })?;
            ashby(job).map(|p| vec![p])
        }
        None => {
            let page = fetcher.get(link.as_str()).await?;
            if !is_page(&page.body) {
                return Err(AppError::Invalid(format!(
                    "not a job posting: {} has no JobPosting data",
                    page.url
                )));
            }
            let mut postings = from_page(&page.body)?;
            for p in &mut postings {
                p.url.get_or_insert(page.url.clone());
            }
            Ok(postings)
        }
    }
}

/// `{"board": {…}}`: every open posting of one board, filtered.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardRequest {
    /// `greenhouse`, `lever` or `ashby`.
    pub kind: String,
    /// The board token, Lever site or Ashby board name (case-sensitive on Ashby).
    pub name: String,
    /// Lever's EU instance.
    #[serde(default)]
    pub eu: bool,
    /// Words the title must all contain (any case).
    #[serde(default)]
    pub title: Option<String>,
    /// Text the location must contain (any case).
    #[serde(default)]
    pub location: Option<String>,
    /// Only remote postings.
    #[serde(default)]
    pub remote: bool,
}

impl BoardRequest {
    fn keeps(&self, p: &Posting) -> bool {
        let title = p.title.to_lowercase();
        let words = self.title.as_deref().unwrap_or_default().to_lowercase();
        words.split_whitespace().all(|w| title.contains(w))
            && self
                .location
                .as_deref()
                .is_none_or(|l| p.location.to_lowercase().contains(&l.trim().to_lowercase()))
            && (!self.remote || p.remote_policy == Some(RemotePolicy::Remote))
    }
}

/// Every open posting of a board that passes the request's filters, through the board's
/// public API.
pub async fn from_board(
    fetcher: &crate::fetch::Fetcher,
    apis: &crate::config::ImportConfig,
    board: &BoardRequest,
) -> Result<Vec<Posting>, AppError> {
    let name = segment(board.name.trim());
    if name.is_empty() {
        return Err(AppError::Invalid("`board.name` is empty".into()));
    }
    let json = |body: &str| {
        serde_json::from_str::<Value>(body).map_err(|e| {
            AppError::Invalid(format!("the {} board did not answer JSON: {e}", board.kind))
        })
    };
    let missing = |e: AppError| match e {
        AppError::Invalid(m) if m.contains(" 404 ") => AppError::Invalid(format!(
            "no {} board named `{}` (Ashby board names are case-sensitive)",
            board.kind, board.name
        )),
        other => other,
    };
    let get = |url: String| async move { fetcher.get(&url).await.map_err(missing) };
    let postings = match board.kind.as_str() {
        "greenhouse" => {
            let url = format!("{}/v1/boards/{name}/jobs?content=true", apis.greenhouse_api_url);
            let payload = json(&get(url).await?.body)?;
            let jobs = payload.get("jobs").and_then(Value::as_array).map(Vec::as_slice);
            let read = jobs.unwrap_or_default().iter().map(|j| greenhouse_of(j, Some(&board.name)));
            read.collect::<Result<Vec<_>, _>>()?
        }
        "lever" => {
            let base = if board.eu { &apis.lever_eu_api_url } else { &apis.lever_api_url };
            each(&json(&get(format!("{base}/v0/postings/{name}?mode=json")).await?.body)?, lever)?
        }
        "ashby" => {
            let url = format!(
                "{}/posting-api/job-board/{name}?includeCompensation=true",
                apis.ashby_api_url
            );
            let payload = json(&get(url).await?.body)?;
            each(payload.get("jobs").unwrap_or(&Value::Null), ashby)?
        }
        other => {
            return Err(AppError::Invalid(format!(
                "`board.kind` is `{other}`; expected greenhouse, lever or ashby"
            )));
        }
    };
    Ok(postings.into_iter().filter(|p| board.keeps(p)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_links_are_read_from_host_and_path() {
        let link = |u: &str| board_link(&reqwest::Url::parse(u).unwrap());
        let gh = |b: &str, i: &str| Some(BoardLink::Greenhouse { board: b.into(), id: i.into() });
        assert_eq!(
            link("https://boards.greenhouse.io/quaymark/jobs/127817"),
            gh("quaymark", "127817")
        );
        assert_eq!(
            link("https://job-boards.eu.greenhouse.io/quaymark/jobs/9?gh_src=x"),
            gh("quaymark", "9")
        );
        let lever = link("https://jobs.eu.lever.co/tallowmere/5b8c/apply");
        assert_eq!(
            lever,
            Some(BoardLink::Lever { eu: true, site: "tallowmere".into(), id: "5b8c".into() })
        );
        let ashby = link("https://jobs.ashbyhq.com/FennwickGrain/7f3e/application");
        assert_eq!(
            ashby,
            Some(BoardLink::Ashby { board: "FennwickGrain".into(), id: "7f3e".into() })
        );
        assert_eq!(link("https://boards.greenhouse.io/quaymark"), None);
        assert_eq!(link("https://oakbarrow.example/careers/obf-77"), None);
    }
}
