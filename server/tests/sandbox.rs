//! Chromium's own sandbox: on whenever the process is not root and the kernel allows it, off
//! (with the reason in `/api/health`) as root. The non-root case runs a real `jobintel serve`
//! as a user the test creates, renders a PDF through the API and looks at the Chromium
//! processes it started.

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "jobintel-sandbox-test";

fn effective_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// The command lines of the running Chromium processes owned by `uid`.
fn chromium_command_lines(uid: u32) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let path = entry.path();
        // A process may end between the listing and these reads.
        let Ok(meta) = entry.metadata() else { continue };
        let owner = std::os::unix::fs::MetadataExt::uid(&meta);
        let Ok(cmdline) = std::fs::read(path.join("cmdline")) else { continue };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if owner == uid && cmdline.contains("chromium") && cmdline.contains("--headless") {
            lines.push(cmdline);
        }
    }
    lines
}

#[tokio::test]
async fn as_root_chromium_runs_without_its_sandbox_and_says_why() {
    if effective_uid() != 0 {
        // Not root: the other test covers this process's case.
        assert_eq!(server::pdf::sandbox_unavailable(), None);
        return;
    }
    assert!(server::pdf::sandbox_unavailable().unwrap().contains("root"));
    let renderer = server::pdf::Renderer::new(server::pdf::PdfSettings {
        chromium_path: std::env::var("CHROMIUM_PATH")
            .unwrap_or_else(|_| "/usr/bin/chromium".into())
            .into(),
        max_concurrency: 1,
        queue_limit: 1,
        timeout: Duration::from_secs(30),
    });
    assert_eq!(renderer.sandbox(), None, "not launched yet");
    let pdf = renderer.render("<!doctype html><p>hello</p>").await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let (on, why) = renderer.sandbox().expect("launched");
    assert!(!on);
    assert!(why.unwrap().contains("root"));
    let pid = renderer.chromium_pid().unwrap();
    let cmdline = String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap())
        .replace('\0', " ");
    assert!(cmdline.contains("--no-sandbox"), "{cmdline}");
    renderer.restart().await;
}

/// Creates the test user once (needs root); returns its uid.
fn test_user() -> u32 {
    let id = |flag: &str| Command::new("id").args([flag, USER]).output().unwrap();
    if !id("-u").status.success() {
        let made = Command::new("useradd")
            .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER])
            .status()
            .expect("useradd");
        assert!(made.success() || id("-u").status.success(), "create the test user");
    }
    String::from_utf8(id("-u").stdout).unwrap().trim().parse().unwrap()
}

/// `jobintel ARGS` as the test user, in `dir`.
fn as_user(bin: &std::path::Path, dir: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid", USER, "--regid", USER, "--clear-groups", "--"])
        .arg(bin)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("JOBINTEL_DATA_DIR", dir.join("data"))
        .env("LOG_LEVEL", "warn")
        .current_dir(dir);
    if let Ok(path) = std::env::var("CHROMIUM_PATH") {
        cmd.env("CHROMIUM_PATH", path);
    }
    cmd
}

struct Server(Child);

impl Drop for Server {
    /// SIGTERM lets `serve` stop its Chromium; whatever the user still runs after that goes too.
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = Command::new("pkill").args(["-KILL", "-u", USER]).status();
    }
}

#[tokio::test]
async fn as_another_user_chromium_runs_in_its_own_sandbox() {
    if effective_uid() != 0 {
        // Only root can create the user and switch to it; a non-root run is the case itself.
        assert_eq!(server::pdf::sandbox_unavailable(), None);
        return;
    }
    let uid = test_user();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .unwrap();
    // The build lives under /root, which the user cannot enter: give it a path it can.
    let bin = dir.path().join("jobintel");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_jobintel"), &bin).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_jobintel"), &bin).unwrap();
    }
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = as_user(&bin, dir.path(), args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["seed-demo"], "");
    run(
        &["user", "create", "--username", "admin", "--role", "admin", "--password-stdin"],
        "admin-password",
    );
    let token = run(&["token", "issue", "--username", "admin", "--name", "sandbox-test"], "");
    let token = token.trim();

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _server = Server(
        as_user(&bin, dir.path(), &["serve"])
            .env("JOBINTEL_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{base}/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pdf = client
        .post(format!("{base}/api/profile/cv/pdf"))
        .bearer_auth(token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200, "{:?}", pdf.text().await);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let health: Value = client
        .get(format!("{base}/api/health"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["pdf_service"]["sandbox"], true, "{health}");
    assert!(health["pdf_service"].get("detail").is_none(), "{health}");
    let chromium = chromium_command_lines(uid);
    assert!(!chromium.is_empty(), "Chromium runs as the user");
    assert!(chromium.iter().all(|c| !c.contains("--no-sandbox")), "{chromium:#?}");
}
