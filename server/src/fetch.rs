//! Fetching what a user links to, safely: only `http(s)`; every hop (at most 5 redirects,
//! followed here, not by the client) is resolved and refused when its address is loopback,
//! private, link-local (169.254.0.0/16, where cloud metadata lives), CGNAT, multicast or
//! unspecified — unless its host is allowed by `IMPORT_ALLOW_HOSTS` (the tests' local servers).
//! The connection is pinned to the address that was checked, so a second DNS answer cannot
//! swap it. Bodies are capped, connects and whole fetches time out, the User-Agent names
//! jobintel, and 401/403/404/410 are final answers, named in the error.

use app::error::AppError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

pub const USER_AGENT: &str =
    concat!("jobintel/", env!("CARGO_PKG_VERSION"), " (self-hosted job search; reads one posting)");
const MAX_REDIRECTS: usize = 5;

/// How a fetch is bounded.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// Hosts whose private addresses may be fetched (lower case).
    pub allow_hosts: Vec<String>,
    pub max_bytes: usize,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
}

/// A fetched body and where it was finally found.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: String,
    pub content_type: String,
    pub body: String,
}

/// Why an address may not be fetched, when it may not.
pub fn refused(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused_v4(v4),
            None => refused_v6(v6),
        },
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local (cloud metadata)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (CGNAT)")
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some("multicast")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else {
        None
    }
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

fn fetch_error(message: String) -> AppError {
    AppError::Invalid(message)
}

impl Fetcher {
    pub fn new(allow_hosts: Vec<String>) -> Fetcher {
        Fetcher {
            allow_hosts: allow_hosts
                .into_iter()
                .map(|h| h.to_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            max_bytes: 5 << 20,
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(20),
        }
    }

    /// The address to connect to for `url`, checked.
    async fn address(&self, url: &reqwest::Url) -> Result<(String, SocketAddr), AppError> {
        let host = url.host_str().ok_or_else(|| fetch_error(format!("{url} has no host")))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_lowercase();
        let port = url.port_or_known_default().unwrap_or(443);
        let lookup = tokio::net::lookup_host((host.as_str(), port));
        let addrs: Vec<SocketAddr> = tokio::time::timeout(self.connect_timeout, lookup)
            .await
            .map_err(|_| AppError::Timeout(format!("resolving {host} took too long")))?
            .map_err(|e| fetch_error(format!("{host} does not resolve: {e}")))?
            .collect();
        let first = *addrs.first().ok_or_else(|| fetch_error(format!("{host} has no address")))?;
        if !self.allow_hosts.contains(&host) {
            for a in &addrs {
                if let Some(why) = refused(a.ip()) {
                    return Err(fetch_error(format!(
                        "{host} resolves to {}, which is {why}: jobintel does not fetch it",
                        a.ip()
                    )));
                }
            }
        }
        Ok((host, first))
    }

    /// GETs `url`, following redirects hop by hop, each hop checked.
    pub async fn get(&self, url: &str) -> Result<Fetched, AppError> {
        let started = Instant::now();
        let mut url = reqwest::Url::parse(url.trim())
            .map_err(|e| AppError::BadRequest(format!("`{url}` is not a URL: {e}")))?;
        for _ in 0..=MAX_REDIRECTS {
            if !matches!(url.scheme(), "http" | "https") {
                return Err(fetch_error(format!(
                    "only http and https links are read, not {}:",
                    url.scheme()
                )));
            }
            let (host, addr) = self.address(&url).await?;
            let left = self.total_timeout.saturating_sub(started.elapsed());
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout)
                .timeout(left)
                .user_agent(USER_AGENT)
                .resolve(&host, addr)
                .build()
                .map_err(|e| AppError::Internal(format!("the HTTP client: {e}")))?;
            let too_slow = || {
                AppError::Timeout(format!(
                    "{url} did not answer within {} s",
                    self.total_timeout.as_secs()
                ))
            };
            let mut response = client.get(url.clone()).send().await.map_err(|e| {
                if e.is_timeout() {
                    too_slow()
                } else {
                    fetch_error(format!("{url} could not be fetched: {e}"))
                }
            })?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| fetch_error(format!("{url} redirects nowhere ({status})")))?;
                url = url
                    .join(location)
                    .map_err(|e| fetch_error(format!("{url} redirects to a bad address: {e}")))?;
                continue;
            }
            if !status.is_success() {
                let why = match status.as_u16() {
                    401 | 403 => "it needs signing in",
                    404 | 410 => "the posting is gone or the address is wrong",
                    429 => "the site is rate limiting; try again later",
                    _ => "the site answered with an error",
                };
                return Err(fetch_error(format!("{url} answered {status}: {why}")));
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|c| c.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                if e.is_timeout() {
                    too_slow()
                } else {
                    fetch_error(format!("{url}: the body broke off: {e}"))
                }
            })? {
                body.extend_from_slice(&chunk);
                if body.len() > self.max_bytes {
                    return Err(AppError::TooLarge(format!(
                        "{url} sent more than {} MB",
                        self.max_bytes >> 20
                    )));
                }
            }
            let body = String::from_utf8_lossy(&body).into_owned();
            return Ok(Fetched { url: url.to_string(), content_type, body });
        }
        Err(fetch_error(format!("more than {MAX_REDIRECTS} redirects")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused_and_public_ones_allowed() {
        for (ip, why) in [
            ("127.0.0.1", "loopback"),
            ("10.0.0.5", "private"),
            ("172.16.3.4", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local (cloud metadata)"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("224.0.0.1", "multicast"),
            ("0.0.0.0", "unspecified"),
            ("::1", "loopback"),
            ("fd00::1", "private"),
            ("fe80::1", "link-local"),
            ("::ffff:10.0.0.1", "private"),
        ] {
            assert_eq!(refused(ip.parse().unwrap()), Some(why), "{ip}");
        }
        for ip in ["93.184.215.14", "100.128.0.1", "2606:4700::1111"] {
            assert_eq!(refused(ip.parse().unwrap()), None, "{ip}");
        }
    }
}
