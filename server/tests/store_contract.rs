//! One contract for the `Store`, run against both backends: every test below runs once on
//! SQLite and once on the MongoDB-wire server.

mod support;

use app::model::*;
use chrono::{Duration, Utc};
use server::store::*;

fn job(
    title: &str,
    company: &str,
    location: &str,
    status: JobStatus,
    hours_ago: i64,
    score: Option<u8>,
) -> Job {
    let at = now() - Duration::hours(hours_ago);
    Job {
        id: new_id(),
        title: title.into(),
        company: company.into(),
        location: location.into(),
        remote_policy: RemotePolicy::Hybrid,
        url: Some("https://example.org/job".into()),
        description: "Build things.\n- with <b>care</b>".into(),
        source: "test".into(),
        status,
        error: (status == JobStatus::Failed).then(|| "boom".into()),
        application: Application::new(at),
        notes: String::new(),
        score,
        tags: vec!["a".into(), "b".into()],
        dedupe_key: format!("{company}|{title}|{location}").to_lowercase(),
        created_at: at,
        updated_at: at,
    }
}

fn queued_run(id: &str, job_id: &str, max_attempts: u32, at: chrono::DateTime<Utc>) -> PipelineRun {
    PipelineRun::queued(id.into(), job_id.into(), app::model::TierChoice::Auto, max_attempts, at)
}

fn query(pairs: &[(&str, &str)]) -> JobQuery {
    JobQuery::from_pairs(pairs.iter().copied()).expect("valid query")
}

async fn titles(store: &dyn Store, pairs: &[(&str, &str)]) -> Vec<String> {
    store.list_jobs(&query(pairs)).await.unwrap().items.into_iter().map(|j| j.title).collect()
}

/// A small, varied data set for the list tests.
async fn seed(store: &dyn Store) {
    for j in [
        job("Rust Engineer", "Acme", "Berlin", JobStatus::New, 1, Some(90)),
        job("C++ (Senior) Developer", "Globex", "Remote", JobStatus::Ready, 5, Some(75)),
        job("Data Engineer", "Initech", "Berlin", JobStatus::Failed, 30, None),
        job("100% Remote SRE", "Umbrella", "Remote (EU)", JobStatus::New, 50, Some(60)),
        job("Platform Engineer", "Acme", "Munich", JobStatus::Archived, 100, Some(40)),
        job("Backend Engineer", "Hooli", "London", JobStatus::Queued, 200, Some(85)),
    ] {
        store.insert_job(&j).await.unwrap();
    }
}

mod contract {
    use super::*;

    pub async fn job_round_trips_exactly(store: &dyn Store) {
        let mut j = job("Rust Engineer", "Acme", "Berlin", JobStatus::New, 0, Some(80));
        j.application.move_to(ApplicationStage::Applied, now());
        store.insert_job(&j).await.unwrap();
        assert_eq!(store.get_job(&j.id).await.unwrap(), Some(j.clone()));

        j.status = JobStatus::Failed;
        j.error = Some("timeout".into());
        j.score = None;
        j.updated_at = now();
        assert!(store.replace_job(&j).await.unwrap());
        assert_eq!(store.get_job(&j.id).await.unwrap(), Some(j.clone()));

        assert!(store.delete_job(&j.id).await.unwrap());
        assert_eq!(store.get_job(&j.id).await.unwrap(), None);
        assert!(!store.delete_job(&j.id).await.unwrap());
        assert!(!store.replace_job(&j).await.unwrap());
    }

    pub async fn duplicate_dedupe_key_names_the_existing_job(store: &dyn Store) {
        let first = job("Rust Engineer", "Acme", "Berlin", JobStatus::New, 0, None);
        store.insert_job(&first).await.unwrap();
        let mut again = job("Rust Engineer", "Acme", "Berlin", JobStatus::New, 0, None);
        again.dedupe_key = first.dedupe_key.clone();
        match store.insert_job(&again).await {
            Err(StoreError::Duplicate { existing_id, .. }) => {
                assert_eq!(existing_id, Some(first.id))
            }
            other => panic!("expected Duplicate, got {other:?}"),
        }
        assert_eq!(store.list_jobs(&JobQuery::default()).await.unwrap().total, 1);
    }

