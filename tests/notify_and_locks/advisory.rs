//! Advisory locks: session-level guards, transaction-level locks, keys as
//! PostgreSQL sees them, and no lock ever carried into the pool.

use std::time::Duration;

use orm::prelude::*;
use orm::{AdvisoryKey, AdvisoryScope, Backend, Connection};

use crate::common::unique_name;

/// Generous: a lock that must be granted is granted in milliseconds.
const PATIENCE: Duration = Duration::from_secs(30);

/// A key no other test (or run) uses.
fn fresh_key(name: &str) -> AdvisoryKey {
    AdvisoryKey::from_name(&unique_name(name))
}

/// How `key` shows in `pg_locks`: (classid, objid, objsubid).
fn lock_id(key: AdvisoryKey) -> (i64, i64, i32) {
    match key {
        AdvisoryKey::Int(k) => ((k as u64 >> 32) as i64, (k as u64 & 0xffff_ffff) as i64, 1),
        AdvisoryKey::Pair(a, b) => (i64::from(a as u32), i64::from(b as u32), 2),
    }
}

/// How many sessions hold (`granted`) or wait for `key`.
async fn lock_rows(db: &Database, key: AdvisoryKey, granted: bool) -> orm::Result<i64> {
    let (classid, objid, objsubid) = lock_id(key);
    let mut s = db.session();
    let (n,): (i64,) = s
        .raw(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::int8 = $1 \
             AND objid::int8 = $2 AND objsubid::int4 = $3 AND granted = $4",
        )
        .bind(classid)
        .bind(objid)
        .bind(objsubid)
        .bind(granted)
        .fetch_one()
        .await?;
    s.commit().await?;
    Ok(n)
}

