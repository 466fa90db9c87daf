//! `BEGIN` rides with the transaction's first statement: what the server
//! sees of a transaction before, during and after it, and that nothing the
//! issue-4 guarantees promise is lost on the way.

use std::time::Duration;

use orm_core::{Backend, Connection, Error, TxOptions, TxStatus, ValueRef};
use orm_postgres::{PgConnection, Postgres};

use crate::common::{backend_pid, terminate, TestDb};

/// What the server says server process `pid` is doing (`idle`, `idle in
/// transaction`, ...) and the last statement it received.
async fn seen_by_server(admin: &mut PgConnection, pid: i32) -> (String, String) {
    let rows: Vec<(String, String)> = admin
        .fetch_all(
            "SELECT state, query FROM pg_stat_activity WHERE pid = $1",
            &[ValueRef::I32(pid)],
        )
        .await
        .unwrap();
    rows.into_iter()
        .next()
        .expect("the server process is there")
}

/// A pooled connection to watch, with table `t` (`x int8`), and a second
/// connection of the same pool to watch it from, on a schema of their own.
struct Watched {
    _db: TestDb,
    pg: Postgres,
    admin: PgConnection,
    conn: PgConnection,
    pid: i32,
}

async fn watched(name: &str) -> Watched {
    let db = TestDb::new(name).await;
    let pg = db.connect("max_connections=2").await;
    let admin = pg.acquire().await.unwrap();
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (x int8)").await.unwrap();
    let pid = backend_pid(&mut conn).await;
    Watched {
        _db: db,
        pg,
        admin,
        conn,
        pid,
    }
}

#[tokio::test]
async fn begin_reaches_the_server_with_the_first_statement() {
    let mut w = watched("begin_lazy").await;

    w.conn.begin(&TxOptions::new()).await.unwrap();
    assert_eq!(w.conn.tx_status(), TxStatus::InTransaction);
    // Nothing sent yet: the server still sees the last statement, idle.
    assert_eq!(
        seen_by_server(&mut w.admin, w.pid).await,
        ("idle".to_string(), "SELECT pg_backend_pid()".to_string())
    );

    let one: Vec<(i32,)> = w.conn.fetch_all("SELECT 1", &[]).await.unwrap();
    assert_eq!(one, [(1,)]);
    assert_eq!(
        seen_by_server(&mut w.admin, w.pid).await,
        ("idle in transaction".to_string(), "SELECT 1".to_string())
    );

    w.conn.commit().await.unwrap();
    assert_eq!(w.conn.tx_status(), TxStatus::Idle);
    assert_eq!(
        seen_by_server(&mut w.admin, w.pid).await,
        ("idle".to_string(), "COMMIT".to_string())
    );
}

#[tokio::test]
async fn the_first_statement_runs_under_the_options_of_begin() {
    let db = TestDb::new("begin_options").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.begin(&TxOptions::serializable().read_only().deferrable())
        .await
        .unwrap();
    let settings: Vec<(String, String, String)> = conn
        .fetch_all(
            "SELECT current_setting('transaction_isolation'), \
             current_setting('transaction_read_only'), \
             current_setting('transaction_deferrable')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        settings,
        [("serializable".into(), "on".into(), "on".into())]
    );
    let err = conn.batch("CREATE TABLE t (x int8)").await.unwrap_err();
    assert!(matches!(err, Error::ReadOnlyTransaction { .. }), "{err:?}");
    conn.rollback().await.unwrap();
}

#[tokio::test]
async fn a_transaction_that_ran_nothing_ends_without_a_word_to_the_server() {
    let mut w = watched("begin_nothing").await;
    let untouched = ("idle".to_string(), "SELECT pg_backend_pid()".to_string());

    w.conn.begin(&TxOptions::new()).await.unwrap();
    w.conn.commit().await.unwrap();
    assert_eq!(w.conn.tx_status(), TxStatus::Idle);
    w.conn.begin(&TxOptions::serializable()).await.unwrap();
    w.conn.rollback().await.unwrap();
    assert_eq!(w.conn.tx_status(), TxStatus::Idle);
    assert_eq!(seen_by_server(&mut w.admin, w.pid).await, untouched);

    // Dropped with its BEGIN unsent, it goes back to the pool at once, as
    // an idle one does: no rollback on the way.
    w.conn.begin(&TxOptions::new()).await.unwrap();
    drop(w.conn);
    assert_eq!(w.pg.pool_status().idle, 1);
    let mut again = w.pg.acquire().await.unwrap();
    assert_eq!(again.tx_status(), TxStatus::Idle);
    assert_eq!(seen_by_server(&mut w.admin, w.pid).await, untouched);
    assert_eq!(backend_pid(&mut again).await, w.pid);
}

