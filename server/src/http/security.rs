//! What every response tells the browser, and which writes it accepts.
//!
//! - Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`,
//!   `X-Frame-Options: DENY`, a `Permissions-Policy` that turns off what jobintel never uses,
//!   and HSTS when the public URL is `https`.
//! - Every HTML response: a Content-Security-Policy. Pages rendered by Leptos get one with the
//!   per-response nonce that Leptos puts on its own scripts (`page_policy`, set from the render's
//!   context); any other HTML gets the same policy with no script allowed at all.
//! - Writes (`POST`, `PUT`, `PATCH`, `DELETE`) that a browser could be tricked into sending —
//!   every `/forms/…` post, and any write that relies on the session cookie rather than an
//!   `Authorization` header — must come from this site (`Sec-Fetch-Site`, else `Origin`),
//!   or get 403. This is on top of the `SameSite=Strict` cookie.

use super::AppState;
use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Browser features jobintel never uses.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), \
     serial=(), bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), \
     display-capture=(), interest-cohort=()";

/// The Content-Security-Policy of an HTML page. Scripts run only with the response's nonce
/// (and what those scripts load: the WASM bundle and its lazy chunks); without a nonce, none.
/// Styles may be inline: the preview frame's print view carries its own `<style>` and fonts
/// as `data:` URLs, and a `srcdoc` frame inherits this policy.
pub fn page_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(n) => format!("'nonce-{n}' 'strict-dynamic' 'wasm-unsafe-eval'"),
        None => "'none'".into(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; \
         font-src 'self' data:; img-src 'self' data:; connect-src 'self'; frame-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Adds the policy with the render's nonce to the response Leptos is rendering. Called in the
/// context of every page render (see `router`).
pub fn provide_page_policy() {
    use leptos::prelude::use_context;
    let Some(options) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let nonce = leptos::nonce::use_nonce();
    if let Ok(value) = HeaderValue::from_str(&page_policy(nonce.as_deref())) {
        options.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// The headers every response carries (see the module docs).
pub async fn response_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert("permissions-policy", HeaderValue::from_static(PERMISSIONS_POLICY));
    if state.services.config.public_url.starts_with("https://") {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if is_html(headers)
        && !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(value) = HeaderValue::from_str(&page_policy(None))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// Whether a request was sent by a page of this site: `Sec-Fetch-Site` when the browser sends
/// it (all current ones do), else an `Origin` naming this host (or the public URL).
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        // `none`: the user's own action (typed address, bookmark), not another site's page.
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = text(header::ORIGIN) else { return false };
    let origin = origin.trim_end_matches('/');
    let host_origin = text(header::HOST).map(|host| {
        [format!("http://{host}"), format!("https://{host}")].contains(&origin.to_string())
    });
    host_origin == Some(true) || origin == public_url.trim_end_matches('/')
}

/// Refuses cross-site writes (see the module docs) with 403 before any handler runs.
pub async fn same_origin_writes(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let form = req.uri().path().starts_with("/forms/");
    let by_cookie = !req.headers().contains_key(header::AUTHORIZATION)
        && req.headers().contains_key(header::COOKIE);
    if write
        && (form || by_cookie)
        && !same_origin(req.headers(), &state.services.config.public_url)
    {
        return AppError::Forbidden(
            "this request did not come from a jobintel page (cross-site requests are refused)"
                .into(),
        )
        .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        let public = "http://127.0.0.1:3000";
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")]), public));
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")]), public));
        for site in ["cross-site", "same-site"] {
            let h = headers(&[("sec-fetch-site", site), ("origin", public), ("host", "x")]);
            assert!(!same_origin(&h, public), "{site}");
        }
    }

    #[test]
    fn origin_must_name_this_host_or_the_public_url() {
        let public = "https://jobs.example.org";
        let ok = headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]);
        assert!(same_origin(&ok, public));
        assert!(same_origin(&headers(&[("origin", "https://jobs.example.org")]), public));
        let evil = headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")]);
        assert!(!same_origin(&evil, public));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "a")]), public));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:3000")]), public), "no evidence");
    }

    #[test]
    fn the_page_policy_allows_scripts_only_with_the_nonce() {
        let with = page_policy(Some("abc"));
        assert!(with.contains("script-src 'nonce-abc' 'strict-dynamic' 'wasm-unsafe-eval';"));
        for part in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
            assert!(with.contains(part), "{part}");
        }
        assert!(with.contains("form-action 'self'"));
        assert!(page_policy(None).contains("script-src 'none';"));
        assert!(!with.contains("'unsafe-eval'") && !with.contains("script-src 'unsafe-inline'"));
    }
}
