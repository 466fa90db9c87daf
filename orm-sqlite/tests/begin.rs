//! A deferred `BEGIN` travels to sqlx's worker with the transaction's first
//! statement: what that statement returns is its own, a transaction that
//! ran nothing ends without a word to SQLite, and a first statement that
//! fails leaves a transaction that rolls back.

mod common;

use common::{assert_not_in_transaction, memory};
use orm_core::{Backend, Connection, Error, TxOptions, TxStatus, ValueRef};
use orm_sqlite::{Sqlite, SqliteConn};

/// A table of five rows, changed in autocommit: SQLite's count of rows
/// changed is then 5 until another write.
async fn five_rows(db: &Sqlite) -> SqliteConn {
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER NOT NULL)")
        .await
        .unwrap();
    conn.batch("INSERT INTO t (x) VALUES (1), (2), (3), (4), (5)")
        .await
        .unwrap();
    assert_eq!(
        conn.execute("UPDATE t SET x = x + 1", &[]).await.unwrap(),
        5
    );
    conn
}

async fn xs(conn: &mut SqliteConn) -> Vec<i64> {
    let rows: Vec<(i64,)> = conn
        .fetch_all("SELECT x FROM t ORDER BY id", &[])
        .await
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn the_first_statement_counts_its_own_rows() {
    let db = memory().await;
    let mut conn = five_rows(&db).await;
    conn.begin(&TxOptions::new()).await.unwrap();
    let n = conn
        .execute("UPDATE t SET x = 0 WHERE id = ?", &[ValueRef::I64(1)])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(conn.tx_status(), TxStatus::InTransaction);
    // A statement that changes nothing reports 0, not the last count.
    conn.commit().await.unwrap();
    conn.begin(&TxOptions::new()).await.unwrap();
    let n = conn
        .execute("UPDATE t SET x = 0 WHERE id = ?", &[ValueRef::I64(99)])
        .await
        .unwrap();
    assert_eq!(n, 0);
    conn.commit().await.unwrap();
    assert_eq!(xs(&mut conn).await, [0, 3, 4, 5, 6]);
}

#[tokio::test]
async fn the_first_statement_runs_inside_the_transaction() {
    let db = memory().await;
    let mut conn = five_rows(&db).await;
    conn.begin(&TxOptions::new()).await.unwrap();
    let rows: Vec<(i64,)> = conn.fetch_all("SELECT count(*) FROM t", &[]).await.unwrap();
    assert_eq!(rows, [(5,)]);
    conn.execute("DELETE FROM t", &[]).await.unwrap();
    conn.rollback().await.unwrap();
    assert_eq!(xs(&mut conn).await, [2, 3, 4, 5, 6]);

    conn.begin(&TxOptions::new()).await.unwrap();
    assert_eq!(conn.execute("DELETE FROM t", &[]).await.unwrap(), 5);
    conn.rollback().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_not_in_transaction(&mut conn).await;
    assert_eq!(xs(&mut conn).await, [2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn a_transaction_that_ran_nothing_ends_as_it_began() {
    let db = memory().await;
    let mut conn = five_rows(&db).await;
    conn.begin(&TxOptions::new()).await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::InTransaction);
    conn.commit().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_not_in_transaction(&mut conn).await;
    conn.begin(&TxOptions::new()).await.unwrap();
    conn.rollback().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_not_in_transaction(&mut conn).await;
    // Dropped with its BEGIN unsent, it goes back to the pool as it is.
    conn.begin(&TxOptions::new()).await.unwrap();
    drop(conn);
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_not_in_transaction(&mut conn).await;
}

#[tokio::test]
async fn a_second_begin_is_refused_as_sqlite_refuses_it() {
    let db = memory().await;
    let mut conn = five_rows(&db).await;
    conn.begin(&TxOptions::new()).await.unwrap();
    let err = conn.begin(&TxOptions::new()).await.unwrap_err();
    assert!(err.to_string().contains("within a transaction"), "{err:?}");
    conn.rollback().await.unwrap();
    assert_not_in_transaction(&mut conn).await;
}

#[tokio::test]
async fn a_failed_first_statement_leaves_a_transaction_to_roll_back() {
    let db = memory().await;
    let mut conn = five_rows(&db).await;
    conn.begin(&TxOptions::new()).await.unwrap();
    let err = conn
        .execute("INSERT INTO t (id, x) VALUES (?, 0)", &[ValueRef::I64(1)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UniqueViolation(_)), "{err:?}");
    // The BEGIN ran or not: unknown until rolled back.
    assert_eq!(conn.tx_status(), TxStatus::Unknown);
    conn.rollback().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_not_in_transaction(&mut conn).await;

    conn.begin(&TxOptions::new()).await.unwrap();
    let err = conn.execute("SELEKT 1", &[]).await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    conn.rollback().await.unwrap();
    assert_not_in_transaction(&mut conn).await;
    assert_eq!(xs(&mut conn).await, [2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn a_bad_bind_sends_nothing_and_the_begin_waits_for_the_next_statement() {
    let db = memory().await;
    let mut conn = five_rows(&db).await;
    conn.begin(&TxOptions::new()).await.unwrap();
    let too_many = vec![ValueRef::I64(0); orm_sqlite::MAX_BINDS + 1];
    let err = conn.execute("SELECT 1", &too_many).await.unwrap_err();
    assert!(matches!(err, Error::TooManyBinds { .. }), "{err:?}");
    assert_eq!(conn.tx_status(), TxStatus::InTransaction);
    conn.execute("DELETE FROM t", &[]).await.unwrap();
    conn.rollback().await.unwrap();
    assert_eq!(xs(&mut conn).await, [2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn transaction_control_and_pragma_writes_get_the_begin_first() {
    let db = memory().await;
    let mut conn = five_rows(&db).await;
    // SQLite changes no foreign_keys inside a transaction: the pragma
    // must come after the BEGIN, as it would have without the deferral.
    conn.begin(&TxOptions::new()).await.unwrap();
    conn.execute("PRAGMA foreign_keys = OFF", &[])
        .await
        .unwrap();
    let on: Vec<(i64,)> = conn.fetch_all("PRAGMA foreign_keys", &[]).await.unwrap();
    assert_eq!(on, [(1,)]);
    conn.rollback().await.unwrap();
    // A savepoint inside the transaction, not a transaction of its own.
    conn.begin(&TxOptions::new()).await.unwrap();
    conn.execute("SAVEPOINT s", &[]).await.unwrap();
    conn.set_tx_status(TxStatus::InTransaction);
    conn.execute("DELETE FROM t", &[]).await.unwrap();
    conn.execute("RELEASE SAVEPOINT s", &[]).await.unwrap();
    conn.set_tx_status(TxStatus::InTransaction);
    conn.rollback().await.unwrap();
    assert_eq!(xs(&mut conn).await, [2, 3, 4, 5, 6]);
}