#[tokio::test]
async fn a_statement_failing_after_its_begin_leaves_the_transaction_aborted() {
    let db = TestDb::new("begin_failed_statement").await;
    let pg = db.connect("max_connections=1").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (x int8)").await.unwrap();

    conn.begin(&TxOptions::new()).await.unwrap();
    let err = conn
        .execute("INSERT INTO t VALUES (1 / $1::int8)", &[ValueRef::I64(0)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Database { code, .. } if code == "22012"),
        "{err:?}"
    );
    // BEGIN went through: the transaction is open, and aborted.
    assert_eq!(conn.tx_status(), TxStatus::InTransaction);
    let err = conn.execute("SELECT 1", &[]).await.unwrap_err();
    assert!(
        matches!(&err, Error::Database { code, .. } if code == "25P02"),
        "{err:?}"
    );
    conn.rollback().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_eq!(conn.execute("SELECT 1", &[]).await.unwrap(), 1);
}

#[tokio::test]
async fn a_begin_whose_statement_future_is_dropped_is_rolled_back_before_reuse() {
    let db = TestDb::new("begin_dropped").await;
    let pg = db.connect("max_connections=1").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (x int8)").await.unwrap();
    let pid = backend_pid(&mut conn).await;

    conn.begin(&TxOptions::new()).await.unwrap();
    // Sent (BEGIN and the insert together), then given up on.
    let slow = conn.execute("INSERT INTO t SELECT 1 FROM pg_sleep(0.3)", &[]);
    assert!(tokio::time::timeout(Duration::from_millis(50), slow)
        .await
        .is_err());
    drop(conn);

    // The same connection, rolled back: the insert never committed.
    let mut conn = pg.acquire().await.unwrap();
    assert_eq!(backend_pid(&mut conn).await, pid);
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    let rows: Vec<(i64,)> = conn.fetch_all("SELECT count(*) FROM t", &[]).await.unwrap();
    assert_eq!(rows, [(0,)]);
}

#[tokio::test]
async fn a_connection_lost_before_its_begin_was_sent_is_replaced_without_an_error() {
    let mut w = watched("begin_replaced").await;

    w.conn.begin(&TxOptions::new()).await.unwrap();
    terminate(&mut w.admin, w.pid).await;

    // The transaction held nothing yet: it starts again on another
    // connection, and the program sees no error.
    w.conn
        .execute("INSERT INTO t VALUES (1)", &[])
        .await
        .unwrap();
    let replacement = backend_pid(&mut w.conn).await;
    assert_ne!(replacement, w.pid);
    assert_eq!(
        seen_by_server(&mut w.admin, replacement).await.0,
        "idle in transaction"
    );
    w.conn.commit().await.unwrap();
    let rows: Vec<(i64,)> = w
        .admin
        .fetch_all("SELECT count(*) FROM t", &[])
        .await
        .unwrap();
    assert_eq!(rows, [(1,)]);
    assert_eq!(w.pg.pool_status().size, 2);
}

