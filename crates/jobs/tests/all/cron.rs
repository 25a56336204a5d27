//! Recurring schedules: tick computation (incl. DST), exactly-once firing under
//! contention, skip-if-running, no replay of missed ticks, validation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use crate::common::{count, pool};
use omnicrm_jobs::cron::{
    Clock, CronError, ManualClock, Schedule, ScheduleError, delete_schedule, delete_user_schedules,
    fire_due, next_after, upsert_schedule, user_schedule_names,
};
use omnicrm_testkit::TestDb;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;

fn every_minute(name: &str, skip_if_running: bool) -> Schedule {
    Schedule {
        name: name.to_owned(),
        cron: "*/1 * * * *".to_owned(),
        timezone: "UTC".to_owned(),
        kind: "test.cron".to_owned(),
        queue: "default".to_owned(),
        payload: json!({ "schedule": name }),
        skip_if_running,
        user_id: None,
        concurrency_key: None,
    }
}

async fn next_run_at(db: &TestDb, name: &str) -> OffsetDateTime {
    let secs: i64 = db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT extract(epoch FROM next_run_at)::bigint FROM job_schedules WHERE name = $1",
            &[&name],
        )
        .await
        .unwrap()
        .get(0);
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

async fn jobs_of(db: &TestDb, name: &str) -> i64 {
    count(
        db,
        &format!("SELECT count(*) FROM job_queue WHERE payload->>'schedule' = '{name}'"),
    )
    .await
}

async fn finish_jobs_of(db: &TestDb, name: &str) {
    db.owner()
        .await
        .unwrap()
        .execute(
            "DELETE FROM job_queue WHERE payload->>'schedule' = $1",
            &[&name],
        )
        .await
        .unwrap();
}

#[test]
fn next_after_computes_ticks() {
    // Strictly after: a tick exactly at `after` is not returned.
    assert_eq!(
        next_after("0 * * * *", "UTC", datetime!(2026-01-05 10:00:00 UTC)).unwrap(),
        datetime!(2026-01-05 11:00:00 UTC)
    );
    assert_eq!(
        next_after(
            "*/15 * * * *",
            "UTC",
            datetime!(2026-01-05 10:07:30.250 UTC)
        )
        .unwrap(),
        datetime!(2026-01-05 10:15:00 UTC)
    );
    // Optional leading seconds field.
    assert_eq!(
        next_after("*/10 * * * * *", "UTC", datetime!(2026-01-05 10:00:05 UTC)).unwrap(),
        datetime!(2026-01-05 10:00:10 UTC)
    );
    // Day of week (Monday 09:00) and nickname.
    assert_eq!(
        next_after("0 9 * * MON", "UTC", datetime!(2026-01-05 09:00:00 UTC)).unwrap(),
        datetime!(2026-01-12 09:00:00 UTC)
    );
    assert_eq!(
        next_after("@daily", "UTC", datetime!(2026-01-05 09:00:00 UTC)).unwrap(),
        datetime!(2026-01-06 00:00:00 UTC)
    );
    // A time zone shifts the tick.
    assert_eq!(
        next_after(
            "0 9 * * *",
            "Asia/Kolkata",
            datetime!(2026-01-05 00:00:00 UTC)
        )
        .unwrap(),
        datetime!(2026-01-05 03:30:00 UTC)
    );
}

#[test]
fn next_after_follows_dst_in_london() {
    // 09:00 London: GMT (UTC+0) before 2026-03-29, BST (UTC+1) from then on.
    let t1 = next_after(
        "0 9 * * *",
        "Europe/London",
        datetime!(2026-03-27 12:00 UTC),
    )
    .unwrap();
    assert_eq!(t1, datetime!(2026-03-28 09:00 UTC));
    let t2 = next_after("0 9 * * *", "Europe/London", t1).unwrap();
    assert_eq!(t2, datetime!(2026-03-29 08:00 UTC));
    // And back on 2026-10-25.
    let t3 = next_after(
        "0 9 * * *",
        "Europe/London",
        datetime!(2026-10-24 12:00 UTC),
    )
    .unwrap();
    assert_eq!(t3, datetime!(2026-10-25 09:00 UTC));
    assert_eq!(
        next_after(
            "0 9 * * *",
            "Europe/London",
            datetime!(2026-10-23 12:00 UTC)
        )
        .unwrap(),
        datetime!(2026-10-24 08:00 UTC)
    );
    // 01:30 is repeated on 2026-10-25 (01:30 BST = 00:30Z, 01:30 GMT = 01:30Z): a fixed
    // time runs once, then the next day.
    let first = next_after(
        "30 1 * * *",
        "Europe/London",
        datetime!(2026-10-24 12:00 UTC),
    )
    .unwrap();
    assert_eq!(first, datetime!(2026-10-25 00:30 UTC));
    assert_eq!(
        next_after("30 1 * * *", "Europe/London", first).unwrap(),
        datetime!(2026-10-26 01:30 UTC)
    );
}

