//! The rusqlite executor's own promises (the integration tests of the `orm`
//! crate run every `both!` body on it too): how it is chosen, what becomes
//! of a connection dropped in a transaction, and streams.

#![cfg(feature = "rusqlite")]

use futures_util::StreamExt;
use orm_core::{Backend, ConnectOptions, Connection, Error, TxOptions, TxStatus, Value, ValueRef};
use orm_sqlite::{Rusqlite, RusqliteConn, Sqlite};

async fn memory() -> Rusqlite {
    let options = ConnectOptions::parse("sqlite::memory:?executor=rusqlite").unwrap();
    Rusqlite::connect(&options).await.unwrap()
}

async fn count(conn: &mut RusqliteConn) -> i64 {
    let rows: Vec<(i64,)> = conn
        .fetch_all("SELECT count(*) FROM log", &[])
        .await
        .unwrap();
    rows[0].0
}

#[test]
fn the_url_chooses_the_executor() {
    let chosen = |url| Rusqlite::chosen_by(&ConnectOptions::parse(url).unwrap());
    assert!(chosen("sqlite://app.db?executor=rusqlite"));
    assert!(chosen(
        "sqlite::memory:?executor=rusqlite&max_connections=1"
    ));
    assert!(!chosen("sqlite://app.db"));
    assert!(!chosen("sqlite://app.db?executor=sqlx"));
    assert!(!chosen("postgres://u@localhost/db?executor=rusqlite"));
}

#[tokio::test]
async fn a_wrong_executor_is_a_clear_error() {
    let bogus = ConnectOptions::parse("sqlite::memory:?executor=diesel").unwrap();
    let err = Sqlite::connect(&bogus).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidUrl { reason, .. } if reason.contains("`sqlx` (the default) or `rusqlite`")),
        "{err:?}"
    );
    let wrong = ConnectOptions::parse("sqlite::memory:?executor=rusqlite").unwrap();
    let err = Sqlite::connect(&wrong).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidUrl { reason, .. } if reason.contains("orm_sqlite::Rusqlite")),
        "{err:?}"
    );
    let sqlx_only = ConnectOptions::parse("sqlite::memory:?executor=rusqlite&vfs=unix").unwrap();
    let err = Rusqlite::connect(&sqlx_only).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidUrl { reason, .. } if reason.contains("`vfs`")),
        "{err:?}"
    );
}

#[tokio::test]
async fn statements_bind_decode_and_count_rows() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE log (id INTEGER PRIMARY KEY, line TEXT, data BLOB)")
        .await
        .unwrap();
    let n = conn
        .execute(
            "INSERT INTO log (line, data) VALUES (?, ?), (?, NULL)",
            &[
                ValueRef::Text("a"),
                ValueRef::Bytes(b"\x00\x01"),
                ValueRef::Text("b"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    // A query run as a statement affects nothing.
    assert_eq!(conn.execute("SELECT * FROM log", &[]).await.unwrap(), 0);
    let rows: Vec<(i64, String, Option<Vec<u8>>)> = conn
        .fetch_all("SELECT id, line, data FROM log ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(
        rows,
        [(1, "a".into(), Some(vec![0, 1])), (2, "b".into(), None)]
    );
    let err = conn
        .fetch_all::<(i32,)>("SELECT line FROM log", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { found, .. } if found == "TEXT"),
        "{err:?}"
    );
    let err = conn
        .execute("INSERT INTO log (id) VALUES (?)", &[ValueRef::I64(1)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UniqueViolation(_)), "{err:?}");
}

#[tokio::test]
async fn a_connection_dropped_in_a_transaction_is_rolled_back_before_the_next_lease() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE log (line TEXT)").await.unwrap();
    conn.begin(&TxOptions::new()).await.unwrap();
    conn.execute("INSERT INTO log VALUES ('uncommitted')", &[])
        .await
        .unwrap();
    drop(conn);
    // Rolled back on the way: the connection was free, so at once.
    assert_eq!(db.pool_status().idle, 1);
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    assert_eq!(count(&mut conn).await, 0);
    conn.begin(&TxOptions::new().read_only()).await.unwrap();
    drop(conn);
    // query_only was turned off again on the way back.
    let mut conn = db.acquire().await.unwrap();
    conn.execute("INSERT INTO log VALUES ('written')", &[])
        .await
        .unwrap();
    assert_eq!(count(&mut conn).await, 1);
}

