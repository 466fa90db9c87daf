//! A lost connection: backends killed under idle and busy connections,
//! a server that restarts (a proxy that cuts every connection), a network
//! that stalls, a link cut after `COMMIT` was sent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orm::prelude::*;

use crate::models::{add_entry, notes, Entry};
use crate::proxy::{upstream_of, OnCommit, Proxy};
use crate::support::{backend_pid, kill_all, wait_gone};

/// Leases `n` connections at once and gives them back, so the pool holds `n`.
async fn warm(db: &Database, n: usize) -> orm::Result<()> {
    let mut sessions = Vec::new();
    for _ in 0..n {
        let mut s = db.session();
        s.start().await?;
        sessions.push(s);
    }
    for mut s in sessions {
        s.commit().await?;
    }
    Ok(())
}

/// Runs `op` until it succeeds, at most `tries` times; every error must be
/// one a lost connection explains. Returns the errors seen.
async fn until_ok<F, Fut>(tries: usize, mut op: F) -> Vec<Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = orm::Result<()>>,
{
    let mut errors = Vec::new();
    for _ in 0..tries {
        match op().await {
            Ok(()) => return errors,
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        Error::ConnectionLost { .. } | Error::CommitOutcomeUnknown { .. }
                    ),
                    "an untyped or unexpected error: {e:?}"
                );
                errors.push(e);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    panic!("still failing after {tries} tries: {errors:?}");
}

faults!([postgres], "pool_size=3", async fn backends_killed_under_idle_pooled_connections_cost_no_error(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    warm(db, 3).await?;
    assert_eq!(db.pool_status().size, 3);
    assert_eq!(kill_all(&ctx.tag).await, 3);
    // A dead connection fails at BEGIN, before the transaction holds any
    // work, and another is tried: no error reaches the program.
    for i in 0..5 {
        add_entry(db, &format!("after {i}")).await?;
    }
    assert_eq!(notes(db).await?.len(), 5);
    Ok(())
});

faults!([postgres], "pool_size=2", async fn a_backend_killed_under_an_open_transaction_is_one_connection_lost(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    s.add(&mut Entry::new("lost with the connection")).await?;
    let pid = backend_pid(&mut s).await?;
    crate::common::pg::admin(&crate::common::pg::base_url().await, &format!("SELECT pg_terminate_backend({pid})")).await;
    wait_gone(&format!("pid = {pid}")).await;
    let err = s.add(&mut Entry::new("next")).await.unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    // No second ConnectionLost, and no silent reconnect inside the transaction.
    let err = s.select::<Entry>().count().await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { state: SessionState::Failed, .. }), "{err:?}");
    let err = s.commit().await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { operation: "commit", .. }), "{err:?}");
    // Rolled back by the server when its connection went; the session goes on.
    s.rollback().await?;
    s.add(&mut Entry::new("new transaction")).await?;
    assert_ne!(backend_pid(&mut s).await?, pid);
    s.commit().await?;
    assert_eq!(notes(db).await?, ["new transaction"]);
    Ok(())
});

/// A database reached through `proxy`, with the test's schema and tag.
async fn through(proxy: &Proxy, url: &str, params: &str) -> Database {
    let url = format!("{}&{params}", proxy.url(url));
    Database::connect(&url)
        .await
        .expect("connect through the proxy")
}

faults!([postgres], "", async fn a_server_restart_while_the_pool_is_idle_heals_by_itself(ctx) {
    ctx.db.create_tables(&[Entry::table()]).await?;
    let proxy = Proxy::start(upstream_of(&ctx.url)).await;
    let db = through(&proxy, &ctx.url, "pool_size=3").await;
    warm(&db, 3).await?;
    // Down: every connection cut, new ones refused.
    proxy.cut_all();
    proxy.refuse(true);
    let err = add_entry(&db, "while down").await.unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
    // Up again: the pool heals within a bounded number of attempts.
    proxy.refuse(false);
    let errors = until_ok(3, || add_entry(&db, "back up")).await;
    assert!(errors.is_empty(), "{errors:?}");
    for i in 0..3 {
        add_entry(&db, &format!("then {i}")).await?;
    }
    assert_eq!(notes(&db).await?, ["back up", "then 0", "then 1", "then 2"]);
    assert!(db.pool_status().size <= 3);
    db.close().await;
    Ok(())
});