    pub async fn list_filters_by_status_date_location_and_score(store: &dyn Store) {
        seed(store).await;
        assert_eq!(
            titles(store, &[("status", "new"), ("sort", "created_at"), ("order", "desc")]).await,
            ["Rust Engineer", "100% Remote SRE"]
        );
        let two = titles(store, &[("status", "ready"), ("status", "failed")]).await;
        assert_eq!(two.len(), 2);
        let from = (Utc::now() - Duration::hours(60)).to_rfc3339();
        let to = (Utc::now() - Duration::hours(2)).to_rfc3339();
        assert_eq!(
            titles(store, &[("created_from", &from), ("created_to", &to), ("order", "asc")]).await,
            ["100% Remote SRE", "Data Engineer", "C++ (Senior) Developer"]
        );
        assert_eq!(
            titles(store, &[("location", "berlin"), ("order", "asc")]).await,
            ["Data Engineer", "Rust Engineer"]
        );
        assert_eq!(
            titles(store, &[("min_score", "80"), ("sort", "score"), ("order", "desc")]).await,
            ["Rust Engineer", "Backend Engineer"]
        );
    }

    pub async fn search_text_is_literal_and_case_insensitive(store: &dyn Store) {
        seed(store).await;
        assert_eq!(titles(store, &[("q", "c++ (senior)")]).await, ["C++ (Senior) Developer"]);
        assert_eq!(titles(store, &[("q", "100%")]).await, ["100% Remote SRE"]);
        assert_eq!(
            titles(store, &[("q", "ACME"), ("order", "asc")]).await,
            ["Platform Engineer", "Rust Engineer"]
        );
        // Pattern and operator syntax match only itself, never "everything".
        for probe in [".*", "%%", "_", "{\"$ne\": null}", "^R", "[a-z]+", "\\"] {
            assert!(
                titles(store, &[("q", probe)]).await.is_empty(),
                "q={probe} must match literally"
            );
        }
    }

    pub async fn list_sorts_and_pages_with_a_stable_total(store: &dyn Store) {
        seed(store).await;
        let page1 = store
            .list_jobs(&query(&[("limit", "4"), ("sort", "created_at"), ("order", "asc")]))
            .await
            .unwrap();
        let page2 = store
            .list_jobs(&query(&[
                ("limit", "4"),
                ("page", "2"),
                ("sort", "created_at"),
                ("order", "asc"),
            ]))
            .await
            .unwrap();
        assert_eq!((page1.total, page2.total), (6, 6));
        assert_eq!(page1.items.len(), 4);
        assert_eq!(page2.items.len(), 2);
        assert_eq!(page1.items[0].title, "Backend Engineer");
        assert_eq!(page2.items[1].title, "Rust Engineer");
        let by_title = titles(store, &[("sort", "title"), ("order", "asc"), ("limit", "2")]).await;
        assert_eq!(by_title, ["100% Remote SRE", "Backend Engineer"]);
        let empty = store.list_jobs(&query(&[("page", "9")])).await.unwrap();
        assert!(empty.items.is_empty());
        assert_eq!(empty.total, 6);
    }

