//! Opening pools: URLs, connection settings, pool limits.

mod common;

use std::time::{Duration, Instant};

use common::{connect, memory, TempDb};
use orm_core::{Backend, ConnectOptions, Connection, Error, PoolStatus, ValueRef};
use orm_sqlite::Sqlite;

#[tokio::test]
async fn a_url_sqlx_rejects_is_an_invalid_url() {
    for url in ["sqlite://a.db?mode=sideways", "sqlite://a.db?colour=blue"] {
        let err = connect(url).await.unwrap_err();
        match err {
            Error::InvalidUrl { url: shown, reason } => {
                assert_eq!(shown, url);
                assert!(!reason.is_empty());
            }
            other => panic!("{url}: expected InvalidUrl, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_postgres_url_is_an_invalid_url() {
    let options = ConnectOptions::parse("postgres://u:secret@localhost/db").unwrap();
    let err = Sqlite::connect(&options).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidUrl { url, .. } if url == "postgres://u:***@localhost/db"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unopenable_path_fails_at_connect_with_sqlite_code() {
    let dir = TempDb::new();
    let url = format!("sqlite://{}/missing/app.db", dir.path.display());
    let err = connect(&url).await.unwrap_err();
    match err {
        Error::Database { code, .. } => assert_eq!(code, orm_sqlite::codes::CANTOPEN.to_string()),
        other => panic!("expected Database(14), got {other:?}"),
    }
}

#[tokio::test]
async fn a_file_is_created_in_wal_mode_with_foreign_keys_and_busy_timeout() {
    let file = TempDb::new();
    assert!(!file.path.exists());
    let db = connect(&file.url()).await.unwrap();
    assert!(file.path.exists());
    let mut conn = db.acquire().await.unwrap();
    let (mode,): (String,) = one(&mut conn, "PRAGMA journal_mode").await;
    assert_eq!(mode, "wal");
    let (fk,): (i64,) = one(&mut conn, "PRAGMA foreign_keys").await;
    assert_eq!(fk, 1);
    let (busy,): (i64,) = one(&mut conn, "PRAGMA busy_timeout").await;
    assert_eq!(busy, 5000);
    drop(conn);
    assert_eq!(db.pool_status().max_size, 10);
    db.close().await;
}

#[tokio::test]
async fn sqlx_parameters_pass_through() {
    let file = TempDb::new();
    // mode=rw does not create the file.
    let err = connect(&format!("{}?mode=rw", file.url()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    assert!(!file.path.exists());
    let db = connect(&format!("{}?mode=rwc&pool_size=3", file.url()))
        .await
        .unwrap();
    assert_eq!(db.pool_status().max_size, 3);
    db.close().await;
}

#[tokio::test]
async fn memory_is_one_connection_shared_by_sequential_leases() {
    let db = memory().await;
    assert_eq!(
        db.pool_status(),
        PoolStatus {
            max_size: 1,
            size: 1,
            idle: 1
        }
    );
    {
        let mut conn = db.acquire().await.unwrap();
        conn.batch("CREATE TABLE notes (body TEXT)").await.unwrap();
        conn.execute("INSERT INTO notes VALUES (?)", &[ValueRef::Text("kept")])
            .await
            .unwrap();
    }
    let mut conn = db.acquire().await.unwrap();
    let rows: Vec<(String,)> = conn.fetch_all("SELECT body FROM notes", &[]).await.unwrap();
    assert_eq!(rows, vec![("kept".to_string(),)]);
}

#[tokio::test]
async fn memory_ignores_a_larger_pool_size() {
    let db = connect("sqlite::memory:?max_connections=5").await.unwrap();
    assert_eq!(db.pool_status().max_size, 1);
}

#[tokio::test]
async fn a_held_connection_makes_the_next_lease_time_out() {
    let file = TempDb::new();
    let url = format!("{}?max_connections=1&acquire_timeout=200ms", file.url());
    let db = connect(&url).await.unwrap();
    let held = db.acquire().await.unwrap();
    let started = Instant::now();
    let err = db.acquire().await.unwrap_err();
    assert!(
        matches!(err, Error::PoolTimeout { timeout } if timeout == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    drop(held);
    db.acquire().await.unwrap();
    db.close().await;
}

#[tokio::test]
async fn memory_times_out_while_its_connection_is_held() {
    let db = connect("sqlite::memory:?acquire_timeout=100ms")
        .await
        .unwrap();
    let _held = db.acquire().await.unwrap();
    assert!(matches!(
        db.acquire().await.unwrap_err(),
        Error::PoolTimeout { .. }
    ));
}

#[tokio::test]
async fn close_makes_later_leases_fail() {
    let db = memory().await;
    db.close().await;
    let err = db.acquire().await.unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
}

#[tokio::test]
async fn name_and_dialect() {
    let db = memory().await;
    assert_eq!(db.name(), "sqlite");
    assert_eq!(db.dialect().name(), "sqlite");
    assert_eq!(db.dialect().max_binds(), orm_sqlite::MAX_BINDS);
}

async fn one<T: orm_core::FromRow + Send + 'static>(
    conn: &mut orm_sqlite::SqliteConn,
    sql: &str,
) -> T {
    let mut rows: Vec<T> = conn.fetch_all(sql, &[]).await.unwrap();
    assert_eq!(rows.len(), 1);
    rows.remove(0)
}
