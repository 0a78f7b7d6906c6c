//! The HTTP surface, driven through the real router (no sockets) on a real SQLite store.

mod support;

use app::model::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use support::web::{Reply, app, assert_error};
use tower::ServiceExt;

#[tokio::test]
async fn liveness_is_public_and_every_api_route_needs_a_token() {
    let app = app().await;
    let r = app.send(Method::GET, "/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok"}));
    for uri in [
        "/api/jobs",
        "/api/health",
        "/api/openapi.json",
        "/api/pipeline-runs",
        "/api/stars",
        "/api/nope",
    ] {
        let r = app.send(Method::GET, uri, None, None).await;
        assert_error(&r, StatusCode::UNAUTHORIZED, "sign in");
        let r = app.send(Method::GET, uri, Some("not.a.jwt"), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri} with a bad token");
    }
}

#[tokio::test]
async fn expired_token_is_rejected() {
    let app = app().await;
    let old =
        app.services.issue_token("admin", chrono::Duration::seconds(-300), "test").await.unwrap().0;
    assert_eq!(
        app.send(Method::GET, "/api/jobs", Some(&old), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn login_issues_a_token_and_an_httponly_strict_cookie() {
    let app = app().await;
    let r = app
        .send(
            Method::POST,
            "/api/auth/login",
            None,
            Some((
                "application/json",
                json!({"username": "viewer", "password": "viewer-password"}).to_string(),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.contains(&token)
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let me = app.send(Method::GET, "/api/auth/me", Some(&token), None).await.json();
    assert_eq!(me, json!({"username": "viewer", "role": "viewer"}));
}

#[tokio::test]
async fn failed_logins_are_throttled_with_retry_after() {
    let app = app().await;
    let attempt = |password: &'static str| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/api/auth/login",
                None,
                Some((
                    "application/json",
                    json!({"username": "admin", "password": password}).to_string(),
                )),
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_error(
            &attempt("wrong-password").await,
            StatusCode::UNAUTHORIZED,
            "wrong username or password",
        );
    }
    let blocked = attempt("admin-password").await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{}", blocked.text);
    let retry: u64 =
        blocked.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry));
}

#[tokio::test]
async fn viewers_read_but_cannot_write() {
    let app = app().await;
    let job = app.create("Rust Engineer", "Acme", "Berlin").await;
    let id = job["id"].as_str().unwrap();
    assert_eq!(
        app.send(Method::GET, &format!("/api/jobs/{id}"), Some(&app.viewer), None).await.status,
        StatusCode::OK
    );
    let r = app
        .json(Method::POST, "/api/jobs", &app.viewer, json!({"title": "x", "company": "y"}))
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "admin");
    let r = app
        .json(Method::PATCH, &format!("/api/jobs/{id}"), &app.viewer, json!({"notes": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.send(Method::GET, "/api/admin/users", Some(&app.viewer), None).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn job_crud_with_validation_and_clear_errors() {
    let app = app().await;
    let job = app.create("Rust Engineer", "Acme", "Remote (EU)").await;
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(job["status"], "new");
    assert_eq!(job["remote_policy"], "remote");

    let dup = app
        .json(
            Method::POST,
            "/api/jobs",
            &app.admin,
            json!({"title": "rust engineer", "company": "ACME", "location": "remote (eu)"}),
        )
        .await;
    assert_error(&dup, StatusCode::CONFLICT, &id);

    let r = app
        .json(
            Method::PATCH,
            &format!("/api/jobs/{id}"),
            &app.admin,
            json!({"stage": "applied", "score": 88, "status": "archived"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let patched = r.json();
    assert_eq!(patched["application"]["stage"], "applied");
    assert_eq!(patched["application"]["history"].as_array().unwrap().len(), 2);
    assert_eq!(patched["score"], 88);
    let r = app
        .json(Method::PATCH, &format!("/api/jobs/{id}"), &app.admin, json!({"score": null}))
        .await;
    assert_eq!(r.json()["score"], Value::Null);

    assert_error(
        &app.json(Method::PATCH, &format!("/api/jobs/{id}"), &app.admin, json!({"score": 101}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "score",
    );
    assert_error(
        &app.json(Method::PATCH, &format!("/api/jobs/{id}"), &app.admin, json!({"status": "done"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "done",
    );
    assert_error(
        &app.json(Method::PATCH, &format!("/api/jobs/{id}"), &app.admin, json!({"salary": 1}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "salary",
    );
    assert_error(
        &app.json(Method::POST, "/api/jobs", &app.admin, json!({"title": "", "company": "x"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "title",
    );
    assert_error(
        &app.json(
            Method::POST,
            "/api/jobs",
            &app.admin,
            json!({"title": "a", "company": "b", "url": "javascript:alert(1)"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "url",
    );
    let malformed = app
        .send(
            Method::POST,
            "/api/jobs",
            Some(&app.admin),
            Some(("application/json", "{\"title\": ".into())),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{}", malformed.text);
    let huge = json!({"title": "a", "company": "b", "description": "x".repeat(3 * 1024 * 1024)});
    assert_error(
        &app.json(Method::POST, "/api/jobs", &app.admin, huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "larger",
    );
    let long = json!({"title": "a", "company": "b", "description": "x".repeat(100_001)});
    assert_error(
        &app.json(Method::POST, "/api/jobs", &app.admin, long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "description",
    );

    assert_error(
        &app.get("/api/jobs/does-not-exist").await,
        StatusCode::NOT_FOUND,
        "does-not-exist",
    );
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/jobs/{id}"), Some(&app.admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/jobs/{id}"), Some(&app.admin), None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn list_query_values_are_validated_and_literal() {
    let app = app().await;
    app.create("C++ (Senior) Developer", "Globex", "Remote").await;
    app.create("Rust Engineer", "Acme", "Berlin").await;
    let page = app.get("/api/jobs?q=c%2B%2B%20(senior)&limit=10").await.json();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["title"], "C++ (Senior) Developer");
    assert_eq!(app.get("/api/jobs?q=.*").await.json()["total"], 0);
    assert_eq!(
        app.get("/api/jobs?status=new&status=ready&sort=title&order=asc").await.json()["items"][0]
            ["title"],
        "C++ (Senior) Developer"
    );

    assert_error(
        &app.get("/api/jobs?created_from=yesterday").await,
        StatusCode::BAD_REQUEST,
        "created_from",
    );
    assert_error(
        &app.get("/api/jobs?status%5B%24ne%5D=x").await,
        StatusCode::BAD_REQUEST,
        "status[$ne]",
    );
    assert_error(
        &app.get("/api/jobs?status=%7B%22%24ne%22%3Anull%7D").await,
        StatusCode::BAD_REQUEST,
        "status",
    );
    assert_error(&app.get("/api/jobs?limit=201").await, StatusCode::BAD_REQUEST, "limit");
    assert_error(&app.get("/api/jobs?sort=password").await, StatusCode::BAD_REQUEST, "sort");
    let from = "2000-01-01T00:00:00Z";
    assert_eq!(
        app.get(&format!("/api/jobs?created_from={from}&created_to=2001-01-01T00:00:00%2B00:00"))
            .await
            .json()["total"],
        0
    );
}

#[tokio::test]
async fn import_reports_every_row_and_loses_nothing() {
    let app = app().await;
    app.create("Existing Role", "Acme", "Berlin").await;
    let body = json!([
        {"title": "New Role", "company": "Acme", "location": "Oslo"},
        {"title": "existing role", "company": "acme", "location": "berlin"},
        {"title": "", "company": "Nope"},
        {"title": 5},
        {"title": "Also New", "company": "Globex", "tags": ["x"]}
    ]);
    let r = app.json(Method::POST, "/api/jobs/import", &app.admin, body).await.json();
    assert_eq!(
        (r["created"].as_u64(), r["duplicates"].as_u64(), r["errors"].as_u64()),
        (Some(2), Some(1), Some(2))
    );
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows[1]["result"], "duplicate");
    assert_eq!(rows[2]["result"], "error");
    assert!(rows[2]["message"].as_str().unwrap().contains("title"));

    let csv = "title,company,location,remote_policy,score\nCSV Role,Initech,Austin,onsite,70\nBad Row,Initech,Austin,moon,\n";
    let r = app
        .send(Method::POST, "/api/jobs/import", Some(&app.admin), Some(("text/csv", csv.into())))
        .await
        .json();
    assert_eq!((r["created"].as_u64(), r["errors"].as_u64()), (Some(1), Some(1)));
    assert!(r["rows"][1]["message"].as_str().unwrap().contains("moon"));
    assert_eq!(app.get("/api/jobs").await.json()["total"], 4);

    let r = app
        .send(
            Method::POST,
            "/api/jobs/import",
            Some(&app.admin),
            Some(("text/csv", "title,salary\nx,1\n".into())),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "salary");
    let r = app
        .send(
            Method::POST,
            "/api/jobs/import",
            Some(&app.admin),
            Some(("application/json", "[{".into())),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn board_payloads_and_job_pages_import_as_jobs_without_markup() {
    let app = app().await;
    let fixture = |name: &str| {
        let path = format!("{}/tests/fixtures/postings/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).unwrap()
    };
    let import = |content_type: &'static str, body: String| {
        let app = &app;
        async move {
            app.send(Method::POST, "/api/jobs/import", Some(&app.admin), Some((content_type, body)))
                .await
        }
    };
    for (name, content_type, created) in [
        ("greenhouse-board.json", "application/json", 2),
        ("greenhouse-job.json", "application/json", 1),
        ("lever-board.json", "application/json", 2),
        ("lever-posting.json", "application/json", 1),
        ("ashby-board.json", "application/json", 1),
        ("page-jsonld-graph.html", "text/html", 1),
        ("page-jsonld-remote.html", "text/html", 1),
    ] {
        let r = import(content_type, fixture(name)).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text);
        assert_eq!(r.json()["created"], created, "{name}: {}", r.text);
        // The same payload again: every posting is already there.
        let again = import(content_type, fixture(name)).await.json();
        assert_eq!(
            (again["created"].as_u64(), again["duplicates"].as_u64()),
            (Some(0), Some(created))
        );
    }
    let jobs = app.get("/api/jobs?limit=50").await.json();
    let find = |title: &str| {
        jobs["items"].as_array().unwrap().iter().find(|j| j["title"] == title).cloned().unwrap()
    };
    let lever = find("Backend Engineer, Payments");
    assert_eq!(
        (lever["company"].as_str(), lever["source"].as_str()),
        (Some("tallowmere"), Some("lever"))
    );
    assert_eq!(lever["remote_policy"], "hybrid");
    let url = "https://jobs.eu.lever.co/tallowmere/5b8c2f1e-3a4d-4e6f-9a1b-2c3d4e5f6a7b";
    assert_eq!(lever["url"], url);
    let ld = find("Logistics Software Engineer");
    assert_eq!(
        (ld["company"].as_str(), ld["source"].as_str()),
        (Some("Oakbarrow Freight"), Some("json-ld"))
    );
    let hostile = find("Developer Advocate </title><script>alert(1)</script>");
    let description = hostile["description"].as_str().unwrap();
    assert!(
        !description.contains("steal") && !description.contains("javascript:"),
        "{description}"
    );
    // The job page shows the hostile title as text.
    let page = app.get(&format!("/jobs/{}", hostile["id"].as_str().unwrap())).await;
    assert!(!page.text.contains("<script>alert(1)"), "the title is escaped on the page");
    assert!(page.text.contains("&lt;script&gt;alert(1)"), "{}", page.text.len());

    let r = import("text/html", fixture("page-no-jsonld.html")).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "no JobPosting");
    let r = import(
        "application/json",
        json!({"jobs": [{"absolute_url": "https://boards.greenhouse.io/x/jobs/1"}]}).to_string(),
    )
    .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "`title`");
}

#[tokio::test]
async fn bulk_actions_report_per_id() {
    let app = app().await;
    let a = app.create("A", "Acme", "X").await["id"].as_str().unwrap().to_string();
    let b = app.create("B", "Acme", "X").await["id"].as_str().unwrap().to_string();
    let r = app
        .json(
            Method::POST,
            "/api/jobs/bulk",
            &app.admin,
            json!({"ids": [a, "missing"], "action": "set_status", "status": "archived"}),
        )
        .await
        .json();
    assert_eq!(r["results"][0]["ok"], true);
    assert_eq!(r["results"][1]["ok"], false);
    assert_eq!(app.get(&format!("/api/jobs/{a}")).await.json()["status"], "archived");
    let r = app
        .json(Method::POST, "/api/jobs/bulk", &app.admin, json!({"ids": [b], "action": "delete"}))
        .await
        .json();
    assert_eq!(r["results"][0]["ok"], true);
    assert_error(
        &app.json(
            Method::POST,
            "/api/jobs/bulk",
            &app.admin,
            json!({"ids": [], "action": "delete"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ids",
    );
    assert_error(
        &app.json(
            Method::POST,
            "/api/jobs/bulk",
            &app.admin,
            json!({"ids": [a], "action": "set_status"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "status",
    );
}

#[tokio::test]
async fn health_reports_the_store_in_the_runbook_shape() {
    let app = app().await;
    let h = app.get("/api/health").await.json();
    assert_eq!(h["overall"], "healthy");
    assert_eq!(h["mongodb"]["status"], "healthy");
    assert_eq!(h["mongodb"]["backend"], "sqlite");
    assert!(h["mongodb"]["latency_ms"].as_f64().is_some());
    assert_eq!(
        h["runner"],
        json!({"status": "not_configured", "active_runs": 0, "capacity_percent": 0, "queued": 0, "paused": false})
    );
    assert_eq!(
        h["pdf_service"]["status"], "healthy",
        "Chromium is installed, launched on first use"
    );
}

#[tokio::test]
async fn pipeline_runs_endpoint_validates_its_filters() {
    let app = app().await;
    assert_eq!(
        app.get("/api/pipeline-runs?status=failed&limit=10").await.json(),
        json!({"runs": [], "count": 0})
    );
    assert_error(
        &app.get("/api/pipeline-runs?status=exploded").await,
        StatusCode::BAD_REQUEST,
        "status",
    );
    assert_error(&app.get("/api/pipeline-runs?limit=0").await, StatusCode::BAD_REQUEST, "limit");
    assert_error(
        &app.get("/api/pipeline-runs?created_from=last%20week").await,
        StatusCode::BAD_REQUEST,
        "created_from",
    );
    assert_error(
        &app.get("/api/pipeline-runs?job_id[$ne]=x").await,
        StatusCode::BAD_REQUEST,
        "job_id[$ne]",
    );
}

#[tokio::test]
async fn profile_and_star_records_round_trip() {
    let app = app().await;
    let bad = app
        .json(
            Method::PUT,
            "/api/profile/resume",
            &app.admin,
            json!({"basics": {"name": "A", "$where": "x"}}),
        )
        .await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, "$where");
    let r = app
        .json(
            Method::PUT,
            "/api/profile/resume",
            &app.admin,
            json!({"basics": {"name": "Ada"}, "work": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.json(Method::PATCH, "/api/profile/basics", &app.admin, json!({"name": "Ada L", "label": "Engineer", "email": "ada@example.org", "phone": "", "url": "", "summary": "", "city": "London", "country_code": "gb"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let resume = app.get("/api/profile/resume").await.json();
    assert_eq!(resume["basics"]["name"], "Ada L");
    assert_eq!(resume["basics"]["location"]["countryCode"], "GB");
    assert_eq!(resume["work"], json!([]), "other sections are kept");

    let star = json!({"title": "Cut costs", "situation": "s", "task": "t", "actions": ["a"], "results": ["r"], "skills": ["AWS"]});
    let created = app.json(Method::POST, "/api/stars", &app.admin, star.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let mut changed = star.clone();
    changed["title"] = json!("Cut costs by 34 %");
    assert_eq!(
        app.json(Method::PUT, &format!("/api/stars/{id}"), &app.admin, changed).await.json()["title"],
        "Cut costs by 34 %"
    );
    assert_error(
        &app.json(
            Method::POST,
            "/api/stars",
            &app.admin,
            json!({"title": "x", "situation": "", "task": "t"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "situation",
    );
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/stars/{id}"), Some(&app.admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&format!("/api/stars/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admin_actions_are_audited() {
    let app = app().await;
    app.create("Audited", "Acme", "X").await;
    let log = app.get("/api/admin/audit").await.json();
    let actions: Vec<&str> =
        log["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"job.create") && actions.contains(&"user.create"), "{actions:?}");
    let r = app
        .json(
            Method::POST,
            "/api/admin/users",
            &app.admin,
            json!({"username": "viewer", "role": "viewer", "password": "another-password"}),
        )
        .await;
    assert_error(&r, StatusCode::CONFLICT, "viewer");
}

#[tokio::test]
async fn openapi_is_generated_from_the_routes_and_documents_each_fully() {
    let app = app().await;
    let doc = app.get("/api/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let operations: usize = paths.values().map(|ops| ops.as_object().unwrap().len()).sum();
    assert!(
        paths.len() >= 44 && operations >= 53,
        "{} paths, {operations} operations",
        paths.len()
    );
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let uri = path.replace("{id}", "x").replace("{number}", "1").replace("{username}", "x");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r =
                app.send(m, &uri, Some(&app.admin), Some(("application/json", "{}".into()))).await;
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not routed");
            assert!(!r.text.contains("no such API route"), "{method} {path} is not routed");
            // Every operation names its success with a schema (or says it has no body), and
            // every status it can answer.
            let responses = op["responses"].as_object().unwrap();
            let (ok, answer) = responses.iter().find(|(s, _)| s.starts_with('2')).unwrap();
            assert!(ok == "204" || answer["content"].is_object(), "{method} {path}: {ok}");
            if path != "/api/auth/login" {
                assert!(responses.contains_key("401"), "{method} {path} omits 401");
            }
            for (status, answer) in responses.iter().filter(|(s, _)| !s.starts_with('2')) {
                let schema = &answer["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/Error", "{method} {path} {status}");
            }
        }
    }
    let login = &paths["/api/auth/login"]["post"]["requestBody"]["content"]["application/json"];
    let login = resolve(&doc, &login["schema"]);
    assert_eq!(login["required"], json!(["username", "password"]));
}

/// A schema, following one `$ref` into the document.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap(),
        None => schema,
    }
}

/// Validates a real answer against the document's schema for that path, method and status.
fn conforms(doc: &Value, method: &str, path: &str, r: &Reply) {
    let status = r.status.as_u16().to_string();
    let answer = &doc["paths"][path][method]["responses"][&status];
    assert!(answer.is_object(), "{method} {path} answered {status}, which is undocumented");
    let schema = &answer["content"]["application/json"]["schema"];
    server::providers::schema::validate_in(doc, schema, &r.json())
        .unwrap_or_else(|e| panic!("{method} {path} {status}: {e}\n{}", r.text));
}

#[tokio::test]
async fn real_answers_match_the_generated_response_schemas() {
    let app = app().await;
    app.services.seed_demo(false).await.unwrap();
    let doc = app.get("/api/openapi.json").await.json();
    let jobs = app.get("/api/jobs?limit=3").await;
    conforms(&doc, "get", "/api/jobs", &jobs);
    let id = jobs.json()["items"][0]["id"].as_str().unwrap().to_string();
    let queued = app.json(Method::POST, "/run", &app.admin, json!({"job_id": id})).await;
    conforms(&doc, "post", "/run", &queued);
    assert!(app.run_next().await);
    let run_id = queued.json()["run_id"].as_str().unwrap().to_string();
    // A job reaches its results through its latest run.
    let job = app.get(&format!("/api/jobs/{id}")).await.json();
    let latest = &job["latest_run"];
    assert_eq!(latest["id"], run_id.as_str(), "{job}");
    assert!(matches!(latest["status"].as_str(), Some("completed" | "partial")), "{latest}");
    assert!(latest["fit_score"].as_u64().is_some() && latest["tier"].is_string(), "{latest}");
    assert_eq!(latest["links"]["dossier"], format!("/api/jobs/{id}/dossier/pdf"));
    assert_eq!(latest["links"]["run"], format!("/api/pipeline-runs/{run_id}"));
    assert_eq!(job["title"], jobs.json()["items"][0]["title"], "the job's own fields stay flat");
    let listed = app.get("/api/jobs?limit=3").await.json();
    assert_eq!(listed["items"][0]["latest_run"]["id"], run_id.as_str());
    assert!(listed["items"][1]["latest_run"].is_null(), "no run yet: {}", listed["items"][1]);
    for (path, uri) in [
        ("/api/jobs/{id}", format!("/api/jobs/{id}")),
        ("/api/jobs/status-counts", "/api/jobs/status-counts".into()),
        ("/api/pipeline-runs", format!("/api/pipeline-runs?job_id={id}")),
        ("/api/pipeline-runs/{id}", format!("/api/pipeline-runs/{run_id}")),
        ("/api/pipeline/layers", "/api/pipeline/layers".into()),
        ("/api/health", "/api/health".into()),
        ("/api/metrics", "/api/metrics".into()),
        ("/api/auth/me", "/api/auth/me".into()),
        ("/api/stars", "/api/stars".into()),
        ("/api/profile/resume", "/api/profile/resume".into()),
        ("/api/jobs/{id}/cv-editor", format!("/api/jobs/{id}/cv-editor")),
        ("/api/jobs/{id}/cv-editor/versions", format!("/api/jobs/{id}/cv-editor/versions")),
        ("/api/jobs/{id}/cv-editor/claims", format!("/api/jobs/{id}/cv-editor/claims")),
        ("/api/jobs/{id}/chain", format!("/api/jobs/{id}/chain")),
        ("/api/admin/users", "/api/admin/users".into()),
        ("/api/admin/sessions", "/api/admin/sessions".into()),
        ("/api/admin/audit", "/api/admin/audit".into()),
        // Errors have their schema too.
        ("/api/jobs/{id}", "/api/jobs/no-such-job".into()),
        ("/api/pipeline-runs", "/api/pipeline-runs?status=stuck".into()),
    ] {
        conforms(&doc, "get", path, &app.get(&uri).await);
    }
    // The chain links the run's needs to its lines, both ways; a job never run has none.
    let chain = app.get(&format!("/api/jobs/{id}/chain")).await.json();
    let needs = chain["needs"].as_array().unwrap();
    let served = needs.iter().find(|n| !n["lines"].as_array().unwrap().is_empty()).unwrap();
    let line_id = &served["lines"][0];
    let line = chain["lines"].as_array().unwrap().iter().find(|l| &l["id"] == line_id).unwrap();
    assert!(line["answers"].as_array().unwrap().contains(&served["id"]), "{line}");
    let fresh = listed["items"][1]["id"].as_str().unwrap();
    let none = app.get(&format!("/api/jobs/{fresh}/chain")).await;
    assert_error(&none, StatusCode::NOT_FOUND, "no finished run");
    conforms(&doc, "get", "/api/jobs/{id}/chain", &none);
    let created = app
        .json(
            Method::POST,
            "/api/jobs",
            &app.admin,
            json!({"title": "Data Engineer", "company": "Quillfeather"}),
        )
        .await;
    conforms(&doc, "post", "/api/jobs", &created);
    let refused = app
        .json(Method::POST, "/api/jobs", &app.viewer, json!({"title": "T", "company": "C"}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    conforms(&doc, "post", "/api/jobs", &refused);
    let imported = app
        .send(
            Method::POST,
            "/api/jobs/import",
            Some(&app.admin),
            Some(("text/csv", "title,company\nSRE,Quillfeather\nSRE,Quillfeather\n".into())),
        )
        .await;
    conforms(&doc, "post", "/api/jobs/import", &imported);
    assert_eq!(imported.json()["duplicates"], 1, "{}", imported.text);
    let cleared =
        app.send(Method::POST, "/api/admin/stuck-jobs/clear", Some(&app.admin), None).await;
    conforms(&doc, "post", "/api/admin/stuck-jobs/clear", &cleared);
    let paused = app.send(Method::POST, "/api/admin/pipeline/pause", Some(&app.admin), None).await;
    conforms(&doc, "post", "/api/admin/pipeline/pause", &paused);
    let refused = app.json(Method::POST, "/run", &app.admin, json!({"job_id": id})).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE, "{}", refused.text);
    conforms(&doc, "post", "/run", &refused);
}

#[tokio::test]
async fn pages_redirect_signed_out_visitors_to_login() {
    let app = app().await;
    for uri in ["/", "/jobs", "/profile", "/import", "/runs", "/runs/x"] {
        let r = app.send(Method::GET, uri, None, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(r.location(), "/login");
    }
    let login = app.send(Method::GET, "/login", None, None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.text.contains("action=\"/forms/login\""));
}

#[tokio::test]
async fn pages_render_on_the_server_with_user_text_escaped() {
    let app = app().await;
    let r = app
        .json(Method::POST, "/api/jobs", &app.admin, json!({"title": "<img src=x onerror=alert(1)>", "company": "Evil & Co", "description": "<script>alert('x')</script>\n- point"}))
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let list = app.page("/jobs?q=evil").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("Evil &amp; Co"), "company rendered escaped");
    assert!(!list.text.contains("<img src=x"), "title must not become markup");
    let detail = app.page(&format!("/jobs/{id}")).await;
    assert!(detail.text.contains("&lt;script&gt;alert("), "description escaped");
    assert!(!detail.text.contains("<script>alert("));
    let bad = app.page("/jobs?created_from=nonsense").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.text.contains("created_from"), "the page names the bad parameter");
}

#[tokio::test]
async fn forms_work_without_javascript() {
    let app = app().await;
    let r =
        app.form("/forms/login", &[("username", "admin"), ("password", "admin-password")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/jobs");
    assert!(
        r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().starts_with("jobintel_token=")
    );
    let r = app.form("/forms/login", &[("username", "admin"), ("password", "nope")]).await;
    assert_eq!(r.location(), "/login?error=1");

    let r = app
        .form(
            "/forms/import/paste",
            &[
                ("title", "Pasted Role"),
                ("company", "Initech"),
                ("location", "Austin"),
                ("remote_policy", "unknown"),
                ("url", ""),
                ("description", "Great job"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/jobs/"), "{}", r.location());
    let id = r.location().trim_start_matches("/jobs/").split('?').next().unwrap().to_string();
    assert_eq!(app.get(&format!("/api/jobs/{id}")).await.json()["source"], "paste");

    let r = app
        .form(
            &format!("/forms/jobs/{id}"),
            &[
                ("title", "Pasted Role"),
                ("company", "Initech"),
                ("location", "Austin"),
                ("remote_policy", "onsite"),
                ("url", ""),
                ("status", "ready"),
                ("stage", "applied"),
                ("score", "101"),
                ("tags", ""),
                ("notes", ""),
            ],
        )
        .await;
    assert!(r.location().contains("error="), "bad score is reported: {}", r.location());
    let r = app
        .form(
            "/forms/jobs/bulk",
            &[("return_to", "//evil.example"), ("ids", &id), ("action", "status:archived")],
        )
        .await;
    assert!(r.location().starts_with("/jobs?notice="), "{}", r.location());
    assert_eq!(app.get(&format!("/api/jobs/{id}")).await.json()["status"], "archived");
}

#[tokio::test]
async fn a_run_is_queued_executed_and_inspected_through_the_api() {
    let app = app().await;
    app.services.seed_demo(false).await.unwrap();
    let job = app.create("Rust Platform Engineer", "Acme", "Berlin").await;
    let id = job["id"].as_str().unwrap().to_string();

    assert_eq!(
        app.send(
            Method::POST,
            "/run",
            None,
            Some(("application/json", json!({"job_id": id}).to_string()))
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    assert_error(
        &app.json(Method::POST, "/run", &app.admin, json!({"job_id": "nope"})).await,
        StatusCode::NOT_FOUND,
        "nope",
    );
    assert_error(
        &app.json(Method::POST, "/run", &app.admin, json!({"job_id": id, "tier": "Z"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tier",
    );
    assert_eq!(
        app.json(Method::POST, "/run", &app.viewer, json!({"job_id": id})).await.status,
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        app.json(Method::POST, "/api/admin/pipeline/pause", &app.admin, json!({})).await.status,
        StatusCode::OK
    );
    assert_error(
        &app.json(Method::POST, "/run", &app.admin, json!({"job_id": id})).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "paused",
    );
    assert_eq!(app.get("/api/health").await.json()["runner"]["paused"], true);
    app.json(Method::POST, "/api/admin/pipeline/resume", &app.admin, json!({})).await;

    let queued =
        app.json(Method::POST, "/run", &app.admin, json!({"job_id": id, "tier": "B"})).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
    let run_id = queued.json()["run_id"].as_str().unwrap().to_string();
    assert_eq!(queued.json()["status_url"], format!("/api/pipeline-runs/{run_id}"));
    assert_error(
        &app.json(Method::POST, "/run", &app.admin, json!({"job_id": id})).await,
        StatusCode::CONFLICT,
        &run_id,
    );
    assert_eq!(app.get(&format!("/api/jobs/{id}")).await.json()["status"], "queued");
    assert_eq!(app.get("/api/pipeline-runs?status=queued").await.json()["count"], 1);
    let today = chrono::Utc::now().date_naive();
    let since = |day: chrono::NaiveDate| format!("/api/pipeline-runs?created_from={day}");
    assert_eq!(app.get(&since(today)).await.json()["count"], 1);
    assert_eq!(app.get(&since(today.succ_opt().unwrap())).await.json()["count"], 0);

    assert!(app.run_next().await, "a queued run was executed");
    let run = app.get(&format!("/api/pipeline-runs/{run_id}")).await.json();
    assert!(matches!(run["status"].as_str(), Some("completed" | "partial")), "{run}");
    assert_eq!(run["layers"].as_array().unwrap().len(), 11);
    assert_eq!(run["layers"][5]["output"]["tier"], "B", "the asked tier is kept");
    assert_eq!(app.get(&format!("/api/jobs/{id}")).await.json()["status"], "ready");
    assert_error(
        &app.json(
            Method::POST,
            &format!("/api/pipeline-runs/{run_id}/cancel"),
            &app.admin,
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "already finished",
    );
    assert_error(
        &app.json(
            Method::POST,
            &format!("/api/pipeline-runs/{run_id}/retry"),
            &app.admin,
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "failed",
    );
    assert_eq!(app.get("/api/pipeline-runs/nope").await.status, StatusCode::NOT_FOUND);

    let r = app
        .json(Method::POST, "/api/runs/bulk", &app.admin, json!({"job_ids": [id, "missing"]}))
        .await
        .json();
    assert_eq!(r["results"][0]["ok"], true);
    assert_eq!(r["results"][1]["status"], 404);
}

#[tokio::test]
async fn stuck_runs_are_cleared_as_the_runbook_says_and_retried_from_their_failed_layer() {
    let app = app().await;
    let id = app.create("Stuck Role", "Acme", "Oslo").await["id"].as_str().unwrap().to_string();
    // A worker took the run two hours ago and still "holds" it.
    let long_ago = server::store::now() - chrono::Duration::hours(2);
    let run_id = server::store::new_id();
    let queued =
        PipelineRun::queued(run_id.clone(), id.clone(), app::model::TierChoice::Auto, 3, long_ago);
    app.services.store.insert_run(&queued).await.unwrap();
    app.services
        .store
        .claim_run("stuck-worker", long_ago, chrono::Duration::hours(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.json(Method::POST, "/api/admin/stuck-jobs/clear", &app.viewer, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let none = app
        .json(
            Method::POST,
            "/api/admin/stuck-jobs/clear",
            &app.admin,
            json!({"older_than_minutes": 180}),
        )
        .await
        .json();
    assert_eq!(none["cleared"], json!([]));
    // The CLI's duration format works here too; the old field stays accepted.
    let clear =
        |body: Value| app.json(Method::POST, "/api/admin/stuck-jobs/clear", &app.admin, body);
    let three_hours = clear(json!({"older_than": "3h"})).await.json();
    assert_eq!(
        (three_hours["cleared"].clone(), three_hours["older_than_minutes"].clone()),
        (json!([]), json!(180))
    );
    assert_error(
        &clear(json!({"older_than": "soon"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "older_than",
    );
    let both = clear(json!({"older_than": "3h", "older_than_minutes": 180})).await;
    assert_error(&both, StatusCode::UNPROCESSABLE_ENTITY, "not both");
    let r = app.send(Method::POST, "/api/admin/stuck-jobs/clear", Some(&app.admin), None).await;
    assert_eq!(r.json()["cleared"], json!([run_id.clone()]), "default threshold: 30 minutes");
    assert_eq!(r.json()["older_than_minutes"], 30);
    let run = app.get(&format!("/api/pipeline-runs/{run_id}")).await.json();
    assert_eq!(
        (run["status"].as_str(), run["error"].as_str()),
        (Some("failed"), Some("Stuck processing - manual reset"))
    );
    let job = app.get(&format!("/api/jobs/{id}")).await.json();
    assert_eq!(
        (job["status"].as_str(), job["error"].as_str()),
        (Some("failed"), Some("Stuck processing - manual reset"))
    );

    let retry = app
        .json(Method::POST, &format!("/api/pipeline-runs/{run_id}/retry"), &app.admin, json!({}))
        .await;
    assert_eq!(retry.status, StatusCode::ACCEPTED, "{}", retry.text);
    let new_id = retry.json()["run_id"].as_str().unwrap().to_string();
    assert_ne!(new_id, run_id);
    assert_eq!(app.get(&format!("/api/pipeline-runs/{new_id}")).await.json()["status"], "queued");
    let cancelled = app
        .json(Method::POST, &format!("/api/pipeline-runs/{new_id}/cancel"), &app.admin, json!({}))
        .await;
    assert_eq!(cancelled.json()["status"], "cancelled");
    let log = app.get("/api/admin/audit").await.json();
    let actions: Vec<&str> =
        log["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(
        ["runs.clear_stuck", "run.retry", "run.cancel"].iter().all(|a| actions.contains(a)),
        "{actions:?}"
    );
}

/// `(id, event)` pairs of an SSE body.
fn sse_events(body: &str) -> Vec<(usize, String)> {
    body.split("\n\n")
        .filter_map(|block| {
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
            };
            Some((field("id:")?.parse().ok()?, field("event:")?))
        })
        .collect()
}

#[tokio::test]
async fn run_events_stream_every_step_and_replay_from_last_event_id() {
    let app = app().await;
    app.services.seed_demo(false).await.unwrap();
    let id = app.create("Events Role", "Acme", "Berlin").await["id"].as_str().unwrap().to_string();
    let run_id =
        app.json(Method::POST, "/run", &app.admin, json!({"job_id": id})).await.json()["run_id"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(app.run_next().await);

    let all = app.get(&format!("/api/pipeline-runs/{run_id}/events")).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(
        all.headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = sse_events(&all.text);
    assert_eq!(events.first().map(|e| e.1.as_str()), Some("layer_started"));
    assert_eq!(events.last().map(|e| e.1.as_str()), Some("run_finished"));
    assert_eq!(events.iter().filter(|e| e.1 == "layer_started").count(), 11);
    assert!(events.iter().any(|e| e.1 == "log"));
    assert!(events.iter().enumerate().all(|(i, e)| e.0 == i), "ids are the positions");
    assert!(
        events.iter().all(|e| RunEventKind::ALL.iter().any(|k| k.as_str() == e.1)),
        "the UI listens for every kind the server sends"
    );

    let req = Request::builder()
        .uri(format!("/api/pipeline-runs/{run_id}/events"))
        .header(header::AUTHORIZATION, format!("Bearer {}", app.admin))
        .header("Last-Event-ID", "9")
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    let replay = sse_events(&String::from_utf8_lossy(&body));
    assert_eq!(replay.first().map(|e| e.0), Some(10), "resumes after the last id seen");
    assert_eq!(replay, events[10..].to_vec());
    assert_eq!(app.get("/api/pipeline-runs/missing/events").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn layer_output_schemas_are_published() {
    let app = app().await;
    let body = app.get("/api/pipeline/layers").await.json();
    let layers = body["layers"].as_array().unwrap();
    let names: Vec<&str> = layers.iter().map(|l| l["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = LayerName::ALL.iter().map(|l| l.as_str()).collect();
    assert_eq!(names, expected);
    let fit = &layers[5]["output_schema"];
    assert_eq!(fit["properties"]["score"]["maximum"], 100);
    assert!(fit["required"].as_array().unwrap().contains(&json!("rationale")));
    // Generation layers may be skipped by tier D: their schema allows either shape.
    assert_eq!(layers[9]["output_schema"]["anyOf"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn provider_admin_actions_need_the_admin_role_and_valid_input() {
    let app = app().await;
    let switch = |token: &str, body: Value| {
        let token = token.to_string();
        let app = &app;
        async move { app.json(Method::POST, "/api/admin/firecrawl", &token, body).await }
    };
    assert_error(
        &switch(&app.viewer, json!({"enabled": false})).await,
        StatusCode::FORBIDDEN,
        "admin",
    );
    assert_error(
        &switch(&app.admin, json!({"enabled": "yes"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "enabled",
    );
    assert_error(
        &switch(&app.admin, json!({"enabled": true})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "FIRECRAWL_API_KEY",
    );
    let off = switch(&app.admin, json!({"enabled": false})).await;
    assert_eq!((off.status, off.json()), (StatusCode::OK, json!({"enabled": false})));

    app.services
        .store
        .put_company(&server::store::CompanyCacheEntry {
            company: "Acme Corp".into(),
            research: app::outputs::Company {
                company: "cached".into(),
                summary: "x".into(),
                signals: vec![],
                source: "web".into(),
                blocked: vec![],
            },
            cached_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let viewer =
        app.send(Method::DELETE, "/api/admin/company-cache", Some(&app.viewer), None).await;
    assert_error(&viewer, StatusCode::FORBIDDEN, "admin");
    let bad = app
        .send(Method::DELETE, "/api/admin/company-cache?company[$ne]=x", Some(&app.admin), None)
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "company[$ne]");
    let one = app
        .send(
            Method::DELETE,
            "/api/admin/company-cache?company=acme%20corp",
            Some(&app.admin),
            None,
        )
        .await;
    assert_eq!(one.json(), json!({"deleted": 1, "company": "acme corp"}));
    let h = app.get("/api/health").await.json();
    assert_eq!(h["llm"]["status"], "healthy");
    assert_eq!(h["firecrawl"]["status"], "not_configured");
    let m = app.get("/api/metrics").await.json();
    assert!(m["rate_limits"].is_object() && m["llm_cost"]["today_usd"].is_number(), "{m}");
    let prom = app.get("/metrics").await;
    assert_eq!(prom.status, StatusCode::OK);
    assert!(
        prom.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text; version=1.0.0")
    );
    assert!(
        prom.text.contains("# TYPE jobintel_pipeline_queued gauge\njobintel_pipeline_queued 0\n"),
        "{}",
        prom.text
    );
    assert!(prom.text.contains("jobintel_service_healthy{service=\"store\"} 1.0"), "{}", prom.text);
    assert!(prom.text.ends_with("# EOF\n"), "{}", prom.text);
    assert_eq!(
        app.send(Method::GET, "/metrics", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let restart = app.json(Method::POST, "/api/admin/pdf/restart", &app.viewer, json!({})).await;
    assert_error(&restart, StatusCode::FORBIDDEN, "admin");
    let restart = app.json(Method::POST, "/api/admin/pdf/restart", &app.admin, json!({})).await;
    assert_eq!((restart.status, restart.json()), (StatusCode::OK, json!({"restarted": true})));
}

#[tokio::test]
async fn the_cv_editor_saves_numbered_versions_restores_and_marks_the_sent_one() {
    let app = app().await;
    app.services.seed_demo(false).await.unwrap();
    let job = app.create("Rust Platform Engineer", "Acme", "Berlin").await;
    let id = job["id"].as_str().unwrap().to_string();
    let editor = format!("/api/jobs/{id}/cv-editor");

    // Before any run: the master CV, unsaved, without keywords.
    let state = app.get(&editor).await.json();
    assert_eq!((state["origin"].as_str(), &state["version"]), (Some("master_cv"), &Value::Null));
    assert_eq!(state["keywords"], json!([]));
    assert!(!state["document"]["header"]["name"].as_str().unwrap().is_empty());

    // After a run: the pipeline's draft, each bullet with its source, and the posting's keywords.
    app.json(Method::POST, "/run", &app.admin, json!({"job_id": id, "tier": "B"})).await;
    assert!(app.run_next().await);
    let state = app.get(&editor).await.json();
    assert_eq!(state["origin"], "pipeline", "{state}");
    assert!(!state["keywords"].as_array().unwrap().is_empty());
    let experience = state["document"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "experience")
        .expect("an experience section")
        .clone();
    let first_bullet = &experience["items"][0]["bullets"][0];
    assert!(first_bullet["provenance"]["label"].as_str().unwrap().starts_with("Master CV · "));

    // Saves number the versions; a save from a stale base is refused and loses nothing.
    let mut document = state["document"].clone();
    document["header"]["headline"] = json!("Platform engineer · Rust");
    let put = |doc: Value, base: u32| json!({"document": doc, "base_version": base});
    let v1 = app.json(Method::PUT, &editor, &app.admin, put(document.clone(), 0)).await;
    assert_eq!(v1.status, StatusCode::OK, "{}", v1.text);
    assert_eq!(v1.json()["number"], 1);
    assert_error(
        &app.json(Method::PUT, &editor, &app.admin, put(document.clone(), 0)).await,
        StatusCode::CONFLICT,
        "version 1",
    );
    let mut edited = document.clone();
    edited["sections"][0]["items"][0]["text"] = json!("Edited by hand");
    let v2 = app.json(Method::PUT, &editor, &app.admin, put(edited.clone(), 1)).await;
    assert_eq!(v2.json()["number"], 2, "{}", v2.text);
    let state = app.get(&editor).await.json();
    assert_eq!((state["origin"].as_str(), &state["version"]), (Some("saved"), &json!(2)));
    assert_eq!(state["document"], edited);

    // Bad documents: 422 naming the field; viewers cannot save.
    let mut bad = edited.clone();
    bad["header"]["name"] = json!(" ");
    assert_error(
        &app.json(Method::PUT, &editor, &app.admin, put(bad, 2)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "header.name",
    );
    let mut bad = edited.clone();
    bad["settings"]["accent"] = json!("red;}");
    assert_error(
        &app.json(Method::PUT, &editor, &app.admin, put(bad, 2)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "settings.accent",
    );
    let mut bad = edited.clone();
    bad["sections"][0]["items"][0]["bullets"] =
        json!([{"text": "Invented", "provenance": {"source": "star:nope", "label": "STAR · x"}}]);
    assert_error(
        &app.json(Method::PUT, &editor, &app.admin, put(bad, 2)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "sections[0].items[0].bullets[0].provenance.source",
    );
    let mut bad = edited.clone();
    bad["sections"][0]["colour"] = json!("red");
    assert_error(
        &app.json(Method::PUT, &editor, &app.admin, put(bad, 2)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "colour",
    );
    assert_eq!(
        app.json(Method::PUT, &editor, &app.viewer, put(edited.clone(), 2)).await.status,
        StatusCode::FORBIDDEN
    );
    // A forged chip label is rewritten from the profile.
    let mut forged = edited.clone();
    let source = first_bullet["provenance"]["source"].clone();
    forged["sections"][0]["items"][0]["bullets"] =
        json!([{"text": "Mine", "provenance": {"source": source, "label": "Nobel prize"}}]);
    assert_eq!(
        app.json(Method::PUT, &editor, &app.admin, put(forged, 2)).await.status,
        StatusCode::OK
    );
    let saved = app.get(&format!("{editor}/versions/3")).await.json();
    let label = saved["document"]["sections"][0]["items"][0]["bullets"][0]["provenance"]["label"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(label, first_bullet["provenance"]["label"].as_str().unwrap());

    // History, newest first; view, restore (as a new version), mark the sent one.
    let numbers: Vec<u64> = app
        .get(&format!("{editor}/versions"))
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(app.get(&format!("{editor}/versions/1")).await.json()["document"], document);
    assert_error(&app.get(&format!("{editor}/versions/abc")).await, StatusCode::BAD_REQUEST, "abc");
    assert_error(&app.get(&format!("{editor}/versions/9")).await, StatusCode::NOT_FOUND, "9");
    let restored = app
        .json(Method::POST, &format!("{editor}/versions/1/restore"), &app.admin, json!({}))
        .await;
    assert_eq!(restored.json()["number"], 4, "{}", restored.text);
    assert_eq!(restored.json()["restored_from"], 1);
    assert_eq!(app.get(&editor).await.json()["document"], document);

    let sent =
        app.send(Method::POST, &format!("{editor}/versions/2/sent"), Some(&app.admin), None).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert!(sent.json()["sent_at"].is_string());
    // What was sent is locked: the packet's hash is the PDF's, downloaded again byte for byte.
    let packet = app.get(&format!("{editor}/versions/2/packet")).await;
    assert_eq!(packet.status, StatusCode::OK, "{}", packet.text);
    let packet = packet.json();
    assert_eq!(packet["posting"]["company"], "Acme");
    assert_eq!(packet["sent_at"], sent.json()["sent_at"]);
    assert!(packet["run_id"].is_string() && !packet["layers"].as_array().unwrap().is_empty());
    assert!(packet["cover_letter"].as_str().unwrap().contains("Acme"), "{packet}");
    let download = || async {
        let r = app
            .send(Method::GET, &format!("{editor}/versions/2/packet/pdf"), Some(&app.admin), None)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        r.bytes
    };
    let (first, again) = (download().await, download().await);
    assert!(first.starts_with(b"%PDF-"));
    assert_eq!(first, again, "byte for byte");
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&first).iter().map(|b| format!("{b:02x}")).collect()
    };
    assert_eq!(packet["pdf_sha256"], sha.as_str());
    assert_eq!(packet["pdf_bytes"], first.len());
    let unmark = app
        .json(
            Method::POST,
            &format!("{editor}/versions/2/sent"),
            &app.admin,
            json!({"sent": false}),
        )
        .await;
    assert_error(&unmark, StatusCode::CONFLICT, "locked");
    let again =
        app.send(Method::POST, &format!("{editor}/versions/2/sent"), Some(&app.admin), None).await;
    assert_error(&again, StatusCode::CONFLICT, "locked");
    assert_error(
        &app.get(&format!("{editor}/versions/1/packet")).await,
        StatusCode::NOT_FOUND,
        "not been sent",
    );
    assert_eq!(
        app.json(Method::POST, &format!("{editor}/versions/2/sent"), &app.viewer, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let audit = app.get("/api/admin/audit").await.json();
    assert!(
        audit["entries"].as_array().unwrap().iter().any(|e| e["action"] == "cv.mark_sent"),
        "{audit}"
    );

    // Deleting the job deletes its CV versions.
    app.send(Method::DELETE, &format!("/api/jobs/{id}"), Some(&app.admin), None).await;
    assert!(app.services.store.list_cv_versions(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_cv_editor_lists_the_claims_to_check_in_edited_and_user_written_lines() {
    let app = app().await;
    app.services.seed_demo(false).await.unwrap();
    let job = app.create("Rust Platform Engineer", "Acme", "Berlin").await;
    let id = job["id"].as_str().unwrap().to_string();
    let editor = format!("/api/jobs/{id}/cv-editor");
    app.json(Method::POST, "/run", &app.admin, json!({"job_id": id, "tier": "B"})).await;
    assert!(app.run_next().await);
    let state = app.get(&editor).await.json();
    let put = |doc: Value, base: u32| json!({"document": doc, "base_version": base});

    // Claims to check: in the lines the user edited or wrote, what no record supports; the
    // pipeline's untouched lines are not re-checked, and nothing is blocked.
    let claims = format!("{editor}/claims");
    let none = app.get(&claims).await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    assert_eq!(none.json(), json!([]), "the pipeline's draft has no line of the user's");
    let mut claimed = state["document"].clone();
    let e = experience_index(&claimed);
    let bullets = &mut claimed["sections"][e]["items"][0]["bullets"];
    bullets[0]["text"] = json!("Ran Snowflake for 93 teams at Initech Labs.");
    bullets[0]["provenance"]["edited"] = json!(true);
    bullets
        .as_array_mut()
        .unwrap()
        .push(json!({"text": "Ran Kubernetes clusters.", "provenance": null}));
    let v3 = app.json(Method::PUT, &editor, &app.admin, put(claimed.clone(), 0)).await;
    assert_eq!(v3.status, StatusCode::OK, "{}", v3.text);
    let found = app.get(&claims).await.json();
    let found: Vec<(String, String)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["kind"].as_str().unwrap().into(), c["claim"].as_str().unwrap().into()))
        .collect();
    for expected in [("technology", "Snowflake"), ("number", "93"), ("employer", "Initech Labs")] {
        assert!(
            found.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {found:?}"
        );
    }
    assert!(!found.iter().any(|(_, c)| c == "Kubernetes"), "the profile has Kubernetes: {found:?}");
    let state = app.get(&editor).await.json();
    let kept = &state["document"]["sections"][e]["items"][0]["bullets"][0];
    assert_eq!(
        kept["text"], "Ran Snowflake for 93 teams at Initech Labs.",
        "a warning, not a block"
    );
    assert_eq!(kept["provenance"]["edited"], true, "the edited line keeps where it came from");
    assert!(kept["provenance"]["source"].as_str().unwrap().starts_with("master_cv:"));
    assert_error(&app.get("/api/jobs/nope/cv-editor/claims").await, StatusCode::NOT_FOUND, "nope");
}

/// The index of a CV document's experience section.
fn experience_index(document: &Value) -> usize {
    document["sections"].as_array().unwrap().iter().position(|s| s["kind"] == "experience").unwrap()
}

#[tokio::test]
async fn postings_import_by_link_through_the_boards_apis_and_pages_never_from_private_addresses() {
    use support::fakes::{FakeServer, Scripted};
    let fixture = |name: &str| {
        let path = format!("{}/tests/fixtures/postings/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).unwrap()
    };
    let (gh, lever, ashby, page, about) = (
        fixture("greenhouse-job.json"),
        fixture("lever-posting.json"),
        fixture("ashby-board.json"),
        fixture("page-jsonld-graph.html"),
        fixture("page-no-jsonld.html"),
    );
    let (gh_board, lever_board) = (fixture("greenhouse-board.json"), fixture("lever-board.json"));
    let html = |body: &str| Scripted::raw(200, body).header("content-type", "text/html");
    let boards = FakeServer::start(move |path, _| match path {
        "/v1/boards/harbourlight/jobs/4471203" => Scripted::raw(200, &gh),
        "/v0/postings/tallowmere/5b8c2f1e-3a4d-4e6f-9a1b-2c3d4e5f6a7b" => {
            Scripted::raw(200, &lever)
        }
        "/posting-api/job-board/FennwickGrain" => Scripted::raw(200, &ashby),
        "/v1/boards/quaymark/jobs" => Scripted::raw(200, &gh_board),
        "/v0/postings/brindlecove" => Scripted::raw(200, &lever_board),
        "/careers/obf-77" => html(&page),
        "/about" => html(&about),
        "/moved" => Scripted::raw(302, "").header("location", "/careers/obf-77"),
        "/to-metadata" => {
            Scripted::raw(302, "").header("location", "http://169.254.169.254/latest/meta-data/")
        }
        "/huge" => html(&"x".repeat(6 << 20)),
        _ => Scripted::raw(404, "{\"error\": \"not found\"}"),
    })
    .await;
    let base = boards.url.clone();
    let vars = [
        ("IMPORT_ALLOW_HOSTS", "127.0.0.1"),
        ("GREENHOUSE_API_URL", base.as_str()),
        ("LEVER_EU_API_URL", base.as_str()),
        ("LEVER_API_URL", base.as_str()),
        ("ASHBY_API_URL", base.as_str()),
    ];
    let config = server::config::Config::from_lookup(|k| {
        vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    })
    .unwrap();
    let app = support::web::app_with(config).await;
    let import = |url: String| {
        let app = &app;
        async move {
            app.json(Method::POST, "/api/jobs/import", &app.admin, json!({ "url": url })).await
        }
    };
    for (link, title) in [
        ("https://boards.greenhouse.io/harbourlight/jobs/4471203", "Senior Platform Engineer"),
        (
            "https://jobs.eu.lever.co/tallowmere/5b8c2f1e-3a4d-4e6f-9a1b-2c3d4e5f6a7b",
            "Backend Engineer, Payments",
        ),
        (
            "https://jobs.ashbyhq.com/FennwickGrain/7f3e2d1c-aaaa-4bbb-8ccc-1234567890ab",
            "Machine Learning Engineer",
        ),
    ] {
        let r = import(link.into()).await;
        assert_eq!(
            (r.status, r.json()["created"].as_u64()),
            (StatusCode::OK, Some(1)),
            "{link}: {}",
            r.text
        );
        let id = r.json()["rows"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(app.get(&format!("/api/jobs/{id}")).await.json()["title"], title);
    }
    let paths: Vec<String> = boards.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.contains(&"/v1/boards/harbourlight/jobs/4471203".to_string()), "{paths:?}");
    // A company page, through a redirect: its JSON-LD.
    let r = import(format!("{base}/moved")).await;
    assert_eq!(r.json()["created"], 1, "{}", r.text);
    let id = r.json()["rows"][0]["id"].as_str().unwrap().to_string();
    let job = app.get(&format!("/api/jobs/{id}")).await.json();
    assert_eq!(
        (job["company"].as_str(), job["source"].as_str()),
        (Some("Oakbarrow Freight"), Some("json-ld"))
    );

    let refused = [
        (format!("{base}/about"), StatusCode::UNPROCESSABLE_ENTITY, "no JobPosting"),
        (format!("{base}/to-metadata"), StatusCode::UNPROCESSABLE_ENTITY, "169.254.169.254"),
        (format!("{base}/gone"), StatusCode::UNPROCESSABLE_ENTITY, "404"),
        (format!("{base}/huge"), StatusCode::PAYLOAD_TOO_LARGE, "more than 5 MB"),
        (
            "http://10.0.0.1/jobs/1".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "10.0.0.1, which is private",
        ),
        ("ftp://files.example/job".into(), StatusCode::UNPROCESSABLE_ENTITY, "only http and https"),
        (
            "https://jobs.ashbyhq.com/FennwickGrain/00000000-ffff-4bbb-8ccc-000000000000".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "case-sensitive",
        ),
        ("not a link".into(), StatusCode::BAD_REQUEST, "not a URL"),
    ];
    for (link, status, needle) in refused {
        assert_error(&import(link).await, status, needle);
    }
    let r = app.json(Method::POST, "/api/jobs/import", &app.admin, json!({"url": 5})).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "url");
    // Without the allow-list, the same local server is a loopback address and is not fetched.
    let strict = server::fetch::Fetcher::new(Vec::new());
    let err = strict.get(&format!("{base}/careers/obf-77")).await.unwrap_err().to_string();
    assert!(err.contains("loopback"), "{err}");
    assert_eq!(app.get("/api/jobs").await.json()["total"], 4, "nothing else was created");

    // Whole boards, filtered: a Greenhouse board's remote engineering postings, a Lever site.
    let board = |b: Value| {
        let app = &app;
        async move {
            app.json(Method::POST, "/api/jobs/import", &app.admin, json!({ "board": b })).await
        }
    };
    let r = board(
        json!({"kind": "greenhouse", "name": "quaymark", "title": "engineer", "remote": true}),
    )
    .await;
    assert_eq!(r.json()["created"], 1, "{}", r.text);
    let id = r.json()["rows"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.get(&format!("/api/jobs/{id}")).await.json()["title"],
        "Staff Backend Engineer (Remote)"
    );
    let r = board(json!({"kind": "lever", "name": "brindlecove"})).await;
    assert_eq!(r.json()["created"], 2, "{}", r.text);
    let r = board(json!({"kind": "lever", "name": "brindlecove"})).await;
    assert_eq!((r.json()["created"].as_u64(), r.json()["duplicates"].as_u64()), (Some(0), Some(2)));
    assert_error(
        &board(json!({"kind": "ashby", "name": "fennwickgrain"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "case-sensitive",
    );
    assert_error(
        &board(json!({"kind": "workday", "name": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "expected greenhouse, lever or ashby",
    );
    assert_error(&board(json!({"kind": "lever"})).await, StatusCode::UNPROCESSABLE_ENTITY, "name");
    assert_eq!(app.get("/api/jobs").await.json()["total"], 7);
}
