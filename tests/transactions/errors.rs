//! Errors inside transactions: cancelled statements, constraint violations,
//! values refused before anything is sent.

use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::Value;

use crate::common::{pg, Kind};
use crate::models::{notes, Entry};
use crate::support::{backend_pid, wait_all_idle};

/// The state of server process `pid`.
async fn state_of(pid: i32) -> String {
    let base = pg::base_url().await;
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .expect("admin connection");
    let task = tokio::spawn(connection);
    let row = client
        .query_one("SELECT state FROM pg_stat_activity WHERE pid = $1", &[&pid])
        .await
        .expect("the process is there");
    drop(client);
    let _ = task.await;
    row.get(0)
}

faults!([postgres], "pool_size=1", async fn statement_timeout_is_query_canceled_and_the_connection_stays(ctx) {
    let db = &ctx.db;
    let mut s = db.session();
    let pid = backend_pid(&mut s).await?;
    s.raw("SET LOCAL statement_timeout = '100ms'").execute().await?;
    let started = Instant::now();
    let err = s.raw("SELECT pg_sleep(100)").execute().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "hang guard: {:?}", started.elapsed());
    assert!(matches!(err, Error::QueryCanceled { .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    assert_eq!(state_of(pid).await, "idle");
    // The same connection, usable.
    assert_eq!(backend_pid(&mut s).await?, pid);
    s.commit().await?;
    Ok(())
});

faults!([postgres], "pool_size=1", async fn a_cancelled_pg_sleep_is_query_canceled_and_the_connection_stays(ctx) {
    let db = &ctx.db;
    let mut s = db.session();
    let pid = backend_pid(&mut s).await?;
    let canceller = tokio::spawn(async move {
        let base = pg::base_url().await;
        // Cancel once the sleep is running.
        let sql = format!(
            "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE pid = {pid} AND query LIKE '%pg_sleep(100)%' AND state = 'active'"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while pg::admin_i64(&base, &sql).await == 0 {
            assert!(Instant::now() < deadline, "the sleep never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let started = Instant::now();
    let err = s.raw("SELECT pg_sleep(100)").execute().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(15), "hang guard: {:?}", started.elapsed());
    canceller.await.expect("the canceller");
    assert!(matches!(err, Error::QueryCanceled { .. }), "{err:?}");
    s.rollback().await?;
    wait_all_idle(&ctx.tag).await;
    assert_eq!(backend_pid(&mut s).await?, pid);
    s.commit().await?;
    Ok(())
});

faults!([postgres, sqlite], "", async fn a_constraint_violation_inside_db_transaction_commits_nothing(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let result = db
        .transaction(async |s| {
            s.add(&mut Entry::new("one")).await?;
            s.add(&mut Entry::new("one")).await?;
            Ok::<_, Error>(())
        })
        .await;
    assert!(matches!(result, Err(Error::UniqueViolation(_))), "{result:?}");
    // Swallowing the error does not commit the failed transaction either.
    let result = db
        .transaction(async |s| {
            s.add(&mut Entry::new("two")).await?;
            let _ = s.add(&mut Entry::new("two")).await;
            Ok::<_, Error>(())
        })
        .await;
    assert!(
        matches!(result, Err(Error::InvalidState { state: SessionState::Failed, operation: "commit", .. })),
        "{result:?}"
    );
    assert!(notes(db).await?.is_empty());
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn values_the_backend_cannot_take_are_refused_before_anything_is_sent(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    s.add(&mut Entry::new("before")).await?;

    // More binds than the backend allows.
    let max = match ctx.kind {
        Kind::Postgres => 65_535,
        Kind::Sqlite => 32_766,
    };
    let mut raw = s.raw("SELECT 1");
    for i in 0..=max {
        raw = raw.bind(i as i64);
    }
    let err = raw.execute().await.unwrap_err();
    assert!(matches!(err, Error::TooManyBinds { count, max: m } if count == max + 1 && m == max), "{err:?}");
    assert_eq!(s.state(), SessionState::Active);

    // A NUL in text: PostgreSQL cannot store it, SQLite can.
    let nul = "a\0b";
    match ctx.kind {
        Kind::Postgres => {
            let err = s.add(&mut Entry::new(nul)).await.unwrap_err();
            assert!(matches!(err, Error::InvalidBind { parameter: 1, .. }), "{err:?}");
            assert_eq!(s.state(), SessionState::Active);
        }
        Kind::Sqlite => s.add(&mut Entry::new(nul)).await?,
    }

    // An i64 where PostgreSQL wants an int4; SQLite's integers take it.
    let wide = i64::from(i32::MAX) + 1;
    let (sql, expect_refusal) = match ctx.kind {
        Kind::Postgres => ("SELECT $1::int4", true),
        Kind::Sqlite => ("SELECT CAST(? AS INTEGER)", false),
    };
    let result: orm::Result<Vec<(i64,)>> = s.raw(sql).bind(Value::I64(wide)).fetch_all().await;
    match (expect_refusal, result) {
        (true, Err(Error::InvalidBind { parameter: 1, reason })) => {
            assert_eq!(reason, "the parameter has type int4 but the value bound to it is i64")
        }
        (false, Ok(rows)) => assert_eq!(rows, [(wide,)]),
        (_, other) => panic!("{other:?}"),
    }
    assert_eq!(s.state(), SessionState::Active);

    // The same transaction goes on and commits.
    s.add(&mut Entry::new("after")).await?;
    s.commit().await?;
    let expected: Vec<&str> = match ctx.kind {
        Kind::Postgres => vec!["before", "after"],
        Kind::Sqlite => vec!["before", nul, "after"],
    };
    assert_eq!(notes(db).await?, expected);
    Ok(())
});