#[test]
fn dropped_outside_any_runtime_it_is_rolled_back_all_the_same() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(memory());
    let conn = runtime.block_on(async {
        let mut conn = db.acquire().await.unwrap();
        conn.batch("CREATE TABLE log (line TEXT)").await.unwrap();
        conn.begin(&TxOptions::new()).await.unwrap();
        conn.execute("INSERT INTO log VALUES ('uncommitted')", &[])
            .await
            .unwrap();
        conn
    });
    assert!(tokio::runtime::Handle::try_current().is_err());
    drop(conn);
    runtime.block_on(async {
        let mut conn = db.acquire().await.unwrap();
        assert_eq!(count(&mut conn).await, 0);
    });
}

#[tokio::test]
async fn streams_come_in_order_and_stop_when_dropped() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(
        "CREATE TABLE log (line TEXT); \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
         INSERT INTO log SELECT 'line ' || i FROM n",
    )
    .await
    .unwrap();
    let sql = "SELECT rowid, line FROM log WHERE rowid > ? ORDER BY rowid";
    let rows: Vec<(i64, String)> = conn
        .fetch_stream(sql.into(), vec![Value::I64(0)])
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[999], (1000, "line 1000".to_string()));
    assert!(rows.windows(2).all(|w| w[0].0 + 1 == w[1].0));
    {
        let mut stream = conn.fetch_stream::<(i64, String)>(sql.into(), vec![Value::I64(0)]);
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(first.0, 1);
    }
    // The statement was let go: the connection goes on.
    assert_eq!(count(&mut conn).await, 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_meeting_another_connections_lock_waits_for_it() {
    let path = std::env::temp_dir().join(format!("orm-rusqlite-wait-{}.db", std::process::id()));
    let url = format!("sqlite://{}?executor=rusqlite", path.display());
    let db = Rusqlite::connect(&ConnectOptions::parse(&url).unwrap())
        .await
        .unwrap();
    let mut holder = db.acquire().await.unwrap();
    holder.batch("CREATE TABLE log (line TEXT)").await.unwrap();
    holder.begin(&TxOptions::new().immediate()).await.unwrap();
    holder
        .execute("INSERT INTO log VALUES ('first')", &[])
        .await
        .unwrap();
    let other = db.clone();
    let waiter = tokio::spawn(async move {
        let mut conn = other.acquire().await.unwrap();
        // Refused at once on the caller's thread, then waited for on the
        // connection's: not an Error::Busy.
        conn.execute("INSERT INTO log VALUES ('second')", &[]).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    holder.commit().await.unwrap();
    assert_eq!(waiter.await.unwrap().unwrap(), 1);
    assert_eq!(count(&mut holder).await, 2);
    drop(holder);
    db.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Runs the same calls on a connection of each executor, over a database
/// of each's own with the same table and row.
macro_rules! on_both {
    (|$conn:ident| $body:expr) => {{
        let sqlx_db = Sqlite::connect(&ConnectOptions::parse("sqlite::memory:").unwrap())
            .await
            .unwrap();
        let rusqlite_db = memory().await;
        let mut $conn = sqlx_db.acquire().await.unwrap();
        $conn.batch(PARITY_TABLE).await.unwrap();
        let on_sqlx = $body;
        let mut $conn = rusqlite_db.acquire().await.unwrap();
        $conn.batch(PARITY_TABLE).await.unwrap();
        let on_rusqlite = $body;
        assert_eq!(format!("{on_sqlx:?}"), format!("{on_rusqlite:?}"));
    }};
}

const PARITY_TABLE: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag BOOLEAN, \
     at DATETIME, n NUMERIC, v VARCHAR(9)); \
     INSERT INTO t VALUES (1, 'ann', 1, '2024-05-01 12:30:00', '1.5', NULL)";

#[tokio::test]
async fn both_executors_describe_statements_and_type_record_columns_alike() {
    const SQL: &str = "SELECT id, name, flag, at, n, v, 1 + 1 AS two, 'x' || name AS label FROM t";
    on_both!(|conn| conn.describe(SQL).await.unwrap());
    on_both!(|conn| conn
        .describe("DELETE FROM t WHERE id > $1 RETURNING id, name")
        .await
        .unwrap());
    on_both!(|conn| conn.fetch_all::<orm_core::Record>(SQL, &[]).await.unwrap());
}

#[tokio::test]
async fn both_executors_refuse_alike_what_sqlite_lacks() {
    use orm_core::session::{AdvisoryKey, AdvisoryScope};
    use orm_core::{Array, SettingScope};

    let array = Value::Array(Array::of(vec![1_i64, 2]));
    on_both!(|conn| conn
        .execute("SELECT ?", &[array.as_ref()])
        .await
        .unwrap_err());
    on_both!(|conn| conn
        .advisory_lock(AdvisoryKey::Int(1), AdvisoryScope::Session)
        .await
        .unwrap_err());
    on_both!(|conn| conn.notify("channel", "hi").await.unwrap_err());
    on_both!(|conn| conn
        .reset_setting("cache_size", SettingScope::Connection)
        .await
        .unwrap_err());
    on_both!(|conn| conn.setting("no_such_pragma").await.unwrap_err());
    on_both!(|conn| conn
        .set_setting("cache_size", "1; DROP TABLE t", SettingScope::Connection)
        .await
        .unwrap_err());
}

#[tokio::test]
async fn both_executors_decode_and_refuse_values_alike() {
    // The rules live once (orm-sqlite's row and storage modules); each
    // executor must apply them, with the same typed error.
    let expect_decode = |err: &Error, found: &str| match err {
        Error::Decode {
            column, found: f, ..
        } => assert_eq!((column.as_str(), f.as_str()), ("x", found)),
        other => panic!("expected Decode, got {other:?}"),
    };
    on_both!(|conn| {
        let err = conn
            .fetch_all::<(bool,)>("SELECT 2 AS x", &[])
            .await
            .unwrap_err();
        expect_decode(&err, "INTEGER 2, neither 0 nor 1");
        err
    });
    on_both!(|conn| {
        let err = conn
            .fetch_all::<(f32,)>("SELECT 1e300 AS x", &[])
            .await
            .unwrap_err();
        expect_decode(&err, "REAL 1e300, out of range");
        err
    });
    on_both!(|conn| conn
        .fetch_all::<(bool, f32)>("SELECT 1 AS x, 0.5 AS y", &[])
        .await
        .unwrap());
    let many = vec![ValueRef::I64(1); 32_767];
    on_both!(|conn| {
        let err = conn.execute("SELECT 1", &many).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooManyBinds {
                    count: 32_767,
                    max: 32_766
                }
            ),
            "{err:?}"
        );
        err
    });
}

#[tokio::test]
async fn a_changed_pragma_is_restored_before_the_next_lease() {
    use orm_core::SettingScope;

    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let before = conn.setting("cache_size").await.unwrap();
    conn.set_setting("cache_size", "-4321", SettingScope::Connection)
        .await
        .unwrap();
    conn.set_setting("cache_size", "-1234", SettingScope::Connection)
        .await
        .unwrap();
    assert_eq!(conn.setting("cache_size").await.unwrap(), "-1234");
    drop(conn);
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(conn.setting("cache_size").await.unwrap(), before);
    assert_eq!(conn.tx_status(), TxStatus::Idle);
}

#[cfg(feature = "chrono")]
#[tokio::test]
async fn both_executors_read_text_dates_and_times_alike() {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

    // One decoder reads both executors' rows: TEXT as SQLite's date
    // functions write it, a Unix time, a Julian day, a time without
    // seconds, and RFC 3339 with an offset.
    const SQL: &str = "SELECT datetime('2024-05-01 12:30:00') AS a, 1714566600 AS b, \
                       julianday('2024-05-01 12:30:00') AS c, '12:30' AS d, \
                       '2024-05-01T12:30:00+02:00' AS e";
    type Row = (
        NaiveDateTime,
        NaiveDateTime,
        NaiveDateTime,
        NaiveTime,
        DateTime<Utc>,
    );
    let noon: NaiveDateTime = NaiveDate::from_ymd_opt(2024, 5, 1)
        .and_then(|d| d.and_hms_opt(12, 30, 0))
        .unwrap();
    let check = |rows: &[Row]| {
        let (a, b, c, d, e) = rows[0];
        assert_eq!((a, b), (noon, noon));
        assert!((c - noon).num_milliseconds().abs() <= 1, "{c}");
        assert_eq!(d, NaiveTime::from_hms_opt(12, 30, 0).unwrap());
        assert_eq!(e.naive_utc(), noon - chrono::Duration::hours(2));
    };
    on_both!(|conn| {
        let rows = conn.fetch_all::<Row>(SQL, &[]).await.unwrap();
        check(&rows);
        rows
    });
    // TEXT that is not UTF-8 is the decoder's error on both, in one wording.
    on_both!(|conn| {
        let err = conn
            .fetch_all::<(String,)>("SELECT CAST(x'ff' AS TEXT) AS x", &[])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Decode { column, .. } if column == "x"),
            "{err:?}"
        );
        err
    });
}