faults!([postgres], "", async fn a_server_restart_while_the_pool_is_busy_fails_each_transaction_at_most_once(ctx) {
    ctx.db.create_tables(&[Entry::table()]).await?;
    let proxy = Arc::new(Proxy::start(upstream_of(&ctx.url)).await);
    let db = through(&proxy, &ctx.url, "pool_size=4").await;
    let mut workers = Vec::new();
    for w in 0..4 {
        let db = db.clone();
        workers.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            for i in 0..40 {
                let note = format!("{w}-{i}");
                // After a lost COMMIT the note may be there already.
                let write = || async {
                    match add_entry(&db, &note).await {
                        Err(Error::UniqueViolation(_)) => Ok(()),
                        other => other,
                    }
                };
                errors.extend(until_ok(20, write).await);
            }
            errors
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.cut_all();
    for worker in workers {
        let errors = worker.await.expect("a worker");
        // The cut fails at most the transaction in flight, once.
        assert!(errors.len() <= 1, "{errors:?}");
    }
    assert_eq!(notes(&db).await?.len(), 160);
    db.close().await;
    Ok(())
});

faults!([postgres], "", async fn a_stalled_server_is_a_typed_timeout_and_the_connection_is_dropped(ctx) {
    ctx.db.create_tables(&[Entry::table()]).await?;
    let proxy = Proxy::start(upstream_of(&ctx.url)).await;
    let db = through(&proxy, &ctx.url, "pool_size=2&query_timeout=300ms").await;
    let mut s = db.session();
    s.add(&mut Entry::new("sent before the stall")).await?;
    assert_eq!(db.pool_status().size, 1);
    proxy.stall(true);
    let started = Instant::now();
    let err = s.add(&mut Entry::new("stalled")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "hang guard: {:?}", started.elapsed());
    assert!(
        matches!(err, Error::Timeout { timeout, .. } if timeout == Duration::from_millis(300)),
        "{err:?}"
    );
    assert_eq!(s.state(), SessionState::Failed);
    // The connection is given up, not rolled back over a dead link.
    s.rollback().await?;
    assert_eq!(db.pool_status().size, 0);
    proxy.stall(false);
    proxy.cut_all();
    add_entry(&db, "after").await?;
    assert_eq!(notes(&db).await?, ["after"]);
    db.close().await;
    Ok(())
});

faults!([postgres], "", async fn a_link_cut_after_commit_is_sent_is_commit_outcome_unknown(ctx) {
    ctx.db.create_tables(&[Entry::table()]).await?;
    let proxy = Proxy::start(upstream_of(&ctx.url)).await;
    let db = through(&proxy, &ctx.url, "pool_size=2").await;
    for (mode, note, lands) in [
        (OnCommit::ForwardThenCut, "reached the server", true),
        (OnCommit::Cut, "never reached it", false),
    ] {
        let mut s = db.session();
        s.add(&mut Entry::new(note)).await?;
        proxy.on_commit(mode);
        let err = s.commit().await.unwrap_err();
        proxy.on_commit(OnCommit::Relay);
        // Never reported as rolled back: nobody here knows.
        assert!(matches!(err, Error::CommitOutcomeUnknown { .. }), "{err:?}");
        assert_eq!(s.state(), SessionState::CommitUnknown);
        // The server decides; wait for it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let visible = notes(&ctx.db).await?.contains(&note.to_string());
            if visible == lands {
                break;
            }
            assert!(Instant::now() < deadline, "{note}: visible = {visible}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The session goes on with a new transaction on a new connection.
        s.add(&mut Entry::new(format!("after: {note}"))).await?;
        s.commit().await?;
    }
    assert_eq!(
        notes(&ctx.db).await?,
        ["reached the server", "after: reached the server", "after: never reached it"]
    );
    db.close().await;
    Ok(())
});
