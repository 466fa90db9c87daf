//! Cancellation: futures dropped at every await point, query futures
//! dropped after random delays with writes in flight, streams dropped
//! halfway, sessions dropped mid-transaction, panics.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use orm::prelude::*;
use orm::Backend;

use crate::common::Kind;
use crate::models::{add_entry, notes, Entry};
use crate::support::{in_transaction, poll_times, Ctx, Rng};

/// The pool's connection (the tests use a pool of one) is outside any transaction.
async fn assert_lease_is_clean(ctx: &Ctx) {
    let mut conn = tokio::time::timeout(Duration::from_secs(15), ctx.db.backend().acquire())
        .await
        .expect("hang guard: the connection comes back")
        .expect("a lease");
    assert!(
        !in_transaction(ctx.kind, &mut conn).await,
        "leased inside a transaction"
    );
}

/// The most polls any one of these futures takes; a guard against a loop
/// that never ends.
const MAX_POLLS: usize = 200;

faults!([postgres, sqlite], "pool_size=1", async fn begin_futures_dropped_after_every_poll_leave_no_transaction(ctx) {
    let mut polls = 0;
    loop {
        let mut s = ctx.db.session();
        let finished = poll_times(s.start(), polls).await;
        drop(s);
        assert_lease_is_clean(&ctx).await;
        if let Some(result) = finished {
            result?;
            break;
        }
        polls += 1;
        assert!(polls < MAX_POLLS, "start() never finished");
    }
    assert!(polls >= 1, "start() was never pending");
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn commit_futures_dropped_after_every_poll_never_leave_a_transaction_open(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut polls = 0;
    loop {
        let note = format!("commit after {polls} polls");
        let mut s = db.session();
        s.add(&mut Entry::new(&note)).await?;
        let finished = poll_times(s.commit(), polls).await;
        let state = s.state();
        drop(s);
        assert_lease_is_clean(&ctx).await;
        let visible = notes(db).await?.contains(&note);
        match finished {
            Some(result) => {
                result?;
                assert_eq!(state, SessionState::Committed);
                assert!(visible);
                break;
            }
            // Never polled: nothing was sent, nothing committed.
            None if polls == 0 => {
                assert_eq!(state, SessionState::Active);
                assert!(!visible);
            }
            // COMMIT may have gone out: committed or rolled back, never open.
            None => assert_eq!(state, SessionState::CommitUnknown),
        }
        polls += 1;
        assert!(polls < MAX_POLLS, "commit() never finished");
    }
    assert!(polls >= 1, "commit() was never pending");
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn rollback_futures_dropped_after_every_poll_never_commit(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut polls = 0;
    loop {
        let mut s = db.session();
        s.add(&mut Entry::new("never")).await?;
        let finished = poll_times(s.rollback(), polls).await;
        let state = s.state();
        drop(s);
        assert_lease_is_clean(&ctx).await;
        assert!(notes(db).await?.is_empty());
        if polls > 0 {
            assert_eq!(state, SessionState::RolledBack);
        }
        if let Some(result) = finished {
            result?;
            break;
        }
        polls += 1;
        assert!(polls < MAX_POLLS, "rollback() never finished");
    }
    Ok(())
});

faults!([postgres, sqlite], "pool_size=4", async fn query_futures_dropped_after_random_delays_never_leak(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Entry::table()]).await?;
    // Writes in flight all along, on another connection.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (db, stop) = (db.clone(), stop.clone());
        async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                add_entry(&db, &format!("background {n}")).await?;
                n += 1;
            }
            Ok::<_, Error>(n)
        }
    });
    let mut rng = Rng::new(7);
    let (mut committed, mut maybe, mut never) = (HashSet::new(), HashSet::new(), HashSet::new());
    for i in 0..1000 {
        let note = format!("dropped {i}");
        let reached_commit = AtomicBool::new(false);
        let mut s = db.session();
        let delay = Duration::from_micros(rng.below(3000));
        let outcome = tokio::time::timeout(delay, async {
            s.add(&mut Entry::new(&note)).await?;
            reached_commit.store(true, Ordering::SeqCst);
            s.commit().await
        })
        .await;
        match outcome {
            Ok(result) => {
                result?;
                committed.insert(note);
            }
            Err(_) if reached_commit.load(Ordering::SeqCst) => {
                maybe.insert(note);
            }
            Err(_) => {
                never.insert(note);
            }
        }
        drop(s);
    }
    stop.store(true, Ordering::SeqCst);
    let background = writer.await.expect("the writer")?;
    let visible: HashSet<String> = notes(&db)
        .await?
        .into_iter()
        .filter(|n| n.starts_with("dropped"))
        .collect();
    assert!(committed.is_subset(&visible), "a committed write is missing");
    assert!(visible.iter().all(|n| committed.contains(n) || maybe.contains(n)), "an uncommitted write is visible");
    assert!(never.is_disjoint(&visible));
    assert_eq!(committed.len() + maybe.len() + never.len(), 1000);
    eprintln!(
        "{:?}: {} committed, {} dropped during COMMIT ({} of them landed), {} dropped before; {background} background writes",
        ctx.kind,
        committed.len(),
        maybe.len(),
        visible.len() - committed.len(),
        never.len(),
    );
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn a_stream_dropped_halfway_leaves_the_next_lease_clean(ctx) {
    let db = &ctx.db;
    let fill = match ctx.kind {
        Kind::Postgres => "INSERT INTO big SELECT generate_series(1, 100000)",
        Kind::Sqlite => "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000) \
                         INSERT INTO big SELECT n FROM c",
    };
    let mut s = db.session();
    s.batch("CREATE TABLE big (n BIGINT NOT NULL)").await?;
    s.batch(fill).await?;
    s.commit().await?;
    {
        let mut s = db.session();
        let mut rows = s.raw("SELECT n FROM big ORDER BY n").fetch_stream::<(i64,)>();
        for expected in 1..=50_000 {
            assert_eq!(rows.next().await.transpose()?, Some((expected,)));
        }
        drop(rows);
        // The same transaction goes on after the dropped stream.
        let (n,): (i64,) = s.raw("SELECT count(*) FROM big").fetch_one().await?;
        assert_eq!(n, 100_000);
        s.raw("INSERT INTO big VALUES (0)").execute().await?;
        let mut again = s.raw("SELECT n FROM big ORDER BY n").fetch_stream::<(i64,)>();
        assert_eq!(again.next().await.transpose()?, Some((0,)));
    } // dropped with a stream half read and the transaction open
    assert_lease_is_clean(&ctx).await;
    let mut s = db.session();
    let (n,): (i64,) = s.raw("SELECT count(*) FROM big").fetch_one().await?;
    assert_eq!(n, 100_000, "the dropped session's insert is not visible");
    s.commit().await?;
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn a_session_dropped_mid_transaction_commits_nothing(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    {
        let mut s = db.session();
        s.add(&mut Entry::new("dropped")).await?;
        s.savepoint("inner").await?;
        s.add(&mut Entry::new("dropped too")).await?;
    }
    assert_lease_is_clean(&ctx).await;
    add_entry(db, "next").await?;
    assert_eq!(notes(db).await?, ["next"]);
    Ok(())
});