    pub async fn status_counts_include_zeroes(store: &dyn Store) {
        seed(store).await;
        let counts = store.count_jobs_by_status().await.unwrap();
        let of = |s: JobStatus| counts.iter().find(|c| c.status == s).map(|c| c.count);
        assert_eq!(counts.len(), JobStatus::ALL.len());
        assert_eq!(of(JobStatus::New), Some(2));
        assert_eq!(of(JobStatus::Processing), Some(0));
        assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 6);
    }

    pub async fn runs_filter_by_status_and_job_newest_first(store: &dyn Store) {
        for (i, (job_id, status)) in
            [("j1", RunStatus::Failed), ("j1", RunStatus::Completed), ("j2", RunStatus::Failed)]
                .into_iter()
                .enumerate()
        {
            let mut run =
                queued_run(&format!("run{i}"), job_id, 3, now() - Duration::minutes(10 - i as i64));
            run.status = status;
            store.insert_run(&run).await.unwrap();
        }
        let f = |status: Option<RunStatus>, job: Option<&str>, limit| RunQuery {
            status,
            job_id: job.map(Into::into),
            limit,
            ..Default::default()
        };
        let ids = |runs: Vec<PipelineRun>| runs.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.list_runs(&f(None, None, 10)).await.unwrap()),
            ["run2", "run1", "run0"]
        );
        assert_eq!(
            ids(store.list_runs(&f(Some(RunStatus::Failed), None, 10)).await.unwrap()),
            ["run2", "run0"]
        );
        assert_eq!(ids(store.list_runs(&f(None, Some("j1"), 1)).await.unwrap()), ["run1"]);
        let jobs = ["j1".to_string(), "j2".to_string(), "never-run".to_string()];
        let mut latest = ids(store.latest_runs(&jobs).await.unwrap());
        latest.sort();
        assert_eq!(latest, ["run1", "run2"], "the newest run of each job that has one");
        // Created 10, 9 and 8 minutes ago: a window around the middle one finds only it.
        let window = RunQuery {
            created_from: Some(now() - Duration::seconds(9 * 60 + 30)),
            created_to: Some(now() - Duration::seconds(8 * 60 + 30)),
            ..f(None, None, 10)
        };
        assert_eq!(ids(store.list_runs(&window).await.unwrap()), ["run1"]);
    }

    pub async fn a_job_has_at_most_one_active_run(store: &dyn Store) {
        let t = now();
        store.insert_run(&queued_run("r1", "job", 3, t)).await.unwrap();
        match store.insert_run(&queued_run("r2", "job", 3, t)).await {
            Err(StoreError::Duplicate { existing_id, .. }) => {
                assert_eq!(existing_id.as_deref(), Some("r1"))
            }
            other => panic!("expected Duplicate, got {other:?}"),
        }
        store.insert_run(&queued_run("other", "another-job", 3, t)).await.unwrap();
        let cancelled = store.cancel_run("r1", t).await.unwrap().unwrap();
        assert_eq!(cancelled.status, RunStatus::Cancelled);
        store.insert_run(&queued_run("r2", "job", 3, t)).await.unwrap();
        assert_eq!(store.get_run("r2").await.unwrap().unwrap().status, RunStatus::Queued);
    }

    pub async fn concurrent_workers_never_claim_the_same_run(store: &dyn Store) {
        let t = now();
        for i in 0..4 {
            store
                .insert_run(&queued_run(
                    &format!("r{i}"),
                    &format!("job{i}"),
                    3,
                    t - Duration::seconds(10 - i),
                ))
                .await
                .unwrap();
        }
        let lease = Duration::minutes(1);
        let claims =
            futures_util::future::join_all((0..10).map(|w| async move {
                store.claim_run(&format!("w{w}"), t, lease).await.unwrap()
            }))
            .await;
        let mut won: Vec<(String, String)> =
            claims.into_iter().flatten().map(|r| (r.id, r.worker_id.unwrap_or_default())).collect();
        won.sort();
        assert_eq!(
            won.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
            ["r0", "r1", "r2", "r3"],
            "each run exactly once"
        );
        for (id, worker) in &won {
            let stored = store.get_run(id).await.unwrap().unwrap();
            assert_eq!(stored.status, RunStatus::Processing);
            assert_eq!(
                stored.worker_id.as_deref(),
                Some(worker.as_str()),
                "stored owner is the winner"
            );
            assert_eq!(stored.attempt, 1);
        }
        assert!(store.claim_run("late", t, lease).await.unwrap().is_none());
    }

    pub async fn oldest_claimable_run_goes_first(store: &dyn Store) {
        let t = now();
        store.insert_run(&queued_run("newer", "a", 3, t)).await.unwrap();
        let mut later = queued_run("older-but-waiting", "b", 3, t - Duration::minutes(5));
        later.available_at = t + Duration::minutes(1);
        store.insert_run(&later).await.unwrap();
        store.insert_run(&queued_run("oldest", "c", 3, t - Duration::minutes(1))).await.unwrap();
        let lease = Duration::minutes(1);
        assert_eq!(store.claim_run("w", t, lease).await.unwrap().unwrap().id, "oldest");
        assert_eq!(store.claim_run("w", t, lease).await.unwrap().unwrap().id, "newer");
        assert!(store.claim_run("w", t, lease).await.unwrap().is_none(), "backoff not over yet");
        assert_eq!(
            store.claim_run("w", t + Duration::minutes(2), lease).await.unwrap().unwrap().id,
            "older-but-waiting"
        );
    }

    pub async fn expired_lease_requeues_then_fails_after_max_attempts(store: &dyn Store) {
        let t0 = now();
        let (lease, backoff) = (Duration::minutes(1), Duration::seconds(30));
        store.insert_run(&queued_run("r", "job", 2, t0)).await.unwrap();
        store.claim_run("crashed", t0, lease).await.unwrap().unwrap();
        assert!(
            store.expire_leases(t0 + Duration::seconds(30), backoff).await.unwrap().is_empty(),
            "lease still valid"
        );

        let t1 = t0 + Duration::minutes(2);
        let requeued = store.expire_leases(t1, backoff).await.unwrap();
        assert_eq!(requeued.len(), 1);
        let r = store.get_run("r").await.unwrap().unwrap();
        assert_eq!((r.status, r.worker_id.clone(), r.attempt), (RunStatus::Queued, None, 1));
        assert_eq!(r.available_at, t1 + backoff);
        assert!(r.error.as_deref().unwrap_or_default().contains("lease expired"));
        assert!(
            !store.renew_lease("r", "crashed", t1 + lease).await.unwrap(),
            "the crashed worker lost it"
        );
        assert!(store.claim_run("w2", t1, lease).await.unwrap().is_none(), "backoff first");

        let t2 = t1 + Duration::minutes(1);
        let second = store.claim_run("w2", t2, lease).await.unwrap().unwrap();
        assert_eq!(second.attempt, 2);
        let failed = store.expire_leases(t2 + Duration::minutes(2), backoff).await.unwrap();
        assert_eq!(failed[0].status, RunStatus::Failed);
        let r = store.get_run("r").await.unwrap().unwrap();
        assert_eq!(r.status, RunStatus::Failed);
        assert!(r.error.unwrap().contains("last of 2 attempts"));
        assert!(r.finished_at.is_some());
        store.insert_run(&queued_run("r-again", "job", 2, t2)).await.unwrap();
    }

    pub async fn only_the_lease_holder_renews_and_saves(store: &dyn Store) {
        let t = now();
        store.insert_run(&queued_run("r", "job", 3, t)).await.unwrap();
        let mut run = store.claim_run("w1", t, Duration::minutes(1)).await.unwrap().unwrap();
        assert!(!store.renew_lease("r", "w2", t + Duration::minutes(5)).await.unwrap());
        assert!(store.renew_lease("r", "w1", t + Duration::minutes(5)).await.unwrap());
        assert_eq!(
            store.get_run("r").await.unwrap().unwrap().lease_until,
            Some(t + Duration::minutes(5))
        );

        run.layers.push(LayerRun {
            started_at: Some(t),
            finished_at: Some(t + Duration::milliseconds(40)),
            duration_ms: Some(40),
            provider: Some("offline".into()),
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
            output: Some(serde_json::json!({"title": "Engineer", "started_at": "not a date"})),
            error: None,
            log: vec!["extracted 12 keywords".into()],
            model: Some("gpt-6-luna".into()),
            fallbacks: vec!["anthropic: circuit open".into()],
            ..LayerRun::new(LayerName::JdExtraction, LayerStatus::Completed)
        });
        assert!(!store.save_run(&run, "w2").await.unwrap(), "not the holder");
        assert!(store.save_run(&run, "w1").await.unwrap());
        assert_eq!(store.get_run("r").await.unwrap().unwrap().layers, run.layers);

        run.status = RunStatus::Completed;
        run.worker_id = None;
        run.lease_until = None;
        run.finished_at = Some(t);
        assert!(store.save_run(&run, "w1").await.unwrap());
        assert_eq!(store.get_run("r").await.unwrap().unwrap(), run);
        assert!(!store.renew_lease("r", "w1", t).await.unwrap(), "finished runs hold no lease");
        assert!(!store.save_run(&run, "w1").await.unwrap());
        store.insert_run(&queued_run("next", "job", 3, t)).await.unwrap();
    }

    pub async fn cancel_stops_queued_and_processing_runs_only(store: &dyn Store) {
        let t = now();
        store.insert_run(&queued_run("q", "a", 3, t)).await.unwrap();
        store.insert_run(&queued_run("p", "b", 3, t + Duration::seconds(1))).await.unwrap();
        assert_eq!(
            store
                .claim_run("w", t + Duration::seconds(2), Duration::minutes(1))
                .await
                .unwrap()
                .unwrap()
                .id,
            "q"
        );
        store.cancel_run("p", t).await.unwrap();
        let q = store.cancel_run("q", t).await.unwrap().unwrap();
        assert_eq!((q.status, q.worker_id, q.lease_until), (RunStatus::Cancelled, None, None));
        assert!(!store.renew_lease("q", "w", t).await.unwrap(), "the worker sees it was cancelled");
        let again = store.cancel_run("q", t + Duration::seconds(5)).await.unwrap().unwrap();
        assert_eq!(again.finished_at, Some(t), "a finished run is returned unchanged");
        assert!(store.cancel_run("missing", t).await.unwrap().is_none());
        assert!(
            store
                .claim_run("w", t + Duration::minutes(1), Duration::minutes(1))
                .await
                .unwrap()
                .is_none()
        );
    }

    pub async fn stars_are_created_listed_in_order_replaced_and_deleted(store: &dyn Store) {
        let star = |id: &str, mins_ago: i64| StarRecord {
            id: id.into(),
            title: format!("Star {id}"),
            company: "Acme".into(),
            role: "Engineer".into(),
            situation: "s".into(),
            task: "t".into(),
            actions: vec!["a1".into(), "a2".into()],
            results: vec!["r".into()],
            metrics: vec![],
            skills: vec!["Rust".into()],
            tags: vec![],
            created_at: now() - Duration::minutes(mins_ago),
            updated_at: now(),
        };
        store.put_star(&star("b", 1)).await.unwrap();
        store.put_star(&star("a", 5)).await.unwrap();
        let mut b = star("b", 1);
        b.title = "Changed".into();
        store.put_star(&b).await.unwrap();
        let list = store.list_stars().await.unwrap();
        assert_eq!(list.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(store.get_star("b").await.unwrap(), Some(b));
        assert!(store.delete_star("a").await.unwrap());
        assert!(!store.delete_star("a").await.unwrap());
        assert_eq!(store.get_star("a").await.unwrap(), None);
    }

    pub async fn profile_is_stored_whole(store: &dyn Store) {
        assert_eq!(store.get_profile().await.unwrap(), None);
        let resume = serde_json::json!({
            "basics": {"name": "Åsa Öberg", "location": {"countryCode": "SE", "region": "Skåne"},
                       "profiles": [{"network": "Mastodon", "username": "asa"}]},
            "work": [{"name": "X", "highlights": ["a", "b"], "x-team-size": 7}],
            "education": [],
            "projects": [{"name": "p", "highlights": ["h"]}],
            "meta": {"version": "v1.0.0"}
        });
        let p =
            Profile { resume: serde_json::from_value(resume.clone()).unwrap(), updated_at: now() };
        store.put_profile(&p).await.unwrap();
        let stored = store.get_profile().await.unwrap().unwrap();
        assert_eq!(stored, p);
        assert_eq!(serde_json::to_value(&stored.resume).unwrap(), resume, "unknown fields kept");
        let p2 = Profile { resume: app::resume::Resume::empty(), updated_at: now() };
        store.put_profile(&p2).await.unwrap();
        assert_eq!(store.get_profile().await.unwrap(), Some(p2));
    }

    pub async fn company_cache_expires_and_clears(store: &dyn Store) {
        let entry = |name: &str, age_days: i64| CompanyCacheEntry {
            company: name.into(),
            research: app::outputs::Company {
                company: "cached".into(),
                summary: format!("About {name}"),
                signals: vec![],
                source: "web".into(),
                blocked: vec![],
            },
            cached_at: now() - Duration::days(age_days),
        };
        let acme = entry("Acme Corp", 1);
        store.put_company(&acme).await.unwrap();
        store.put_company(&entry("Old Co", 8)).await.unwrap();
        store.put_company(&entry("Third", 0)).await.unwrap();
        assert_eq!(
            store.get_company("  ACME   corp").await.unwrap(),
            Some(acme),
            "matched by normalised key"
        );
        assert_eq!(store.get_company("old co").await.unwrap(), None, "older than the TTL");
        let ttl = Duration::seconds(COMPANY_CACHE_TTL_SECONDS);
        assert_eq!(store.purge_companies(now() - ttl).await.unwrap(), 1, "the expired entry goes");
        assert_eq!(store.purge_companies(now() - ttl).await.unwrap(), 0);
        assert_eq!(store.delete_companies(Some("acme corp")).await.unwrap(), 1);
        assert_eq!(store.get_company("acme corp").await.unwrap(), None);
        assert!(store.get_company("third").await.unwrap().is_some());
        assert!(store.delete_companies(None).await.unwrap() >= 1);
        assert_eq!(store.get_company("third").await.unwrap(), None);
    }

    pub async fn users_are_unique_by_name(store: &dyn Store) {
        let user = |name: &str, role: Role| User {
            id: new_id(),
            username: name.into(),
            role,
            password_hash: PasswordHash("$argon2id$fake".into()),
            disabled: false,
            created_at: now(),
            updated_at: now(),
        };
        let alice = user("alice", Role::Admin);
        store.insert_user(&alice).await.unwrap();
        store.insert_user(&user("bob", Role::Viewer)).await.unwrap();
        assert!(matches!(
            store.insert_user(&user("alice", Role::Viewer)).await,
            Err(StoreError::Duplicate { .. })
        ));
        assert_eq!(store.get_user("alice").await.unwrap(), Some(alice));
        assert_eq!(store.get_user("nobody").await.unwrap(), None);
        let names: Vec<_> =
            store.list_users().await.unwrap().into_iter().map(|u| u.username).collect();
        assert_eq!(names, ["alice", "bob"]);
        assert!(store.set_password_hash("bob", &PasswordHash("$new".into())).await.unwrap());
        assert_eq!(
            store.get_user("bob").await.unwrap().unwrap().password_hash,
            PasswordHash("$new".into())
        );
        assert!(!store.set_password_hash("nobody", &PasswordHash("$x".into())).await.unwrap());
        assert!(store.set_role("bob", Role::Admin).await.unwrap());
        assert!(store.set_disabled("bob", true).await.unwrap());
        let bob = store.get_user("bob").await.unwrap().unwrap();
        assert_eq!((bob.role, bob.disabled), (Role::Admin, true));
        assert!(store.set_disabled("bob", false).await.unwrap());
        assert!(!store.get_user("bob").await.unwrap().unwrap().disabled);
        assert!(!store.set_role("nobody", Role::Admin).await.unwrap());
        assert!(!store.set_disabled("nobody", true).await.unwrap());
    }

    pub async fn sessions_are_listed_while_live_and_revoked_one_or_all(store: &dyn Store) {
        let t0 = now();
        let session = |id: &str, user: &str, kind: SessionKind, minutes: i64| Session {
            id: id.into(),
            username: user.into(),
            kind,
            name: if kind == SessionKind::Token { "deploy".into() } else { String::new() },
            client: "127.0.0.1".into(),
            created_at: t0 + Duration::seconds(id.len() as i64),
            expires_at: t0 + Duration::minutes(minutes),
            revoked_at: None,
        };
        let a = session("a", "ana", SessionKind::SignIn, 60);
        let b = session("bb", "ana", SessionKind::Token, 60);
        let c = session("ccc", "bo", SessionKind::SignIn, 60);
        let old = session("dddd", "ana", SessionKind::SignIn, -5);
        for s in [&a, &b, &c, &old] {
            store.insert_session(s).await.unwrap();
        }
        assert_eq!(store.get_session("bb").await.unwrap(), Some(b.clone()), "round trip");
        assert_eq!(store.get_session("nope").await.unwrap(), None);
        let ids = |list: Vec<Session>| list.into_iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(ids(store.list_sessions(Some("ana"), t0).await.unwrap()), ["bb", "a"]);
        assert_eq!(ids(store.list_sessions(None, t0).await.unwrap()), ["ccc", "bb", "a"]);

        assert!(store.revoke_session("a", t0).await.unwrap());
        assert!(!store.revoke_session("a", t0).await.unwrap(), "already ended");
        assert!(!store.revoke_session("nope", t0).await.unwrap());
        let revoked = store.get_session("a").await.unwrap().unwrap();
        assert_eq!(revoked.revoked_at, Some(t0));
        assert!(!revoked.is_live(t0));
        assert_eq!(ids(store.list_sessions(Some("ana"), t0).await.unwrap()), ["bb"]);

        store.insert_session(&session("eeeee", "ana", SessionKind::SignIn, 60)).await.unwrap();
        assert_eq!(store.revoke_user_sessions("ana", t0).await.unwrap(), 2, "bb and eeeee");
        assert!(store.list_sessions(Some("ana"), t0).await.unwrap().is_empty());
        assert_eq!(ids(store.list_sessions(None, t0).await.unwrap()), ["ccc"], "bo untouched");
    }

    pub async fn settings_overwrite(store: &dyn Store) {
        assert_eq!(store.get_setting("pipeline").await.unwrap(), None);
        store.put_setting("pipeline", &serde_json::json!({"paused": true})).await.unwrap();
        store.put_setting("pipeline", &serde_json::json!({"paused": false, "n": 3})).await.unwrap();
        assert_eq!(
            store.get_setting("pipeline").await.unwrap(),
            Some(serde_json::json!({"paused": false, "n": 3}))
        );
    }

    pub async fn runtime_settings_are_typed_and_keep_their_documents(store: &dyn Store) {
        use server::control::{self, DailySpend, FirecrawlSwitch, PauseState};
        assert_eq!(control::read::<PauseState>(store).await.unwrap(), None);
        assert_eq!(control::pause_state(store).await.unwrap(), PauseState::default());
        let paused = PauseState { paused: true, reason: Some("budget spent".into()) };
        control::write(store, &paused).await.unwrap();
        assert_eq!(control::read::<PauseState>(store).await.unwrap(), Some(paused));
        // The documents are the runbook's: `{"paused": true}` under `pipeline`, and so on.
        assert_eq!(
            store.get_setting("pipeline").await.unwrap(),
            Some(serde_json::json!({"paused": true, "reason": "budget spent"}))
        );
        control::write(store, &PauseState { paused: false, reason: None }).await.unwrap();
        assert_eq!(
            store.get_setting("pipeline").await.unwrap(),
            Some(serde_json::json!({"paused": false}))
        );
        let spend = DailySpend { date: "2026-12-01".into(), usd: 0.125 };
        control::write(store, &spend).await.unwrap();
        assert_eq!(control::read::<DailySpend>(store).await.unwrap(), Some(spend));
        control::write(store, &FirecrawlSwitch { enabled: false }).await.unwrap();
        assert_eq!(
            store.get_setting("firecrawl").await.unwrap(),
            Some(serde_json::json!({"enabled": false}))
        );
        // A document that is not the type's reads as unset rather than failing its reader.
        store.put_setting("llm_spend", &serde_json::json!({"usd": "lots"})).await.unwrap();
        assert_eq!(control::read::<DailySpend>(store).await.unwrap(), None);
    }

    pub async fn audit_lists_newest_first(store: &dyn Store) {
        for i in 0..3 {
            store
                .append_audit(&AuditEntry {
                    id: new_id(),
                    at: now() + Duration::seconds(i),
                    actor: "admin".into(),
                    action: format!("a{i}"),
                    target: "t".into(),
                    details: serde_json::json!({"i": i}),
                })
                .await
                .unwrap();
        }
        let got: Vec<_> =
            store.list_audit(2).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(got, ["a2", "a1"]);
    }

    fn cv_version(job_id: &str, number: u32, name: &str) -> app::cv::CvVersion {
        let mut document = app::cv::CvDocument::default();
        document.header.name = name.into();
        document.settings.font_size_pt = 10.3;
        document.sections.push(app::cv::CvSection {
            kind: app::cv::SectionKind::Experience,
            title: "Expérience".into(),
            items: vec![app::cv::CvItem {
                title: "Engineer".into(),
                bullets: vec![app::cv::CvBullet {
                    text: "Cut **latency** 40%".into(),
                    provenance: Some(app::cv::Provenance {
                        source: "star:s1".parse().unwrap(),
                        label: "STAR · x".into(),
                        edited: true,
                    }),
                }],
                ..Default::default()
            }],
        });
        app::cv::CvVersion {
            job_id: job_id.into(),
            number,
            saved_at: chrono::DateTime::from_timestamp_millis(
                1_795_000_000_000 + i64::from(number),
            )
            .unwrap(),
            saved_by: "admin".into(),
            sent_at: None,
            restored_from: (number == 3).then_some(1),
            document,
        }
    }

    pub async fn cv_versions_number_per_job_mark_sent_and_prune(store: &dyn Store) {
        assert_eq!(store.latest_cv_version("j1").await.unwrap(), None);
        for n in 1..=3 {
            store.insert_cv_version(&cv_version("j1", n, &format!("v{n}")), 10).await.unwrap();
        }
        store.insert_cv_version(&cv_version("j2", 1, "other"), 10).await.unwrap();
        // A number already taken is refused, and the stored version is untouched.
        assert!(matches!(
            store.insert_cv_version(&cv_version("j1", 3, "late"), 10).await,
            Err(StoreError::Duplicate { .. })
        ));
        assert_eq!(store.latest_cv_version("j1").await.unwrap(), Some(cv_version("j1", 3, "v3")));
        assert_eq!(store.get_cv_version("j1", 2).await.unwrap(), Some(cv_version("j1", 2, "v2")));
        assert_eq!(store.get_cv_version("j1", 9).await.unwrap(), None);
        let listed: Vec<u32> =
            store.list_cv_versions("j1").await.unwrap().iter().map(|v| v.number).collect();
        assert_eq!(listed, [3, 2, 1]);

        let at = now();
        assert!(store.mark_cv_version_sent("j1", 1, Some(at)).await.unwrap());
        assert!(!store.mark_cv_version_sent("j1", 7, Some(at)).await.unwrap());
        assert_eq!(store.get_cv_version("j1", 1).await.unwrap().unwrap().sent_at, Some(at));
        // Keeping two: version 2 goes, version 1 stays because it was sent.
        store.insert_cv_version(&cv_version("j1", 4, "v4"), 2).await.unwrap();
        let listed: Vec<(u32, bool)> = store
            .list_cv_versions("j1")
            .await
            .unwrap()
            .iter()
            .map(|v| (v.number, v.sent_at.is_some()))
            .collect();
        assert_eq!(listed, [(4, false), (3, false), (1, true)]);
        assert!(store.mark_cv_version_sent("j1", 1, None).await.unwrap());
        assert_eq!(store.get_cv_version("j1", 1).await.unwrap().unwrap().sent_at, None);

        assert_eq!(store.delete_cv_versions("j1").await.unwrap(), 3);
        assert_eq!(store.list_cv_versions("j1").await.unwrap(), vec![]);
        assert_eq!(store.list_cv_versions("j2").await.unwrap().len(), 1);
    }

    pub async fn a_sent_packet_is_stored_once_and_read_back_whole(store: &dyn Store) {
        let packet = app::cv::SentPacket {
            job_id: "j1".into(),
            version: 2,
            sent_at: chrono::DateTime::from_timestamp_millis(1_795_000_000_123).unwrap(),
            sent_by: "admin".into(),
            file_name: "CV_Quarry_Lane_Engineer.pdf".into(),
            pdf_sha256: "ab".repeat(32),
            pdf_bytes: 4,
            cover_letter: Some("Dear Quarry Lane hiring team,".into()),
            posting: app::cv::PostingSnapshot {
                title: "Engineer".into(),
                company: "Quarry Lane".into(),
                location: "Zürich".into(),
                url: None,
                description: "We run ledgers.".into(),
            },
            run_id: Some("r1".into()),
            layers: vec![app::cv::LayerProvenance {
                layer: app::model::LayerName::CoverLetter,
                provider: Some("openai".into()),
                model: Some("gpt-6-luna".into()),
                prompt_version: Some("cover_letter@1".into()),
            }],
        };
        let record = SentPacketRecord { packet, pdf_base64: "JVBERi0=".into() };
        assert_eq!(store.get_sent_packet("j1", 2).await.unwrap(), None);
        store.insert_sent_packet(&record).await.unwrap();
        assert_eq!(store.get_sent_packet("j1", 2).await.unwrap(), Some(record.clone()));
        let mut changed = record.clone();
        changed.pdf_base64 = "AAAA".into();
        assert!(matches!(
            store.insert_sent_packet(&changed).await,
            Err(StoreError::Duplicate { .. })
        ));
        assert_eq!(store.get_sent_packet("j1", 2).await.unwrap(), Some(record), "unchanged");
        assert_eq!(store.get_sent_packet("j1", 3).await.unwrap(), None);
    }

    pub async fn ping_answers(store: &dyn Store) {
        store.ping().await.unwrap();
        assert!(["sqlite", "mongodb"].contains(&store.backend()));
    }
}

