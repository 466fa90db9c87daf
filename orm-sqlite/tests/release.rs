//! What becomes of a connection when it is dropped.

mod common;

use common::{assert_not_in_transaction, memory};
use orm_core::{Backend, Connection, TxStatus, ValueRef};
use orm_sqlite::{Sqlite, SqliteConn};

async fn setup(db: &Sqlite) {
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE log (line TEXT)").await.unwrap();
    conn.execute("INSERT INTO log VALUES (?)", &[ValueRef::Text("committed")])
        .await
        .unwrap();
}

async fn lines(conn: &mut SqliteConn) -> Vec<String> {
    let rows: Vec<(String,)> = conn
        .fetch_all("SELECT line FROM log ORDER BY rowid", &[])
        .await
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn dropped_in_a_transaction_it_is_rolled_back_before_reuse() {
    let db = memory().await;
    setup(&db).await;
    {
        let mut conn = db.acquire().await.unwrap();
        conn.set_tx_status(TxStatus::Unknown);
        conn.batch("BEGIN").await.unwrap();
        conn.set_tx_status(TxStatus::InTransaction);
        assert_eq!(conn.tx_status(), TxStatus::InTransaction);
        conn.execute(
            "INSERT INTO log VALUES (?)",
            &[ValueRef::Text("uncommitted")],
        )
        .await
        .unwrap();
    }
    // The one connection of the memory pool (so the same database) comes back.
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_not_in_transaction(&mut conn).await;
    assert_eq!(lines(&mut conn).await, vec!["committed"]);
}

#[tokio::test]
async fn dropped_in_an_unknown_state_without_a_transaction_it_is_kept() {
    let db = memory().await;
    setup(&db).await;
    {
        let mut conn = db.acquire().await.unwrap();
        conn.set_tx_status(TxStatus::Unknown);
    }
    // Had the connection been closed, the memory database would be gone.
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(lines(&mut conn).await, vec!["committed"]);
    assert_not_in_transaction(&mut conn).await;
}

#[tokio::test]
async fn dropped_in_an_unknown_state_inside_a_transaction_it_is_rolled_back() {
    let db = memory().await;
    setup(&db).await;
    {
        let mut conn = db.acquire().await.unwrap();
        conn.batch("BEGIN").await.unwrap();
        conn.execute("INSERT INTO log VALUES ('lost')", &[])
            .await
            .unwrap();
        conn.set_tx_status(TxStatus::Unknown);
    }
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(lines(&mut conn).await, vec!["committed"]);
}

#[tokio::test]
async fn dropped_mid_stream_in_a_transaction_it_is_rolled_back() {
    let db = memory().await;
    setup(&db).await;
    {
        let mut conn = db.acquire().await.unwrap();
        conn.batch("BEGIN; INSERT INTO log VALUES ('a'), ('b'), ('c')")
            .await
            .unwrap();
        conn.set_tx_status(TxStatus::InTransaction);
        let mut stream = conn.fetch_stream::<(String,)>("SELECT line FROM log".into(), Vec::new());
        let first = futures_util::StreamExt::next(&mut stream).await;
        assert!(matches!(first, Some(Ok(_))));
    }
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(lines(&mut conn).await, vec!["committed"]);
}

/// A setting of the connection itself, to tell connections apart.
async fn busy_timeout(conn: &mut SqliteConn) -> i64 {
    let rows: Vec<(i64,)> = conn.fetch_all("PRAGMA busy_timeout", &[]).await.unwrap();
    rows[0].0
}

#[tokio::test]
async fn a_discarded_connection_is_closed() {
    let file = common::TempDb::new();
    let db = common::connect(&format!("{}?max_connections=1", file.url()))
        .await
        .unwrap();
    {
        let mut conn = db.acquire().await.unwrap();
        conn.batch("PRAGMA busy_timeout = 1234").await.unwrap();
        assert_eq!(busy_timeout(&mut conn).await, 1234);
        conn.discard();
    }
    // The one connection allowed is a new one.
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(busy_timeout(&mut conn).await, 5000);
    drop(conn);
    db.close().await;
}

#[tokio::test]
async fn a_discarded_memory_connection_is_rolled_back_and_kept() {
    let db = memory().await;
    setup(&db).await;
    {
        let mut conn = db.acquire().await.unwrap();
        conn.batch("PRAGMA busy_timeout = 1234").await.unwrap();
        conn.batch("BEGIN").await.unwrap();
        conn.set_tx_status(TxStatus::InTransaction);
        conn.execute("INSERT INTO log VALUES ('discarded')", &[])
            .await
            .unwrap();
        conn.discard();
    }
    // Closing it would have lost the database: its rows show it was kept.
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(lines(&mut conn).await, vec!["committed"]);
    // The pragma set in raw SQL was restored on the way back.
    assert_eq!(busy_timeout(&mut conn).await, 5000);
    assert_not_in_transaction(&mut conn).await;
}

#[tokio::test]
async fn idle_connections_go_back_to_the_pool() {
    let file = common::TempDb::new();
    let db = common::connect(&format!("{}?max_connections=2", file.url()))
        .await
        .unwrap();
    for _ in 0..5 {
        let a = db.acquire().await.unwrap();
        let b = db.acquire().await.unwrap();
        drop((a, b));
        // Back at once: no task, no ping to the connections' worker
        // threads, as sqlx's own pool would send.
        let status = db.pool_status();
        assert_eq!((status.size, status.idle), (2, 2));
    }
    db.close().await;
}

#[test]
fn dropped_outside_any_runtime_it_is_closed_without_panicking() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let file = common::TempDb::new();
    let (db, idle, in_tx) = rt.block_on(async {
        let db = common::connect(&file.url()).await.unwrap();
        let idle = db.acquire().await.unwrap();
        let mut in_tx = db.acquire().await.unwrap();
        in_tx.batch("BEGIN").await.unwrap();
        in_tx.set_tx_status(TxStatus::InTransaction);
        (db, idle, in_tx)
    });
    drop(idle);
    drop(in_tx);
    rt.block_on(async {
        assert_eq!(db.pool_status().size, 0);
        let mut conn = db.acquire().await.unwrap();
        assert_not_in_transaction(&mut conn).await;
        drop(conn);
        db.close().await;
    });
}