#[tokio::test]
async fn a_connection_lost_inside_its_transaction_is_not_replaced() {
    let mut w = watched("begin_lost_inside").await;

    w.conn.begin(&TxOptions::new()).await.unwrap();
    w.conn
        .execute("INSERT INTO t VALUES (1)", &[])
        .await
        .unwrap();
    terminate(&mut w.admin, w.pid).await;

    // The insert went with the connection: that must be said, not hidden.
    let err = w
        .conn
        .execute("INSERT INTO t VALUES (2)", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
    w.conn.rollback().await.unwrap();
    let rows: Vec<(i64,)> = w
        .admin
        .fetch_all("SELECT count(*) FROM t", &[])
        .await
        .unwrap();
    assert_eq!(rows, [(0,)]);
}

#[tokio::test]
async fn code_using_the_client_directly_runs_inside_the_begun_transaction() {
    let db = TestDb::new("begin_client").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.begin(&TxOptions::new().isolation(orm_core::IsolationLevel::RepeatableRead))
        .await
        .unwrap();
    let client = conn.client().await.unwrap();
    let row = client
        .query_one("SELECT current_setting('transaction_isolation')", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "repeatable read");
    // What the client ran is not known to the connection.
    assert_eq!(conn.tx_status(), TxStatus::Unknown);
    conn.rollback().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
}

#[tokio::test]
async fn savepoints_and_two_phase_commit_start_from_an_unsent_begin() {
    let db = TestDb::new("begin_savepoint").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (x int8)").await.unwrap();

    conn.begin(&TxOptions::new()).await.unwrap();
    conn.batch("SAVEPOINT a").await.unwrap();
    conn.set_tx_status(TxStatus::InTransaction);
    conn.execute("INSERT INTO t VALUES (1)", &[]).await.unwrap();
    conn.batch("ROLLBACK TO SAVEPOINT a").await.unwrap();
    conn.set_tx_status(TxStatus::InTransaction);
    conn.execute("INSERT INTO t VALUES (2)", &[]).await.unwrap();
    conn.commit().await.unwrap();
    let rows: Vec<(i64,)> = conn.fetch_all("SELECT x FROM t", &[]).await.unwrap();
    assert_eq!(rows, [(2,)]);

    // PREPARE TRANSACTION of a transaction that ran nothing: its BEGIN is
    // sent first, so the server has a transaction to prepare (or says why
    // it cannot).
    conn.begin(&TxOptions::new()).await.unwrap();
    match conn.prepare_transaction("begin-unsent").await {
        Ok(()) => {
            assert_eq!(conn.tx_status(), TxStatus::Idle);
            conn.finish_prepared("begin-unsent", false).await.unwrap();
        }
        Err(Error::Unsupported { .. }) => conn.rollback().await.unwrap(),
        Err(other) => panic!("{other:?}"),
    }
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_eq!(conn.execute("SELECT 1", &[]).await.unwrap(), 1);
}

/// Runs `SELECT 1` as a `SELECT` orm built.
async fn select_one(conn: &mut PgConnection) {
    let one: Vec<(i32,)> = conn.fetch_select("SELECT 1", &[]).await.unwrap();
    assert_eq!(one, [(1,)]);
}

#[tokio::test]
async fn a_select_runs_ahead_of_begin_at_read_committed_and_the_first_write_carries_it() {
    let mut w = watched("begin_select_ahead").await;

    w.conn.begin(&TxOptions::new()).await.unwrap();
    select_one(&mut w.conn).await;
    // The read ran on its own: no transaction on the server yet.
    assert_eq!(
        seen_by_server(&mut w.admin, w.pid).await,
        ("idle".to_string(), "SELECT 1".to_string())
    );
    assert_eq!(w.conn.tx_status(), TxStatus::InTransaction);

    w.conn
        .execute("INSERT INTO t VALUES (1)", &[])
        .await
        .unwrap();
    assert_eq!(
        seen_by_server(&mut w.admin, w.pid).await,
        (
            "idle in transaction".to_string(),
            "INSERT INTO t VALUES (1)".to_string()
        )
    );
    // Later reads are inside the transaction and see its write.
    let rows: Vec<(i64,)> = w.conn.fetch_select("SELECT x FROM t", &[]).await.unwrap();
    assert_eq!(rows, [(1,)]);
    w.conn.rollback().await.unwrap();
    let rows: Vec<(i64,)> = w.conn.fetch_select("SELECT x FROM t", &[]).await.unwrap();
    assert_eq!(rows, [], "the write was rolled back with its transaction");

    // A transaction that only read ends without a word to the server.
    w.conn
        .begin(&TxOptions::new().isolation(orm_core::IsolationLevel::ReadCommitted))
        .await
        .unwrap();
    select_one(&mut w.conn).await;
    w.conn.commit().await.unwrap();
    assert_eq!(
        seen_by_server(&mut w.admin, w.pid).await,
        ("idle".to_string(), "SELECT 1".to_string())
    );
}

#[tokio::test]
async fn a_select_carries_begin_at_repeatable_read_serializable_and_after_a_raw_read() {
    let mut w = watched("begin_select_snapshot").await;

    for options in [
        TxOptions::new().isolation(orm_core::IsolationLevel::RepeatableRead),
        TxOptions::serializable(),
    ] {
        w.conn.begin(&options).await.unwrap();
        select_one(&mut w.conn).await;
        assert_eq!(
            seen_by_server(&mut w.admin, w.pid).await,
            ("idle in transaction".to_string(), "SELECT 1".to_string()),
            "{options:?}: the snapshot is the transaction's, taken by its first read"
        );
        w.conn.commit().await.unwrap();
    }

    // SQL orm did not build may do anything: it always carries the BEGIN.
    w.conn.begin(&TxOptions::new()).await.unwrap();
    let one: Vec<(i32,)> = w.conn.fetch_all("SELECT 2", &[]).await.unwrap();
    assert_eq!(one, [(2,)]);
    assert_eq!(
        seen_by_server(&mut w.admin, w.pid).await,
        ("idle in transaction".to_string(), "SELECT 2".to_string())
    );
    w.conn.commit().await.unwrap();
}

#[tokio::test]
async fn a_select_carries_begin_when_the_connection_defaults_to_a_stricter_isolation() {
    let db = TestDb::new("begin_select_default").await;
    // The server's default for this connection is SERIALIZABLE: a
    // transaction that names no level runs at it, snapshot included.
    let url = db.url.replace(
        "options=-csearch_path",
        "options=-cdefault_transaction_isolation%3Dserializable%20-csearch_path",
    );
    assert_ne!(url, db.url);
    let strict = orm_postgres::Postgres::connect(&orm_core::ConnectOptions::parse(&url).unwrap())
        .await
        .unwrap();
    let pg = db.connect("").await;
    let mut admin = pg.acquire().await.unwrap();
    let mut conn = strict.acquire().await.unwrap();
    let pid = backend_pid(&mut conn).await;

    conn.begin(&TxOptions::new()).await.unwrap();
    let level: Vec<(String,)> = conn
        .fetch_select("SELECT current_setting('transaction_isolation')", &[])
        .await
        .unwrap();
    assert_eq!(level, [("serializable".to_string(),)]);
    assert_eq!(
        seen_by_server(&mut admin, pid).await.0,
        "idle in transaction"
    );
    conn.commit().await.unwrap();

    // Asking for READ COMMITTED lets reads run ahead again.
    conn.begin(&TxOptions::new().isolation(orm_core::IsolationLevel::ReadCommitted))
        .await
        .unwrap();
    select_one(&mut conn).await;
    assert_eq!(seen_by_server(&mut admin, pid).await.0, "idle");
    conn.commit().await.unwrap();
}

#[tokio::test]
async fn a_select_carries_begin_once_a_setting_was_changed_on_the_lease() {
    let mut w = watched("begin_select_setting").await;

    // It may have changed the default isolation: reads no longer run ahead.
    w.conn
        .set_setting(
            "default_transaction_isolation",
            "repeatable read",
            orm_core::SettingScope::Connection,
        )
        .await
        .unwrap();
    w.conn.begin(&TxOptions::new()).await.unwrap();
    let level: Vec<(String,)> = w
        .conn
        .fetch_select("SELECT current_setting('transaction_isolation')", &[])
        .await
        .unwrap();
    assert_eq!(level, [("repeatable read".to_string(),)]);
    assert_eq!(
        seen_by_server(&mut w.admin, w.pid).await.0,
        "idle in transaction"
    );
    w.conn.commit().await.unwrap();
}

#[tokio::test]
async fn a_connection_lost_under_a_select_ahead_of_begin_is_replaced_without_an_error() {
    let mut w = watched("begin_select_replaced").await;

    w.conn.begin(&TxOptions::new()).await.unwrap();
    terminate(&mut w.admin, w.pid).await;

    select_one(&mut w.conn).await;
    assert_eq!(w.conn.tx_status(), TxStatus::InTransaction);
    let replacement = backend_pid(&mut w.conn).await;
    assert_ne!(replacement, w.pid);
    w.conn.commit().await.unwrap();
}