macro_rules! contract_suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (store, _dir) = crate::support::sqlite_store().await;
                    crate::contract::$name(&store).await;
                }
            )*
        }
        mod mongodb {
            $(
                #[tokio::test]
                async fn $name() {
                    let (store, _db) = crate::support::mongo_store().await;
                    crate::contract::$name(&store).await;
                }
            )*
        }
    };
}

contract_suite!(
    job_round_trips_exactly,
    duplicate_dedupe_key_names_the_existing_job,
    list_filters_by_status_date_location_and_score,
    search_text_is_literal_and_case_insensitive,
    list_sorts_and_pages_with_a_stable_total,
    status_counts_include_zeroes,
    runs_filter_by_status_and_job_newest_first,
    a_job_has_at_most_one_active_run,
    concurrent_workers_never_claim_the_same_run,
    oldest_claimable_run_goes_first,
    expired_lease_requeues_then_fails_after_max_attempts,
    only_the_lease_holder_renews_and_saves,
    cancel_stops_queued_and_processing_runs_only,
    stars_are_created_listed_in_order_replaced_and_deleted,
    profile_is_stored_whole,
    company_cache_expires_and_clears,
    users_are_unique_by_name,
    sessions_are_listed_while_live_and_revoked_one_or_all,
    settings_overwrite,
    runtime_settings_are_typed_and_keep_their_documents,
    audit_lists_newest_first,
    cv_versions_number_per_job_mark_sent_and_prune,
    a_sent_packet_is_stored_once_and_read_back_whole,
    ping_answers,
);