#[test]
fn next_after_follows_dst_in_new_york() {
    // 02:30 does not exist on 2026-03-08 in New York (02:00 EST -> 03:00 EDT): the tick
    // runs at the first instant after the gap, 03:00 EDT = 07:00Z, and the day after at
    // 02:30 EDT = 06:30Z.
    let gap = next_after(
        "30 2 * * *",
        "America/New_York",
        datetime!(2026-03-07 12:00 UTC),
    )
    .unwrap();
    assert_eq!(gap, datetime!(2026-03-08 07:00 UTC));
    assert_eq!(
        next_after("30 2 * * *", "America/New_York", gap).unwrap(),
        datetime!(2026-03-09 06:30 UTC)
    );
    // Hourly ticks across the gap: 01:00 EST (06:00Z), then 03:00 EDT (07:00Z).
    assert_eq!(
        next_after(
            "0 * * * *",
            "America/New_York",
            datetime!(2026-03-08 06:00 UTC)
        )
        .unwrap(),
        datetime!(2026-03-08 07:00 UTC)
    );
}

#[test]
fn validation_rejects_bad_cron_and_timezone() {
    let good = every_minute("ok", true);
    good.validate().unwrap();
    for cron in ["", "* * *", "61 * * * *", "* * * * * * * *", "not a cron"] {
        let s = Schedule {
            cron: cron.to_owned(),
            ..good.clone()
        };
        assert!(
            matches!(s.validate(), Err(CronError::InvalidCron { .. })),
            "{cron:?} must be rejected"
        );
        assert!(matches!(
            next_after(cron, "UTC", OffsetDateTime::now_utc()),
            Err(CronError::InvalidCron { .. })
        ));
    }
    for tz in ["", "Mars/Olympus", "europe/london", "+02:00"] {
        let s = Schedule {
            timezone: tz.to_owned(),
            ..good.clone()
        };
        assert!(
            matches!(s.validate(), Err(CronError::UnknownTimezone(_))),
            "{tz:?} must be rejected"
        );
    }
    let s = Schedule {
        kind: String::new(),
        ..good
    };
    assert!(matches!(s.validate(), Err(CronError::Empty("kind"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_rejects_invalid_and_recomputes_on_change() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 1);
    let mut conn = p.get().await.unwrap();
    let now = datetime!(2030-01-01 00:00:30 UTC);

    let bad_cron = Schedule {
        cron: "99 * * * *".to_owned(),
        ..every_minute("bad", true)
    };
    assert!(matches!(
        upsert_schedule(&mut conn, &bad_cron, now).await,
        Err(ScheduleError::Invalid(CronError::InvalidCron { .. }))
    ));
    let bad_tz = Schedule {
        timezone: "Nowhere/Town".to_owned(),
        ..every_minute("bad", true)
    };
    assert!(matches!(
        upsert_schedule(&mut conn, &bad_tz, now).await,
        Err(ScheduleError::Invalid(CronError::UnknownTimezone(_)))
    ));
    assert_eq!(count(&db, "SELECT count(*) FROM job_schedules").await, 0);

    let s = every_minute("s", true);
    let next = upsert_schedule(&mut conn, &s, now).await.unwrap();
    assert_eq!(next, datetime!(2030-01-01 00:01:00 UTC));
    // Same cron and zone later on: the pending tick is kept, other fields update.
    let later = datetime!(2030-01-01 00:05:30 UTC);
    let renamed_kind = Schedule {
        kind: "test.other".to_owned(),
        ..s.clone()
    };
    let kept = upsert_schedule(&mut conn, &renamed_kind, later)
        .await
        .unwrap();
    assert_eq!(kept, datetime!(2030-01-01 00:01:00 UTC));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_schedules WHERE kind = 'test.other'"
        )
        .await,
        1
    );
    // A new expression is recomputed from `now`.
    let hourly = Schedule {
        cron: "0 * * * *".to_owned(),
        ..s.clone()
    };
    let moved = upsert_schedule(&mut conn, &hourly, later).await.unwrap();
    assert_eq!(moved, datetime!(2030-01-01 01:00:00 UTC));
    assert_eq!(next_run_at(&db, "s").await, moved);

    assert!(delete_schedule(&mut conn, "s").await.unwrap());
    assert!(!delete_schedule(&mut conn, "s").await.unwrap());
    assert_eq!(count(&db, "SELECT count(*) FROM job_schedules").await, 0);
}

/// Two workers (two tasks, two connections) fire at the same instant.
async fn fire_concurrently(
    p: &diesel_async::pooled_connection::deadpool::Pool<diesel_async::AsyncPgConnection>,
    now: OffsetDateTime,
) -> Vec<String> {
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let p = p.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let mut conn = p.get().await.unwrap();
                barrier.wait().await;
                fire_due(&mut conn, now).await.unwrap()
            })
        })
        .collect();
    let mut fired = Vec::new();
    for t in tasks {
        fired.extend(t.await.unwrap());
    }
    fired.sort();
    fired
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_fire_each_tick_once() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 2);
    let clock = ManualClock::new(datetime!(2030-01-01 00:00:30 UTC));
    {
        let mut conn = p.get().await.unwrap();
        for i in 0..8 {
            upsert_schedule(
                &mut conn,
                &every_minute(&format!("s{i}"), true),
                clock.now(),
            )
            .await
            .unwrap();
        }
        // Nothing is due before the first tick.
        assert!(fire_due(&mut conn, clock.now()).await.unwrap().is_empty());
    }
    let all: Vec<String> = (0..8).map(|i| format!("s{i}")).collect();

    clock.set(datetime!(2030-01-01 00:01:00 UTC));
    assert_eq!(fire_concurrently(&p, clock.now()).await, all);
    assert_eq!(count(&db, "SELECT count(*) FROM job_queue").await, 8);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_queue WHERE unique_key LIKE 'cron:s%' AND max_attempts = 5 \
             AND kind = 'test.cron' AND queue = 'default'"
        )
        .await,
        8
    );
    assert_eq!(
        next_run_at(&db, "s0").await,
        datetime!(2030-01-01 00:02:00 UTC)
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_schedules WHERE last_fired_at = '2030-01-01 00:01:00+00'"
        )
        .await,
        8
    );

    // Firing again at the same instant does nothing.
    assert!(fire_concurrently(&p, clock.now()).await.is_empty());
    assert_eq!(count(&db, "SELECT count(*) FROM job_queue").await, 8);

    // The runs finish; one minute later every schedule fires once more.
    for name in &all {
        finish_jobs_of(&db, name).await;
    }
    clock.advance(Duration::from_secs(60));
    assert_eq!(fire_concurrently(&p, clock.now()).await, all);
    assert_eq!(count(&db, "SELECT count(*) FROM job_queue").await, 8);
    assert_eq!(
        next_run_at(&db, "s7").await,
        datetime!(2030-01-01 00:03:00 UTC)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_if_running_skips_but_advances() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 1);
    let mut conn = p.get().await.unwrap();
    let clock = ManualClock::new(datetime!(2030-01-01 00:00:30 UTC));
    upsert_schedule(&mut conn, &every_minute("skip", true), clock.now())
        .await
        .unwrap();
    upsert_schedule(&mut conn, &every_minute("pile", false), clock.now())
        .await
        .unwrap();

    clock.set(datetime!(2030-01-01 00:01:00 UTC));
    assert_eq!(
        fire_due(&mut conn, clock.now()).await.unwrap(),
        vec!["pile".to_owned(), "skip".to_owned()]
    );
    assert_eq!(jobs_of(&db, "skip").await, 1);
    assert_eq!(jobs_of(&db, "pile").await, 1);

    // The previous runs are still queued (one of them even running).
    db.owner()
        .await
        .unwrap()
        .execute(
            "UPDATE job_queue SET state = 'running', lease_token = gen_random_uuid(), \
             lease_owner = 'w', lease_expires_at = now() + interval '1 minute' \
             WHERE payload->>'schedule' = 'skip'",
            &[],
        )
        .await
        .unwrap();
    clock.advance(Duration::from_secs(60));
    assert_eq!(
        fire_due(&mut conn, clock.now()).await.unwrap(),
        vec!["pile".to_owned()]
    );
    assert_eq!(
        jobs_of(&db, "skip").await,
        1,
        "skip_if_running enqueues nothing"
    );
    assert_eq!(jobs_of(&db, "pile").await, 2, "without it, a second job");
    assert_eq!(
        next_run_at(&db, "skip").await,
        datetime!(2030-01-01 00:03:00 UTC)
    );
    assert_eq!(
        next_run_at(&db, "pile").await,
        datetime!(2030-01-01 00:03:00 UTC)
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_schedules WHERE name = 'skip' \
             AND last_fired_at = '2030-01-01 00:01:00+00'"
        )
        .await,
        1,
        "a skipped tick does not count as fired"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_queue WHERE unique_key IN \
             ('cron:skip', 'cron:pile:1893456060', 'cron:pile:1893456120')"
        )
        .await,
        3
    );

    // Once the run finishes, the next tick fires again.
    finish_jobs_of(&db, "skip").await;
    clock.advance(Duration::from_secs(60));
    assert_eq!(
        fire_due(&mut conn, clock.now()).await.unwrap(),
        vec!["pile".to_owned(), "skip".to_owned()]
    );
    assert_eq!(jobs_of(&db, "skip").await, 1);
    assert_eq!(jobs_of(&db, "pile").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_ticks_are_not_replayed() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 1);
    let mut conn = p.get().await.unwrap();
    let clock = ManualClock::new(datetime!(2030-01-01 00:00:30 UTC));
    upsert_schedule(&mut conn, &every_minute("late", false), clock.now())
        .await
        .unwrap();

    // Ten minutes pass without any worker: one job, not ten.
    let now = clock.advance(Duration::from_secs(600));
    assert_eq!(now, datetime!(2030-01-01 00:10:30 UTC));
    assert_eq!(
        fire_due(&mut conn, now).await.unwrap(),
        vec!["late".to_owned()]
    );
    assert_eq!(jobs_of(&db, "late").await, 1);
    let next = next_run_at(&db, "late").await;
    assert!(next > now);
    assert_eq!(next, datetime!(2030-01-01 00:11:00 UTC));
    // The key carries the tick that was due (the first missed one).
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM job_queue WHERE unique_key = 'cron:late:1893456060'"
        )
        .await,
        1
    );
    // Nothing more is due until that tick.
    assert!(fire_due(&mut conn, now).await.unwrap().is_empty());
    assert_eq!(jobs_of(&db, "late").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_schedule_fires_jobs_for_that_user_and_stops_with_the_user() {
    let db = TestDb::new().await.unwrap();
    let p = pool(&db, 1);
    let mut conn = p.get().await.unwrap();
    let alice = uuid::Uuid::now_v7();
    let bob = uuid::Uuid::now_v7();
    let clock = ManualClock::new(datetime!(2030-01-01 00:00:30 UTC));
    for (name, user) in [("sync:alice", alice), ("sync:bob", bob)] {
        let s = Schedule {
            user_id: Some(user),
            concurrency_key: Some(format!("google-sync:{user}")),
            ..every_minute(name, true)
        };
        upsert_schedule(&mut conn, &s, clock.now()).await.unwrap();
    }
    assert_eq!(
        user_schedule_names(&mut conn, alice).await.unwrap(),
        vec!["sync:alice".to_owned()]
    );

    clock.set(datetime!(2030-01-01 00:01:00 UTC));
    fire_due(&mut conn, clock.now()).await.unwrap();
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM job_queue WHERE user_id = '{alice}' \
                 AND concurrency_key = 'google-sync:{alice}' AND payload->>'schedule' = 'sync:alice'"
            ),
        )
        .await,
        1,
        "the fired job carries the schedule's user and concurrency key"
    );

    assert_eq!(delete_user_schedules(&mut conn, alice).await.unwrap(), 1);
    clock.advance(Duration::from_secs(120));
    assert_eq!(
        fire_due(&mut conn, clock.now()).await.unwrap(),
        Vec::<String>::new(),
        "bob's previous run is still queued, alice's schedule is gone"
    );
    assert_eq!(jobs_of(&db, "sync:alice").await, 1, "no new job for alice");
    assert_eq!(
        user_schedule_names(&mut conn, bob).await.unwrap(),
        vec!["sync:bob".to_owned()],
        "another user's schedule stays"
    );

    let purged = omnicrm_jobs::store::purge_user_counted(&mut conn, bob)
        .await
        .unwrap();
    assert_eq!((purged.schedules, purged.queued), (1, 1));
    assert_eq!(count(&db, "SELECT count(*) FROM job_schedules").await, 0);
}