#[test]
fn a_rollback_task_dropped_at_runtime_shutdown_does_not_recurse() {
    let file = common::TempDb::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = rt.block_on(async {
        let db = common::connect(&file.url()).await.unwrap();
        let mut conn = db.acquire().await.unwrap();
        conn.batch("BEGIN").await.unwrap();
        conn.set_tx_status(TxStatus::InTransaction);
        // Spawns the rollback task, which never runs: the runtime shuts down.
        drop(conn);
        db
    });
    drop(rt);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut conn = db.acquire().await.unwrap();
        assert_not_in_transaction(&mut conn).await;
    });
}

#[tokio::test]
async fn a_transaction_sqlite_already_rolled_back_does_not_cost_the_connection() {
    let db = memory().await;
    setup(&db).await;
    {
        let mut conn = db.acquire().await.unwrap();
        conn.batch("CREATE UNIQUE INDEX log_line ON log (line)")
            .await
            .unwrap();
        conn.batch("BEGIN").await.unwrap();
        conn.set_tx_status(TxStatus::InTransaction);
        conn.execute("INSERT INTO log VALUES ('new')", &[])
            .await
            .unwrap();
        // The conflict makes SQLite roll the whole transaction back itself.
        let err = conn
            .execute("INSERT OR ROLLBACK INTO log VALUES ('committed')", &[])
            .await
            .unwrap_err();
        assert!(
            matches!(err, orm_core::Error::UniqueViolation(_)),
            "{err:?}"
        );
    }
    // The ROLLBACK on drop found no transaction; the connection (and with it
    // the memory database) was kept.
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(lines(&mut conn).await, vec!["committed"]);
}