/// Waits until some session waits for `key`.
async fn until_someone_waits_for(db: &Database, key: AdvisoryKey) -> orm::Result<()> {
    for _ in 0..600 {
        if lock_rows(db, key, false).await? == 1 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nobody waits for {key:?}");
}

/// The backend process id of a pooled connection, and how many advisory
/// locks it holds.
async fn pooled_connection(db: &Database) -> orm::Result<(i32, i64)> {
    let mut s = db.session();
    let row: (i32, i64) = s
        .raw(
            "SELECT pg_backend_pid(), (SELECT count(*) FROM pg_locks \
             WHERE locktype = 'advisory' AND pid = pg_backend_pid())",
        )
        .fetch_one()
        .await?;
    s.commit().await?;
    Ok(row)
}

postgres!("", async fn a_held_lock_fails_try_lock_and_makes_lock_wait_until_released(db) {
    let key = fresh_key("held");
    let held = db.advisory_lock(key).await?;
    assert_eq!(held.key(), key);
    assert_eq!(lock_rows(&db, key, true).await?, 1);
    assert!(db.try_advisory_lock(key).await?.is_none());

    let waiter = tokio::spawn({
        let db = db.clone();
        async move { db.advisory_lock(key).await }
    });
    until_someone_waits_for(&db, key).await?;
    held.release().await?;

    let got = tokio::time::timeout(PATIENCE, waiter)
        .await
        .expect("the waiter got the lock after the release")
        .expect("the waiting task")?;
    assert_eq!(lock_rows(&db, key, true).await?, 1);
    got.release().await?;
    assert_eq!(lock_rows(&db, key, true).await?, 0);
    Ok(())
});

postgres!("", async fn a_name_locks_its_fnv1a_64_hash_on_the_server(db) {
    // FNV-1a 64 of "orm advisory key pin" is 0x622b31ac70c000ee.
    let key = AdvisoryKey::from("orm advisory key pin");
    assert_eq!(key, AdvisoryKey::Int(0x622b_31ac_70c0_00ee));
    assert_eq!(lock_id(key), (1_646_997_932, 1_891_631_342, 1));
    let guard = db.advisory_lock("orm advisory key pin").await?;
    assert_eq!(lock_rows(&db, key, true).await?, 1);
    guard.release().await?;
    assert_eq!(lock_rows(&db, key, true).await?, 0);
    Ok(())
});

postgres!("", async fn an_integer_key_and_a_pair_of_the_same_bits_are_different_locks(db) {
    let AdvisoryKey::Int(k) = fresh_key("spaces") else { unreachable!() };
    let int = AdvisoryKey::Int(k);
    let pair = AdvisoryKey::Pair((k >> 32) as i32, k as i32);
    let a = db.advisory_lock(int).await?;
    let b = db.try_advisory_lock(pair).await?.expect("the pair is another lock");
    assert!(db.try_advisory_lock(int).await?.is_none());
    assert!(db.try_advisory_lock(pair).await?.is_none());
    assert_eq!(lock_rows(&db, pair, true).await?, 1);
    b.release().await?;
    a.release().await?;
    Ok(())
});

postgres!("", async fn a_transaction_lock_is_released_at_commit_and_at_rollback(db) {
    let key = fresh_key("xact");
    let mut holder = db.session();
    holder.advisory_xact_lock(key).await?;
    let mut other = db.session();
    assert!(!other.try_advisory_xact_lock(key).await?);
    assert!(db.try_advisory_lock(key).await?.is_none());

    holder.commit().await?;
    assert!(other.try_advisory_xact_lock(key).await?);
    assert!(!holder.try_advisory_xact_lock(key).await?);

    other.rollback().await?;
    assert!(holder.try_advisory_xact_lock(key).await?);
    holder.commit().await?;
    assert_eq!(lock_rows(&db, key, true).await?, 0);
    Ok(())
});

postgres!("", async fn a_waiting_transaction_lock_is_granted_when_the_holder_commits(db) {
    let key = fresh_key("xact_wait");
    let mut holder = db.session();
    holder.advisory_xact_lock(key).await?;
    let waiter = tokio::spawn({
        let db = db.clone();
        async move {
            let mut s = db.session();
            s.advisory_xact_lock(key).await?;
            let (held,): (i64,) = s
                .raw("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
                .fetch_one()
                .await?;
            s.commit().await?;
            Ok::<_, Error>(held)
        }
    });
    until_someone_waits_for(&db, key).await?;
    holder.commit().await?;
    let held = tokio::time::timeout(PATIENCE, waiter)
        .await
        .expect("the waiter got the lock after the commit")
        .expect("the waiting task")?;
    assert_eq!(held, 1);
    Ok(())
});

postgres!("pool_size=1", async fn a_released_guard_returns_its_connection_to_the_pool_as_it_is(db) {
    let (pid, held) = pooled_connection(&db).await?;
    assert_eq!(held, 0);
    let guard = db.advisory_lock(fresh_key("reuse")).await?;
    guard.release().await?;
    // The same connection, kept: unlocked, not closed.
    assert_eq!(pooled_connection(&db).await?, (pid, 0));
    Ok(())
});

postgres!("pool_size=1", async fn a_dropped_guard_never_takes_its_lock_into_the_pool(db) {
    let key = fresh_key("dropped");
    let (first, _) = pooled_connection(&db).await?;
    let guard = db.advisory_lock(key).await?;
    drop(guard);
    // The next lease holds no advisory lock: the guard's connection was
    // closed, not pooled.
    let (next, held) = pooled_connection(&db).await?;
    assert_eq!(held, 0);
    assert_ne!(next, first);
    // The lock ended with its session: a waiting lock gets it.
    let again = tokio::time::timeout(PATIENCE, db.advisory_lock(key))
        .await
        .expect("the dropped guard's lock was freed")?;
    again.release().await?;
    Ok(())
});

postgres!("pool_size=1", async fn a_connection_dropped_holding_a_session_lock_is_not_pooled(db) {
    let key = fresh_key("conn");
    let mut conn = db.backend().acquire().await?;
    assert!(conn.try_advisory_lock(key, AdvisoryScope::Session).await?);
    // A transaction-level lock outside a transaction ends with its statement.
    assert!(conn.try_advisory_lock(fresh_key("conn_x"), AdvisoryScope::Transaction).await?);
    drop(conn);
    let (_, held) = pooled_connection(&db).await?;
    assert_eq!(held, 0);

    // Locked and unlocked again, it goes back as it is.
    let mut conn = db.backend().acquire().await?;
    conn.advisory_lock(key, AdvisoryScope::Session).await?;
    assert!(conn.advisory_unlock(key).await?);
    assert!(!conn.advisory_unlock(key).await?);
    let (pid,): (i32,) = conn
        .fetch_all::<(i32,)>("SELECT pg_backend_pid()", &[])
        .await?
        .remove(0);
    drop(conn);
    assert_eq!(pooled_connection(&db).await?, (pid, 0));
    Ok(())
});

postgres!("", async fn a_lock_wait_cancelled_by_dropping_its_future_leaves_no_lock_behind(db) {
    let key = fresh_key("cancelled");
    let held = db.advisory_lock(key).await?;
    let waiter = tokio::spawn({
        let db = db.clone();
        async move { db.advisory_lock(key).await }
    });
    until_someone_waits_for(&db, key).await?;
    // Dropped while its statement waits on the server: whether the lock is
    // taken later or not, its connection must never reach the pool.
    waiter.abort();
    assert!(waiter.await.unwrap_err().is_cancelled());
    held.release().await?;

    let again = tokio::time::timeout(PATIENCE, db.advisory_lock(key))
        .await
        .expect("the cancelled waiter's session let the lock go")?;
    again.release().await?;
    // Every pooled connection is free of advisory locks.
    let status = db.pool_status();
    let mut sessions = Vec::new();
    for _ in 0..status.size {
        let mut s = db.session();
        let (held,): (i64,) = s
            .raw("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            .fetch_one()
            .await?;
        assert_eq!(held, 0);
        sessions.push(s);
    }
    Ok(())
});

postgres!("pool_size=1", async fn session_state_taken_in_raw_sql_never_goes_into_the_pool(db) {
    let (pid, _) = pooled_connection(&db).await?;
    let key = fresh_key("raw");
    let AdvisoryKey::Int(k) = key else { unreachable!("a name hashes to one integer") };
    let channel = unique_name("raw listen");
    let mut s = db.session();
    // Each of these outlives the transaction on the connection.
    let (locked,): (bool,) = s.raw("SELECT pg_try_advisory_lock($1)").bind(k).fetch_one().await?;
    assert!(locked);
    s.raw("select pg_advisory_lock_shared($1)").bind(k).execute().await?;
    s.batch(&format!("LISTEN \"{channel}\"")).await?;
    s.raw("SELECT set_config('application_name', 'leaky', false)").execute().await?;
    s.commit().await?;
    // The next lease (the pool's only connection, kept) starts clean.
    assert_eq!(pooled_connection(&db).await?, (pid, 0));
    let mut s = db.session();
    let (channels, name): (i64, String) = s
        .raw("SELECT (SELECT count(*) FROM pg_listening_channels()), current_setting('application_name')")
        .fetch_one()
        .await?;
    assert_eq!((channels, name.as_str()), (0, ""));
    s.commit().await?;
    Ok(())
});