/// Whether the pool's one connection is the one marked by a temporary table.
async fn marked(db: &Database, kind: Kind) -> orm::Result<bool> {
    let sql = match kind {
        Kind::Postgres => "SELECT count(*) FROM pg_class WHERE relname = 'marker' AND relpersistence = 't' AND pg_table_is_visible(oid)",
        Kind::Sqlite => "SELECT count(*) FROM sqlite_temp_master WHERE name = 'marker'",
    };
    let mut s = db.session();
    let (n,): (i64,) = s.raw(sql).fetch_one().await?;
    s.commit().await?;
    Ok(n == 1)
}

faults!([postgres, sqlite], "pool_size=1", async fn a_panic_inside_a_transaction_rolls_back_and_the_connection_is_not_reused(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    s.batch("CREATE TEMP TABLE marker (x INTEGER)").await?;
    s.commit().await?;
    assert!(marked(&db, ctx.kind).await?);
    let joined = tokio::spawn({
        let db = db.clone();
        async move {
            db.transaction(async |s| {
                s.add(&mut Entry::new("panicked")).await?;
                s.transaction(async |s| {
                    s.add(&mut Entry::new("panicked inside")).await?;
                    panic!("boom");
                    #[allow(unreachable_code)]
                    Ok::<_, Error>(())
                })
                .await
            })
            .await
        }
    })
    .await;
    assert!(joined.expect_err("the task panicked").is_panic());
    assert!(!marked(&db, ctx.kind).await?, "the panicked transaction's connection was reused");
    assert!(notes(&db).await?.is_empty());
    Ok(())
});
