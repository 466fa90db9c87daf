//! The pool and the life of a connection: timeouts, rollback on drop,
//! discard, no transaction ever handed out.

use std::time::{Duration, Instant};

use orm_core::{Backend, Connection, Error, TxStatus, ValueRef};
use orm_postgres::{PgConnection, Postgres};

use crate::common::{backend_pid, terminate, wait_gone, TestDb};

/// Whether `conn` is inside a transaction, asked two ways: has it a
/// transaction id (our inserts assign one), and do two statements share a
/// start time (only inside one transaction).
async fn in_transaction(conn: &mut PgConnection) -> bool {
    let first: Vec<(bool, String)> = conn
        .fetch_all(
            "SELECT txid_current_if_assigned() IS NOT NULL, now()::text",
            &[],
        )
        .await
        .unwrap();
    let second: Vec<(String,)> = conn.fetch_all("SELECT now()::text", &[]).await.unwrap();
    let (has_xid, started) = first[0].clone();
    let same_start = started == second[0].0;
    assert_eq!(has_xid, same_start, "the two probes disagree");
    has_xid
}

async fn count(conn: &mut PgConnection, table: &str) -> i64 {
    let rows: Vec<(i64,)> = conn
        .fetch_all(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap();
    rows[0].0
}

#[tokio::test]
async fn acquire_times_out_while_the_only_connection_is_held() {
    let db = TestDb::new("pool_timeout").await;
    let pg = db.connect("max_connections=1&acquire_timeout=200ms").await;
    let held = pg.acquire().await.unwrap();
    let started = Instant::now();
    let err = pg.acquire().await.unwrap_err();
    assert!(
        matches!(err, Error::PoolTimeout { timeout } if timeout == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(190));
    let status = pg.pool_status();
    assert_eq!((status.max_size, status.size, status.idle), (1, 1, 0));
    drop(held);
    let status = pg.pool_status();
    assert_eq!((status.size, status.idle), (1, 1));
    let mut conn = pg.acquire().await.unwrap();
    assert_eq!(conn.execute("SELECT 1", &[]).await.unwrap(), 1);
}

#[tokio::test]
async fn a_connection_dropped_in_a_transaction_is_rolled_back_before_reuse() {
    let db = TestDb::new("drop_in_tx").await;
    let pg = db.connect("max_connections=1").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (x int8)").await.unwrap();
    let pid = backend_pid(&mut conn).await;

    conn.batch("BEGIN").await.unwrap();
    conn.set_tx_status(TxStatus::InTransaction);
    conn.execute("INSERT INTO t VALUES ($1)", &[ValueRef::I64(1)])
        .await
        .unwrap();
    assert!(in_transaction(&mut conn).await);
    drop(conn);

    // The one connection comes back once rolled back: the same server
    // process, outside any transaction, without the row.
    let mut conn = pg.acquire().await.unwrap();
    assert_eq!(backend_pid(&mut conn).await, pid);
    assert!(!in_transaction(&mut conn).await);
    assert_eq!(count(&mut conn, "t").await, 0);
    assert_eq!(conn.tx_status(), TxStatus::Idle);
}

#[tokio::test]
async fn a_connection_in_an_unknown_state_is_rolled_back_too() {
    let db = TestDb::new("drop_unknown").await;
    let pg = db.connect("max_connections=1").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (x int8)").await.unwrap();
    conn.batch("BEGIN; INSERT INTO t VALUES (1)").await.unwrap();
    // As the session does around BEGIN/COMMIT: the outcome is not known.
    conn.set_tx_status(TxStatus::Unknown);
    drop(conn);

    let mut conn = pg.acquire().await.unwrap();
    assert!(!in_transaction(&mut conn).await);
    assert_eq!(count(&mut conn, "t").await, 0);
}

#[tokio::test]
async fn an_idle_connection_goes_back_as_it_is() {
    let db = TestDb::new("drop_idle").await;
    let pg = db.connect("max_connections=1").await;
    let mut conn = pg.acquire().await.unwrap();
    let pid = backend_pid(&mut conn).await;
    drop(conn);
    // Back at once, with no task in between.
    assert_eq!(pg.pool_status().idle, 1);
    let mut conn = pg.acquire().await.unwrap();
    assert_eq!(backend_pid(&mut conn).await, pid);
}

#[tokio::test]
async fn a_connection_whose_statement_was_cancelled_waits_for_it_before_reuse() {
    let db = TestDb::new("drop_in_flight").await;
    let pg = db.connect("max_connections=1").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (x int8)").await.unwrap();
    // Cancel a slow statement after it was sent.
    let slow = conn.execute("INSERT INTO t SELECT 1 FROM pg_sleep(0.5)", &[]);
    assert!(tokio::time::timeout(Duration::from_millis(100), slow)
        .await
        .is_err());
    let started = Instant::now();
    drop(conn);
    let mut conn = pg.acquire().await.unwrap();
    // Not handed out before the statement finished.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert!(!in_transaction(&mut conn).await);
    // An autocommitted statement stays committed.
    assert_eq!(count(&mut conn, "t").await, 1);
}

#[tokio::test]
async fn discard_closes_the_connection() {
    let db = TestDb::new("discard").await;
    let pg = db.connect("max_connections=2").await;
    let mut other = pg.acquire().await.unwrap();
    let mut conn = pg.acquire().await.unwrap();
    let pid = backend_pid(&mut conn).await;
    assert_eq!(pg.pool_status().size, 2);
    conn.discard();
    drop(conn);
    assert_eq!(pg.pool_status().size, 1);
    wait_gone(&mut other, pid).await;
    drop(other);
    let mut again = pg.acquire().await.unwrap();
    assert_ne!(backend_pid(&mut again).await, pid);
}

#[tokio::test]
async fn a_connection_killed_by_the_server_is_not_reused() {
    let db = TestDb::new("killed").await;
    let pg = db.connect("max_connections=2").await;
    let mut killer = pg.acquire().await.unwrap();
    let mut victim = pg.acquire().await.unwrap();
    let pid = backend_pid(&mut victim).await;
    terminate(&mut killer, pid).await;
    let err = victim.execute("SELECT 1", &[]).await.unwrap_err();
    assert!(
        matches!(&err, Error::ConnectionLost { .. } | Error::Database { .. }),
        "{err:?}"
    );
    drop(victim);
    drop(killer);
    // Every connection handed out now works.
    let mut a = pg.acquire().await.unwrap();
    let mut b = pg.acquire().await.unwrap();
    assert_eq!(a.execute("SELECT 1", &[]).await.unwrap(), 1);
    assert_eq!(b.execute("SELECT 1", &[]).await.unwrap(), 1);
    assert_ne!(backend_pid(&mut a).await, pid);
    assert_ne!(backend_pid(&mut b).await, pid);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn open_transaction(pg: &Postgres) -> (PgConnection, i32) {
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE IF NOT EXISTS t (x int8)")
        .await
        .unwrap();
    let pid = backend_pid(&mut conn).await;
    conn.batch("BEGIN; INSERT INTO t VALUES (1)").await.unwrap();
    conn.set_tx_status(TxStatus::InTransaction);
    (conn, pid)
}

#[test]
fn dropped_outside_a_runtime_in_a_transaction_it_is_closed() {
    let rt = runtime();
    let db = rt.block_on(TestDb::new("drop_no_runtime"));
    let pg = rt.block_on(db.connect("max_connections=1"));
    let (conn, pid) = rt.block_on(open_transaction(&pg));
    // No runtime here: nothing to roll back on, so the connection is closed.
    assert!(tokio::runtime::Handle::try_current().is_err());
    drop(conn);
    assert_eq!(pg.pool_status().size, 0);
    rt.block_on(async {
        let mut conn = pg.acquire().await.unwrap();
        assert_ne!(backend_pid(&mut conn).await, pid);
        wait_gone(&mut conn, pid).await;
        assert!(!in_transaction(&mut conn).await);
        assert_eq!(count(&mut conn, "t").await, 0);
    });
}

#[test]
fn a_runtime_shutting_down_mid_rollback_closes_the_connection() {
    let db;
    let pg;
    {
        let rt = runtime();
        db = rt.block_on(TestDb::new("drop_shutdown"));
        pg = rt.block_on(db.connect("max_connections=1"));
        let (conn, _) = rt.block_on(open_transaction(&pg));
        // The rollback task is spawned but never runs: the runtime goes
        // away first, dropping the task, which closes the connection.
        rt.block_on(async move { drop(conn) });
        assert_eq!(pg.pool_status().size, 1);
    }
    assert_eq!(pg.pool_status().size, 0);
    let rt = runtime();
    rt.block_on(async {
        let mut conn = pg.acquire().await.unwrap();
        assert!(!in_transaction(&mut conn).await);
        assert_eq!(count(&mut conn, "t").await, 0);
    });
}
