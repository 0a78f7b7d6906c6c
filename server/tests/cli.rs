//! The `jobintel` binary itself: configuration errors, users, tokens and demo data.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn jobintel(
    data: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jobintel"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("JOBINTEL_DATA_DIR", data)
        .env("LOG_LEVEL", "warn")
        .current_dir(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run jobintel");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn an_invalid_variable_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = jobintel(dir.path(), &["user", "list"], None, &[("LOG_LEVEL", "loud")]);
    assert!(!out.status.success());
    assert!(text(&out).contains("LOG_LEVEL"), "{}", text(&out));
    let out = jobintel(
        dir.path(),
        &["serve"],
        None,
        &[("JOBINTEL_ENV", "production"), ("JWT_SECRET", "changeme")],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("JWT_SECRET"), "{}", text(&out));
}

#[test]
fn users_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = jobintel(
        dir.path(),
        &["user", "create", "--username", "ana", "--role", "viewer", "--password-stdin"],
        Some("a-long-password\n"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = jobintel(
        dir.path(),
        &["user", "create", "--username", "ana", "--role", "admin", "--password-stdin"],
        Some("another-password"),
        &[],
    );
    assert!(!out.status.success() && text(&out).contains("already exists"), "{}", text(&out));
    let out = jobintel(
        dir.path(),
        &["user", "create", "--username", "bob", "--role", "admin"],
        None,
        &[],
    );
    assert!(!out.status.success() && text(&out).contains("--password-stdin"), "{}", text(&out));
    let out = jobintel(dir.path(), &["user", "list"], None, &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ana\tviewer\n");
    let out = jobintel(
        dir.path(),
        &["user", "set-password", "--username", "ana", "--password-stdin"],
        Some("short"),
        &[],
    );
    assert!(!out.status.success() && text(&out).contains("at least 8"), "{}", text(&out));

    let out =
        jobintel(dir.path(), &["token", "issue", "--username", "ana", "--ttl", "2h"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let out = jobintel(dir.path(), &["token", "issue", "--username", "nobody"], None, &[]);
    assert!(!out.status.success() && text(&out).contains("nobody"), "{}", text(&out));
    assert!(
        dir.path().join("jwt_secret").exists(),
        "development secret kept in the data directory"
    );
}

/// The services of the data directory the CLI used, to check what a token is worth there.
async fn services_of(dir: &std::path::Path) -> server::services::SharedServices {
    let mut config = server::config::Config::from_lookup(|_| None).unwrap();
    config.data_dir = dir.to_path_buf();
    server::startup::services(config).await.unwrap()
}

fn issue(dir: &std::path::Path, username: &str, name: &str) -> (String, String) {
    let out = jobintel(dir, &["token", "issue", "--username", username, "--name", name], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let id = String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .nth(1)
        .expect("`token ID (name) for user` on stderr")
        .to_string();
    (String::from_utf8_lossy(&out.stdout).trim().to_string(), id)
}

#[tokio::test]
async fn cli_tokens_are_listed_revoked_by_id_and_end_with_their_user() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ana", "bob"] {
        let out = jobintel(
            dir.path(),
            &["user", "create", "--username", name, "--role", "admin", "--password-stdin"],
            Some("a-long-password"),
            &[],
        );
        assert!(out.status.success(), "{}", text(&out));
    }
    let (deploy, deploy_id) = issue(dir.path(), "ana", "deploy");
    let (backup, _) = issue(dir.path(), "ana", "backup job");
    let (bo, _) = issue(dir.path(), "bob", "cli");
    let bad =
        jobintel(dir.path(), &["token", "issue", "--username", "ana", "--name", "<x>"], None, &[]);
    assert!(!bad.status.success() && text(&bad).contains("token name"), "{}", text(&bad));

    let list = jobintel(dir.path(), &["token", "list", "--username", "ana"], None, &[]);
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    let names: Vec<&str> = listed.lines().map(|l| l.split('\t').nth(2).unwrap()).collect();
    assert_eq!(names, ["backup job", "deploy"], "{listed}");

    let services = services_of(dir.path()).await;
    let user = services.authenticate(&deploy).await.expect("a live token");
    assert_eq!(user.actor(), "ana (token deploy)", "the audit log names the token");

    let out = jobintel(dir.path(), &["token", "revoke", &deploy_id], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let again = jobintel(dir.path(), &["token", "revoke", &deploy_id], None, &[]);
    assert!(!again.status.success() && text(&again).contains("already ended"), "{}", text(&again));
    let services = services_of(dir.path()).await;
    assert!(services.authenticate(&deploy).await.is_err(), "revoked by id");
    assert!(services.authenticate(&backup).await.is_ok(), "the other token lives");

    let out = jobintel(dir.path(), &["user", "revoke", "--username", "ana"], None, &[]);
    assert!(out.status.success() && text(&out).contains("ended 1 sessions"), "{}", text(&out));
    let services = services_of(dir.path()).await;
    assert!(services.authenticate(&backup).await.is_err(), "user revoke ends the rest");
    assert!(services.authenticate(&bo).await.is_ok(), "another user's token is untouched");

    let out = jobintel(
        dir.path(),
        &["user", "set-role", "--username", "bob", "--role", "viewer"],
        None,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let services = services_of(dir.path()).await;
    assert!(services.authenticate(&bo).await.is_err(), "a role change ends sessions");
    let (bo, _) = issue(dir.path(), "bob", "cli");
    assert_eq!(services.authenticate(&bo).await.unwrap().role, app::model::Role::Viewer);
    let out = jobintel(dir.path(), &["user", "disable", "--username", "bob"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let services = services_of(dir.path()).await;
    assert!(services.authenticate(&bo).await.is_err(), "disabled");
    let refused = jobintel(dir.path(), &["token", "issue", "--username", "bob"], None, &[]);
    assert!(!refused.status.success() && text(&refused).contains("disabled"), "{}", text(&refused));
    let out = jobintel(dir.path(), &["user", "enable", "--username", "bob"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    issue(dir.path(), "bob", "cli");
    let audit: Vec<String> = services
        .audit_log(&app::model::UserInfo::new("ana", app::model::Role::Admin), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["token.issue", "session.revoke", "user.revoke", "user.set_role", "user.disable"]
    {
        assert!(audit.iter().any(|a| a == action), "{action} audited: {audit:?}");
    }
}

#[test]
fn seed_demo_is_idempotent_and_respects_if_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = jobintel(dir.path(), &["seed-demo", "--if-empty"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let first = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        first.contains("13 jobs")
            && first.contains("9 STAR records")
            && first.contains("demo login"),
        "{first}"
    );
    let again = jobintel(dir.path(), &["seed-demo"], None, &[]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 jobs, 0 STAR records"),
        "{}",
        text(&again)
    );
    let skipped = jobintel(dir.path(), &["seed-demo", "--if-empty"], None, &[]);
    assert!(String::from_utf8_lossy(&skipped.stdout).contains("0 jobs"), "{}", text(&skipped));
}

#[test]
fn runbook_admin_commands_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = jobintel(dir.path(), &["admin", "pause"], None, &[]);
    assert!(out.status.success() && text(&out).contains("paused"), "{}", text(&out));
    let out = jobintel(dir.path(), &["admin", "resume"], None, &[]);
    assert!(out.status.success() && text(&out).contains("resumed"), "{}", text(&out));
    let out = jobintel(dir.path(), &["admin", "clear-stuck", "--older-than", "30m"], None, &[]);
    assert!(out.status.success() && text(&out).contains("cleared 0 stuck runs"), "{}", text(&out));
    let out = jobintel(dir.path(), &["admin", "rerun-failed", "--since", "24h"], None, &[]);
    assert!(out.status.success() && text(&out).contains("queued 0 retries"), "{}", text(&out));
    let out = jobintel(dir.path(), &["admin", "clear-stuck", "--older-than", "soon"], None, &[]);
    assert!(!out.status.success() && text(&out).contains("soon"), "{}", text(&out));
    let out = jobintel(
        dir.path(),
        &["admin", "clear-company-cache", "--company", "Acme Corp"],
        None,
        &[],
    );
    assert!(out.status.success() && text(&out).contains("deleted 0"), "{}", text(&out));
    let key = [("FIRECRAWL_API_KEY", "fc-test")];
    let out = jobintel(dir.path(), &["admin", "firecrawl", "disable"], None, &key);
    assert!(out.status.success() && text(&out).contains("firecrawl disabled"), "{}", text(&out));
    let out = jobintel(dir.path(), &["admin", "firecrawl", "enable"], None, &[]);
    assert!(!out.status.success() && text(&out).contains("FIRECRAWL_API_KEY"), "{}", text(&out));
}

#[test]
fn restart_pdf_asks_the_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    // No admin yet: a clear error before any request.
    let out = jobintel(dir.path(), &["admin", "restart-pdf", "--url", &url], None, &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("no admin user"), "{}", text(&out));
    let out = jobintel(
        dir.path(),
        &["user", "create", "--username", "root", "--role", "admin", "--password-stdin"],
        Some("a-long-password\n"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    // Nothing listens yet: the error names the server.
    let out = jobintel(dir.path(), &["admin", "restart-pdf", "--url", &url], None, &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("cannot reach the server"), "{}", text(&out));

    let addr = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_jobintel"))
        .arg("serve")
        .env("JOBINTEL_DATA_DIR", dir.path())
        .env("JOBINTEL_ADDR", &addr)
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jobintel serve");
    let up = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::net::TcpStream::connect(&addr).is_ok()
    });
    // The default address is JOBINTEL_ADDR's.
    let out = jobintel(dir.path(), &["admin", "restart-pdf"], None, &[("JOBINTEL_ADDR", &addr)]);
    let _ = server.kill();
    let _ = server.wait();
    assert!(up, "the server started");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("PDF renderer restarted"));
}

#[test]
fn postings_import_from_files_and_standard_input_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = format!("{}/tests/fixtures/postings", env!("CARGO_MANIFEST_DIR"));
    let board = format!("{fixtures}/greenhouse-board.json");
    let out = jobintel(dir.path(), &["import", &board], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let lines: Vec<String> =
        String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.contains("\tcreated\t")), "{lines:?}");
    let again = jobintel(dir.path(), &["import", &board], None, &[]);
    assert_eq!(String::from_utf8_lossy(&again.stdout).matches("\tduplicate\t").count(), 2);
    let page = std::fs::read_to_string(format!("{fixtures}/page-jsonld-graph.html")).unwrap();
    let piped = jobintel(dir.path(), &["import", "-"], Some(&page), &[]);
    assert!(String::from_utf8_lossy(&piped.stdout).starts_with("1\tcreated\t"), "{}", text(&piped));
    // A link to this machine is refused: no allow-list here.
    let local = jobintel(dir.path(), &["import", "http://127.0.0.1:9/job"], None, &[]);
    assert!(!local.status.success());
    assert!(text(&local).contains("loopback"), "{}", text(&local));
    let bad = jobintel(dir.path(), &["import", "board", "greenhouse"], None, &[]);
    assert!(!bad.status.success() && text(&bad).contains("KIND:NAME"), "{}", text(&bad));
}
