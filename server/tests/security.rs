//! Attacks on the HTTP surface: hostile text in `<head>`, missing headers, cross-site form
//! posts, and tokens that should have stopped working.

mod support;

use app::model::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use support::web::{App, Reply, app};
use tower::ServiceExt;

const HOSTILE_TITLE: &str =
    "</title><script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">";

/// A form post carrying the session cookie, with the given extra headers.
async fn form_with(app: &App, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::COOKIE, format!("jobintel_token={}", app.admin))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.request(req.body(Body::from("")).unwrap()).await
}

fn header_of<'a>(r: &'a Reply, name: &str) -> &'a str {
    r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn a_hostile_job_title_stays_text_in_the_server_rendered_head() {
    let app = &app().await;
    let job = app
        .json(
            Method::POST,
            "/api/jobs",
            &app.admin,
            json!({"title": HOSTILE_TITLE, "company": "Evil <Co>", "location": "x",
                   "notes": "</textarea><script>window.__pwned=3</script>"}),
        )
        .await;
    assert_eq!(job.status, StatusCode::CREATED, "{}", job.text);
    let id = job.json()["id"].as_str().unwrap().to_string();
    for uri in [format!("/jobs/{id}"), format!("/jobs/{id}/cv")] {
        let page = app.page(&uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        let head = &page.text[..page.text.find("</head>").expect("a head")];
        let start = head.find("<title>").expect("a title");
        let title = &head[start..start + head[start..].find("</title>").expect("closed")];
        assert!(
            title.contains("&lt;/title&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
            "{uri}: {title}"
        );
        assert_eq!(head.matches("</title>").count(), 1, "{uri}: one title, closed once: {head}");
        assert!(!page.text.contains("<script>window.__pwned"), "{uri}: no injected script");
        assert!(!page.text.contains("<img src=x"), "{uri}: no injected element");
    }
    let page = app.page(&format!("/jobs/{id}")).await;
    assert!(
        page.text.contains("&lt;/textarea&gt;&lt;script&gt;window.__pwned=3"),
        "the notes field holds the text, escaped"
    );
}

#[tokio::test]
async fn every_page_sends_a_nonce_csp_and_the_protective_headers() {
    let app = &app().await;
    let job = app.create("Rust Engineer", "Acme", "Berlin").await;
    let id = job["id"].as_str().unwrap();
    let star = app
        .json(
            Method::POST,
            "/api/stars",
            &app.admin,
            json!({"title": "Cut costs", "situation": "s", "task": "t", "action": "a",
                   "result": "r", "skills": ["Rust"]}),
        )
        .await;
    let star = star.json()["id"].as_str().unwrap_or("none").to_string();
    let pages = [
        "/".to_string(),
        "/jobs".into(),
        format!("/jobs/{id}"),
        format!("/jobs/{id}/cv"),
        "/import".into(),
        "/profile".into(),
        format!("/profile/stars/{star}"),
        "/runs".into(),
        "/runs/none".into(),
        "/admin".into(),
        "/no-such-page".into(),
    ];
    for uri in pages.iter().map(String::as_str).chain(["/login"]) {
        let r = app.page(uri).await;
        assert!(header_of(&r, "content-type").starts_with("text/html"), "{uri}: {}", r.status);
        let csp = header_of(&r, "content-security-policy");
        for part in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "'strict-dynamic'",
        ] {
            assert!(csp.contains(part), "{uri}: `{part}` missing from `{csp}`");
        }
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{uri}: no nonce in `{csp}`"));
        assert!(nonce.len() >= 16, "{uri}: a real nonce");
        // Every script Leptos wrote carries this response's nonce, and no other.
        let scripts = r.text.matches("<script").count();
        assert!(scripts > 0, "{uri}: the hydration script is there");
        assert!(r.text.matches(&format!("nonce=\"{nonce}\"")).count() >= scripts, "{uri}");
        assert_eq!(header_of(&r, "x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(header_of(&r, "referrer-policy"), "same-origin", "{uri}");
        assert_eq!(header_of(&r, "x-frame-options"), "DENY", "{uri}");
        assert!(header_of(&r, "permissions-policy").contains("camera=()"), "{uri}");
        assert_eq!(header_of(&r, "strict-transport-security"), "", "{uri}: plain http");
    }
    let again = app.page("/jobs").await;
    let first = app.page("/jobs").await;
    assert_ne!(
        header_of(&again, "content-security-policy"),
        header_of(&first, "content-security-policy"),
        "a fresh nonce per response"
    );
    let api = app.get("/api/health").await;
    assert_eq!(header_of(&api, "x-content-type-options"), "nosniff");
    assert_eq!(header_of(&api, "content-security-policy"), "", "JSON needs no page policy");
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let _serial = support::web::serial().await;
    let config = server::config::Config::from_lookup(|k| {
        (k == "JOBINTEL_PUBLIC_URL").then(|| "https://jobs.example.org".to_string())
    })
    .unwrap();
    let (services, _dir) = support::web::services(config).await;
    let leptos = leptos::prelude::LeptosOptions::builder().output_name("jobintel").build();
    let router = server::http::router(services, leptos);
    let res = router
        .oneshot(Request::builder().uri("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let hsts = res.headers()["strict-transport-security"].to_str().unwrap();
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
}

#[tokio::test]
async fn cross_site_form_posts_and_cookie_writes_are_refused() {
    let app = &app().await;
    let job = app.create("Rust Engineer", "Acme", "Berlin").await;
    let id = job["id"].as_str().unwrap();
    let delete = format!("/forms/jobs/{id}/delete");
    let evil = [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![],
    ];
    for headers in &evil {
        let r = form_with(app, &delete, headers).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{headers:?}: {}", r.text);
        assert!(r.json()["message"].as_str().unwrap().contains("did not come from"));
    }
    assert_eq!(app.get(&format!("/api/jobs/{id}")).await.status, StatusCode::OK, "still there");
    // A cross-site write through the API on the cookie alone is refused too…
    let api = Request::builder()
        .method(Method::DELETE)
        .uri(format!("/api/jobs/{id}"))
        .header(header::COOKIE, format!("jobintel_token={}", app.admin))
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.request(api).await.status, StatusCode::FORBIDDEN);
    // …while the same origin (fetch metadata, or an Origin naming this host) may post.
    let ok = form_with(app, "/forms/admin/pause", &[("origin", "http://127.0.0.1:3000")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let gone = form_with(app, &delete, &[("sec-fetch-site", "same-origin")]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/api/jobs/{id}")).await.status, StatusCode::NOT_FOUND);
}

async fn try_login(app: &App, username: &str, password: &str) -> Reply {
    let body = json!({"username": username, "password": password}).to_string();
    app.send(Method::POST, "/api/auth/login", None, Some(("application/json", body))).await
}

async fn login(app: &App, username: &str, password: &str) -> String {
    let r = try_login(app, username, password).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["token"].as_str().unwrap().to_string()
}

async fn me(app: &App, token: &str) -> Reply {
    app.send(Method::GET, "/api/auth/me", Some(token), None).await
}

#[tokio::test]
async fn signing_out_ends_that_session_only() {
    let app = &app().await;
    let one = login(app, "viewer", "viewer-password").await;
    let two = login(app, "viewer", "viewer-password").await;
    assert_eq!(me(app, &one).await.status, StatusCode::OK);
    let out = app.send(Method::POST, "/api/auth/logout", Some(&one), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(me(app, &one).await.status, StatusCode::UNAUTHORIZED, "signed out");
    assert_eq!(me(app, &two).await.status, StatusCode::OK, "the other session lives");
    // The page form signs out the cookie's session.
    let cookie = login(app, "viewer", "viewer-password").await;
    let req = Request::builder()
        .method(Method::POST)
        .uri("/forms/logout")
        .header(header::COOKIE, format!("jobintel_token={cookie}"))
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let r = app.request(req).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"));
    assert_eq!(me(app, &cookie).await.status, StatusCode::UNAUTHORIZED);
    let page = Request::builder()
        .uri("/jobs")
        .header(header::COOKIE, format!("jobintel_token={cookie}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.request(page).await.location(), "/login", "pages refuse it too");
}

#[tokio::test]
async fn a_password_change_ends_every_session_of_the_user() {
    let app = &app().await;
    let token = login(app, "viewer", "viewer-password").await;
    app.services.set_password("viewer", "a-new-password".into()).await.unwrap();
    assert_eq!(me(app, &token).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me(app, &app.viewer).await.status, StatusCode::UNAUTHORIZED, "issued token too");
    let fresh = login(app, "viewer", "a-new-password").await;
    assert_eq!(me(app, &fresh).await.status, StatusCode::OK);
    assert_eq!(me(app, &app.admin).await.status, StatusCode::OK, "other users unaffected");
}

#[tokio::test]
async fn a_role_change_ends_sessions_and_the_stored_role_is_the_one_used() {
    let app = &app().await;
    app.services
        .create_user(server::services::Actor::Operator, "boss", Role::Admin, "boss-password".into())
        .await
        .unwrap();
    let token = login(app, "boss", "boss-password").await;
    let write = |t: String| async move {
        app.json(Method::POST, "/api/admin/pipeline/pause", &t, json!({})).await.status
    };
    assert_eq!(write(token.clone()).await, StatusCode::OK);
    app.services.set_role(server::services::Actor::Operator, "boss", Role::Viewer).await.unwrap();
    assert_eq!(me(app, &token).await.status, StatusCode::UNAUTHORIZED, "old session ended");
    let fresh = login(app, "boss", "boss-password").await;
    assert_eq!(me(app, &fresh).await.json()["role"], "viewer");
    assert_eq!(write(fresh).await, StatusCode::FORBIDDEN, "the stored role decides");
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_its_tokens_stop_at_once() {
    let app = &app().await;
    let token = login(app, "viewer", "viewer-password").await;
    app.services.set_disabled(server::services::Actor::Operator, "viewer", true).await.unwrap();
    assert_eq!(me(app, &token).await.status, StatusCode::UNAUTHORIZED);
    let r = try_login(app, "viewer", "viewer-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    app.services.set_disabled(server::services::Actor::Operator, "viewer", false).await.unwrap();
    login(app, "viewer", "viewer-password").await;
}

#[tokio::test]
async fn an_admin_ends_a_users_sessions_or_one_token_through_the_api() {
    let app = &app().await;
    let one = login(app, "viewer", "viewer-password").await;
    let (token, issued) =
        app.services.issue_token("viewer", chrono::Duration::days(30), "deploy").await.unwrap();
    let list = app.get("/api/admin/sessions?username=viewer&tokens_only=true").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let names: Vec<String> = list.json()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["deploy", "test"], "the viewer's tokens, newest first");
    // The token acts, and the audit log names it.
    let acted = app.send(Method::GET, "/api/auth/me", Some(&token), None).await;
    assert_eq!(acted.json()["token"], "deploy");
    let viewer_list = app.send(Method::GET, "/api/admin/sessions", Some(&one), None).await;
    assert_eq!(viewer_list.status, StatusCode::FORBIDDEN, "admins only");

    let revoke = format!("/api/admin/sessions/{}", issued.id);
    let r = app.send(Method::DELETE, &revoke, Some(&app.admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(me(app, &token).await.status, StatusCode::UNAUTHORIZED, "that token ended");
    assert_eq!(me(app, &one).await.status, StatusCode::OK, "the sign-in lives");
    let twice = app.send(Method::DELETE, &revoke, Some(&app.admin), None).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let nope = app.send(Method::DELETE, "/api/admin/sessions/nope", Some(&app.admin), None).await;
    assert_eq!(nope.status, StatusCode::NOT_FOUND);

    let r = app.send(Method::POST, "/api/admin/users/viewer/revoke", Some(&app.admin), None).await;
    assert_eq!(r.json()["sessions_ended"], 2, "the sign-in and the harness's token");
    assert_eq!(me(app, &one).await.status, StatusCode::UNAUTHORIZED);
    let audit = app.get("/api/admin/audit").await.json();
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"session.revoke") && actions.contains(&"user.revoke"), "{actions:?}");
}

#[tokio::test]
async fn sign_ins_are_audited_with_the_address_whether_they_succeed_or_fail() {
    let app = &app().await;
    login(app, "viewer", "viewer-password").await;
    let bad = try_login(app, "viewer", "wrong-one").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let audit = app.get("/api/admin/audit").await.json();
    let entries = audit["entries"].as_array().unwrap();
    let find = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["target"] == "viewer")
            .unwrap_or_else(|| panic!("no {action} in {entries:?}"))
    };
    assert_eq!(find("auth.login")["details"]["client"], "local");
    let failed = find("auth.login_failed");
    assert_eq!(failed["details"]["client"], "local");
    assert_eq!(failed["details"]["reason"], "wrong password");
}

#[tokio::test]
async fn a_user_flooding_imports_gets_429_while_another_user_is_served() {
    let app = &app().await;
    let csv = "title,company,location\nRole,Co,Here\n".to_string();
    let import = |token: String, csv: String| async move {
        app.send(Method::POST, "/api/jobs/import", Some(&token), Some(("text/csv", csv))).await
    };
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(import(app.admin.clone(), csv.clone()).await.status);
    }
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(limited, 5, "the default allowance is 20 a minute: {statuses:?}");
    let r = import(app.admin.clone(), csv.clone()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = header_of(&r, "retry-after").parse().expect("a Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(r.json()["error"], "rate_limited");
    // The viewer may not import (403), but is not rate-limited by the admin's flood.
    assert_eq!(import(app.viewer.clone(), csv).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/jobs").await.status, StatusCode::OK, "reads go on");
}

/// Sign-in reads the services' clock: five failures lock a username for five minutes, the
/// lock lifts when the clock has moved past them, and a session's token stops working when the
/// clock passes the session's end, with no sleep.
#[tokio::test]
async fn login_throttle_and_session_expiry_follow_the_services_clock() {
    use server::services::{Actor, SESSION_TTL_HOURS};
    let wire = server::error::ServiceError::handled;
    let clock = server::clock::ManualClock::new("2026-12-01T09:00:00Z".parse().unwrap());
    let config = server::config::Config::from_lookup(|_| None).unwrap();
    let (services, _dir) = support::web::services_on(config, clock.clone()).await;
    services
        .create_user(Actor::Operator, "ada", Role::Viewer, "ada-password".into())
        .await
        .unwrap();
    for _ in 0..5 {
        let wrong = services.login("ada", "not-her-password", "10.0.0.9").await.map_err(wire);
        assert!(matches!(wrong, Err(app::error::AppError::Unauthorized(_))), "{wrong:?}");
    }
    let locked = services.login("ada", "ada-password", "10.0.0.9").await.map_err(wire);
    assert!(matches!(locked, Err(app::error::AppError::RateLimited(300))), "{locked:?}");
    clock.advance(chrono::Duration::minutes(5));
    let token = services.login("ada", "ada-password", "10.0.0.9").await.expect("lock lifted");
    assert_eq!(services.authenticate(&token).await.unwrap().username, "ada");
    clock.advance(chrono::Duration::hours(SESSION_TTL_HOURS) + chrono::Duration::seconds(10));
    let expired = services.authenticate(&token).await.map_err(wire);
    assert!(matches!(expired, Err(app::error::AppError::Unauthorized(_))), "{expired:?}");
}
