//! The operations runbook's Python snippets, run unchanged (pymongo) against data jobintel
//! wrote to MongoDB; then jobintel reads back what Python changed.

mod support;

use app::model::*;
use chrono::Duration;
use server::store::*;
use std::process::Command;

/// The runbook imports `from src.common.database import Database`; this shim provides it.
const DATABASE_SHIM: &str = r#"
import os
from pymongo import MongoClient

class Database:
    def __init__(self):
        self.db = MongoClient(os.environ["MONGODB_URI"])[os.environ["MONGODB_DB"]]
        self.jobs = self.db.jobs
        self.pipeline_runs = self.db.pipeline_runs
        self.star_records = self.db.star_records
        self.company_cache = self.db.company_cache
"#;

/// Verbatim from operations-runbook.md: collection counts, "Clear Stuck Jobs",
/// "Contacts not found" (cache lookup) and "Clear Company Cache" (one company).
const RUNBOOK_SNIPPETS: &str = r#"
from src.common.database import Database
db = Database()
print('Jobs:', db.jobs.count_documents({}))
print('Pipeline Runs:', db.pipeline_runs.count_documents({}))
print('STAR Records:', db.star_records.count_documents({}))

from src.common.database import Database
from datetime import datetime, timedelta

db = Database()

# Find stuck processing jobs (>30 min)
stuck_threshold = datetime.utcnow() - timedelta(minutes=30)
stuck = db.jobs.find({
    "status": "processing",
    "updated_at": {"$lt": stuck_threshold}
})

# Update to failed
for job in stuck:
    db.jobs.update_one(
        {"_id": job["_id"]},
        {"$set": {"status": "failed", "error": "Stuck processing - manual reset"}}
    )

from src.common.database import Database
db = Database()
cache = db.company_cache.find_one({'company': 'CompanyName'})
print(cache)

from src.common.database import Database

db = Database()

# Clear specific company
db.company_cache.delete_many({"company": "Company Name"})
"#;

#[tokio::test]
async fn runbook_python_snippets_work_on_jobintel_data() {
    let (store, db) = support::mongo_store().await;
    let at = |hours: i64| now() - Duration::hours(hours);
    let mk = |title: &str, status: JobStatus, updated: chrono::DateTime<chrono::Utc>| Job {
        id: new_id(),
        title: title.into(),
        company: "Acme".into(),
        location: "Berlin".into(),
        remote_policy: RemotePolicy::Onsite,
        url: None,
        description: String::new(),
        source: "test".into(),
        status,
        error: None,
        application: Application::new(updated),
        notes: String::new(),
        score: None,
        tags: vec![],
        dedupe_key: format!("acme|{title}|berlin"),
        created_at: updated,
        updated_at: updated,
    };
    let stuck = mk("Stuck", JobStatus::Processing, at(2));
    let fresh = mk("Fresh", JobStatus::Processing, now());
    let done = mk("Done", JobStatus::Ready, at(5));
    for j in [&stuck, &fresh, &done] {
        store.insert_job(j).await.unwrap();
    }
    for (name, research) in [("Company Name", "to clear"), ("CompanyName", "kept")] {
        store
            .put_company(&CompanyCacheEntry {
                company: name.into(),
                research: app::outputs::Company {
                    company: "cached".into(),
                    summary: research.into(),
                    signals: vec![],
                    source: "web".into(),
                    blocked: vec![],
                },
                cached_at: now(),
            })
            .await
            .unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src/common")).unwrap();
    std::fs::write(dir.path().join("src/__init__.py"), "").unwrap();
    std::fs::write(dir.path().join("src/common/__init__.py"), "").unwrap();
    std::fs::write(dir.path().join("src/common/database.py"), DATABASE_SHIM).unwrap();
    std::fs::write(dir.path().join("runbook.py"), RUNBOOK_SNIPPETS).unwrap();
    let out = Command::new(support::python_path())
        .arg("-W")
        .arg("ignore")
        .arg("runbook.py")
        .current_dir(dir.path())
        .env("MONGODB_URI", support::mongo_uri())
        .env("MONGODB_DB", &db)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "runbook snippets failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Jobs: 3"), "{stdout}");
    assert!(stdout.contains("'summary': 'kept'"), "cache lookup by company: {stdout}");

    // jobintel reads back what the runbook changed.
    let after = store.get_job(&stuck.id).await.unwrap().unwrap();
    assert_eq!(after.status, JobStatus::Failed);
    assert_eq!(after.error.as_deref(), Some("Stuck processing - manual reset"));
    assert_eq!(store.get_job(&fresh.id).await.unwrap().unwrap().status, JobStatus::Processing);
    assert_eq!(store.get_job(&done.id).await.unwrap().unwrap().status, JobStatus::Ready);
    assert_eq!(store.get_company("Company Name").await.unwrap(), None);
    assert!(store.get_company("CompanyName").await.unwrap().is_some());
}
