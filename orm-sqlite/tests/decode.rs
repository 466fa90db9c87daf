//! Binding values and decoding rows.

mod common;

use std::sync::Arc;

use common::memory;
use futures_util::{StreamExt, TryStreamExt};
use orm_core::{Backend, Connection, Error, FromRow, Row, Value, ValueRef};
use orm_sqlite::SqliteConn;

async fn fetch<T: FromRow + Send + 'static>(
    conn: &mut SqliteConn,
    sql: &str,
) -> orm_core::Result<T> {
    let mut rows: Vec<T> = conn.fetch_all(sql, &[]).await?;
    assert_eq!(rows.len(), 1, "{sql}");
    Ok(rows.remove(0))
}

fn decode_error(err: Error) -> (String, &'static str, String) {
    match err {
        Error::Decode {
            column,
            expected,
            found,
        } => (column, expected, found),
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn base_types_decode() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let row: (bool, bool, i16, i32, i64, f64) = fetch(
        &mut conn,
        "SELECT 1, 0, -32768, 2147483647, 9223372036854775807, 2.5",
    )
    .await
    .unwrap();
    assert_eq!(row, (true, false, i16::MIN, i32::MAX, i64::MAX, 2.5));
    let row: (f32, f64, String, Vec<u8>, String) =
        fetch(&mut conn, "SELECT 0.25, 3, 'héllo', x'00ff10', ''")
            .await
            .unwrap();
    assert_eq!(
        row,
        (
            0.25,
            3.0,
            "héllo".to_string(),
            vec![0, 255, 16],
            String::new()
        )
    );
}

#[tokio::test]
async fn null_decodes_as_none_and_fails_for_non_options() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    type AllNull = (
        Option<bool>,
        Option<i32>,
        Option<f64>,
        Option<String>,
        Option<Vec<u8>>,
    );
    let row: AllNull = fetch(&mut conn, "SELECT NULL, NULL, NULL, NULL, NULL")
        .await
        .unwrap();
    assert_eq!(row, (None, None, None, None, None));
    let err = fetch::<(i64,)>(&mut conn, "SELECT NULL AS missing")
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        ("missing".to_string(), "i64", "NULL".to_string())
    );
}

#[tokio::test]
async fn type_mismatches_name_column_and_storage_class() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (n INTEGER, s TEXT, b BLOB, r REAL)")
        .await
        .unwrap();
    conn.batch("INSERT INTO t VALUES (7, 'seven', x'07', 7.5)")
        .await
        .unwrap();

    let err = fetch::<(i64,)>(&mut conn, "SELECT s FROM t")
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        ("s".to_string(), "i64", "TEXT".to_string())
    );
    let err = fetch::<(String,)>(&mut conn, "SELECT n FROM t")
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        ("n".to_string(), "String", "INTEGER".to_string())
    );
    let err = fetch::<(Vec<u8>,)>(&mut conn, "SELECT s AS label FROM t")
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        ("label".to_string(), "Vec<u8>", "TEXT".to_string())
    );
    let err = fetch::<(i32,)>(&mut conn, "SELECT r FROM t")
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        ("r".to_string(), "i32", "REAL".to_string())
    );
    let err = fetch::<(f64,)>(&mut conn, "SELECT b FROM t")
        .await
        .unwrap_err();
    assert_eq!(decode_error(err).2, "BLOB");
}

#[tokio::test]
async fn a_value_stored_against_its_declared_type_says_so() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES ('not a number')")
        .await
        .unwrap();
    let err = fetch::<(i64,)>(&mut conn, "SELECT n FROM t")
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        (
            "n".to_string(),
            "i64",
            "TEXT (in a column declared INTEGER)".to_string()
        )
    );
}

#[tokio::test]
async fn narrow_integers_and_bools_check_their_range() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let err = fetch::<(i16,)>(&mut conn, "SELECT 40000 AS big")
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        (
            "big".to_string(),
            "i16",
            "INTEGER 40000, out of range".to_string()
        )
    );
    let err = fetch::<(i32,)>(&mut conn, "SELECT -3000000000 AS big")
        .await
        .unwrap_err();
    assert_eq!(decode_error(err).1, "i32");
    let err = fetch::<(bool,)>(&mut conn, "SELECT 2 AS flag")
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        (
            "flag".to_string(),
            "bool",
            "INTEGER 2, neither 0 nor 1".to_string()
        )
    );
    let err = fetch::<(f32,)>(&mut conn, "SELECT 1e300 AS huge")
        .await
        .unwrap_err();
    assert_eq!(decode_error(err).1, "f32");
}

#[tokio::test]
async fn boolean_columns_store_integers() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE flags (on_ BOOLEAN NOT NULL DEFAULT 1, off BOOLEAN)")
        .await
        .unwrap();
    conn.execute(
        "INSERT INTO flags (off) VALUES (?)",
        &[ValueRef::Bool(false)],
    )
    .await
    .unwrap();
    let row: (bool, bool, String) = fetch(&mut conn, "SELECT on_, off, typeof(off) FROM flags")
        .await
        .unwrap();
    assert_eq!(row, (true, false, "integer".to_string()));
}

#[tokio::test]
async fn every_base_value_binds_and_round_trips() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(
        "CREATE TABLE v (b BOOLEAN, s INTEGER, i INTEGER, l INTEGER, f REAL, d REAL, t TEXT, y BLOB)",
    )
    .await
    .unwrap();
    let text = String::from("borrowed");
    let bytes = vec![1u8, 2, 3];
    let binds = [
        ValueRef::Bool(true),
        ValueRef::I16(-7),
        ValueRef::I32(70_000),
        ValueRef::I64(-1 << 40),
        ValueRef::F32(1.5),
        ValueRef::F64(-0.125),
        ValueRef::Text(&text),
        ValueRef::Bytes(&bytes),
    ];
    let n = conn
        .execute("INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &binds)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let row: (bool, i16, i32, i64, f32, f64) = fetch(&mut conn, "SELECT b, s, i, l, f, d FROM v")
        .await
        .unwrap();
    assert_eq!(row, (true, -7, 70_000, -1 << 40, 1.5, -0.125));
    let row: (String, Vec<u8>) = fetch(&mut conn, "SELECT t, y FROM v").await.unwrap();
    assert_eq!(row, (text.clone(), bytes.clone()));

    conn.execute(
        "INSERT INTO v (t, y) VALUES (?, ?)",
        &[
            ValueRef::Null(orm_core::SqlType::Text),
            ValueRef::Null(orm_core::SqlType::Bytes),
        ],
    )
    .await
    .unwrap();
    let rows: Vec<(Option<String>, Option<Vec<u8>>)> = conn
        .fetch_all("SELECT t, y FROM v ORDER BY rowid", &[])
        .await
        .unwrap();
    assert_eq!(rows, vec![(Some(text), Some(bytes)), (None, None)]);
}

#[tokio::test]
async fn execute_counts_rows_affected() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE n (x INTEGER); INSERT INTO n VALUES (1), (2), (3)")
        .await
        .unwrap();
    let n = conn
        .execute("UPDATE n SET x = x + 10 WHERE x >= ?", &[ValueRef::I64(2)])
        .await
        .unwrap();
    assert_eq!(n, 2);
    let n = conn.execute("DELETE FROM n", &[]).await.unwrap();
    assert_eq!(n, 3);
}

#[tokio::test]
async fn a_row_reads_by_index_and_names_its_columns() {
    // FromRow by hand, as #[derive(Table)] generates it.
    struct Pair {
        id: i64,
        label: Option<String>,
    }
    impl FromRow for Pair {
        fn from_row<R: Row + ?Sized>(row: &R) -> orm_core::Result<Self> {
            assert_eq!(row.len(), 2);
            assert_eq!(row.column_name(0), "id");
            assert_eq!(row.column_name(1), "label");
            assert_eq!(row.column_name(2), "<no such column>");
            let err = row.get_i64(2).unwrap_err();
            assert!(matches!(err, Error::Decode { .. }));
            Ok(Pair {
                id: row.get_i64(0)?.unwrap_or_default(),
                label: row.get_str(1)?.map(str::to_owned),
            })
        }
    }
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let rows: Vec<Pair> = conn
        .fetch_all("SELECT 4 AS id, 'four' AS label", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, 4);
    assert_eq!(rows[0].label.as_deref(), Some("four"));
}

#[tokio::test]
async fn streams_decode_rows_as_they_arrive_and_own_their_inputs() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(
        "CREATE TABLE s (n INTEGER); \
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500) \
         INSERT INTO s SELECT x FROM c",
    )
    .await
    .unwrap();
    let sql: Arc<str> = "SELECT n FROM s WHERE n > ? ORDER BY n".into();
    let rows: Vec<(i64,)> = conn
        .fetch_stream::<(i64,)>(sql.clone(), vec![Value::I64(490)])
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows, (491..=500).map(|n| (n,)).collect::<Vec<_>>());

    // Stop after two rows: the statement is reset and the connection usable.
    {
        let mut stream = conn.fetch_stream::<(i64,)>(sql, vec![Value::I64(0)]);
        assert_eq!(stream.next().await.unwrap().unwrap(), (1,));
        assert_eq!(stream.next().await.unwrap().unwrap(), (2,));
    }
    let n = conn
        .execute("DELETE FROM s WHERE n > ?", &[ValueRef::I64(10)])
        .await
        .unwrap();
    assert_eq!(n, 490);
}

#[tokio::test]
async fn a_stream_reports_errors_then_ends() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let items: Vec<orm_core::Result<(i64,)>> = conn
        .fetch_stream("SELECT 'x' AS v UNION ALL SELECT 'y'".into(), vec![])
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(matches!(&items[0], Err(Error::Decode { column, .. }) if column == "v"));

    let items: Vec<orm_core::Result<(i64,)>> = conn
        .fetch_stream("SELECT * FROM no_such_table".into(), vec![])
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(matches!(&items[0], Err(Error::Database { code, .. }) if code == "1"));
}

#[tokio::test]
async fn sql_errors_carry_the_sqlite_code() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let err = conn.batch("SELEC 1").await.unwrap_err();
    match err {
        Error::Database {
            code,
            message,
            source,
        } => {
            assert_eq!(code, "1");
            assert!(message.contains("syntax error"), "{message}");
            assert!(source.is_some());
        }
        other => panic!("{other:?}"),
    }
    let err = conn
        .execute("INSERT INTO missing VALUES (?)", &[ValueRef::I64(1)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Database { code, message, .. } if code == "1" && message == "no such table: missing"),
        "{err:?}"
    );
}

#[cfg(feature = "chrono")]
#[tokio::test]
async fn chrono_values_round_trip_as_text() {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch("CREATE TABLE c (d TEXT, dt TEXT, ts TEXT)")
        .await
        .unwrap();
    let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let dt = d.and_hms_milli_opt(13, 14, 15, 160).unwrap();
    let ts = Utc.with_ymd_and_hms(2001, 9, 9, 1, 46, 40).unwrap();
    conn.execute(
        "INSERT INTO c VALUES (?, ?, ?)",
        &[
            ValueRef::Date(d),
            ValueRef::DateTime(dt),
            ValueRef::Timestamptz(ts),
        ],
    )
    .await
    .unwrap();
    let row: (NaiveDate, NaiveDateTime, DateTime<Utc>) =
        fetch(&mut conn, "SELECT d, dt, ts FROM c").await.unwrap();
    assert_eq!(row, (d, dt, ts));
    let text: (String, String, String) = fetch(&mut conn, "SELECT d, dt, ts FROM c").await.unwrap();
    assert_eq!(
        text,
        (
            "2024-02-29".to_string(),
            "2024-02-29 13:14:15.160".to_string(),
            "2001-09-09T01:46:40+00:00".to_string()
        )
    );
    let err = fetch::<(NaiveDate,)>(&mut conn, "SELECT 'soon' AS due")
        .await
        .unwrap_err();
    let (column, expected, found) = decode_error(err);
    assert_eq!((column.as_str(), expected), ("due", "chrono::NaiveDate"));
    assert!(found.starts_with("TEXT that is not a valid"), "{found}");
}

#[cfg(feature = "uuid")]
#[tokio::test]
async fn uuids_are_16_byte_blobs() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let id = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let row: (uuid::Uuid, i64, Vec<u8>) = {
        let mut rows = conn
            .fetch_all("SELECT ?1, length(?1), ?1", &[ValueRef::Uuid(id)])
            .await
            .unwrap();
        rows.remove(0)
    };
    assert_eq!(row, (id, 16, id.as_bytes().to_vec()));
    let (parsed,): (uuid::Uuid,) =
        fetch(&mut conn, "SELECT '01234567-89ab-cdef-0123-456789abcdef'")
            .await
            .unwrap();
    assert_eq!(parsed, id);
    let err = fetch::<(uuid::Uuid,)>(&mut conn, "SELECT x'0102' AS u")
        .await
        .unwrap_err();
    assert_eq!(decode_error(err).0, "u");
}

#[cfg(feature = "json")]
#[tokio::test]
async fn json_is_text() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let doc = serde_json::json!({"a": [1, 2, {"b": null}], "c": "d"});
    let mut rows: Vec<(serde_json::Value, String)> = conn
        .fetch_all("SELECT ?1, typeof(?1)", &[ValueRef::Json(&doc)])
        .await
        .unwrap();
    assert_eq!(rows.remove(0), (doc, "text".to_string()));
    let err = fetch::<(serde_json::Value,)>(&mut conn, "SELECT '{oops' AS j")
        .await
        .unwrap_err();
    assert_eq!(decode_error(err).0, "j");
}

#[cfg(feature = "decimal")]
#[tokio::test]
async fn decimals_are_exact_text() {
    use std::str::FromStr;
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    let price = rust_decimal::Decimal::from_str("12345678901234567890.0123456789").unwrap();
    let mut rows: Vec<(rust_decimal::Decimal, String, rust_decimal::Decimal)> = conn
        .fetch_all("SELECT ?1, typeof(?1), 42", &[ValueRef::Decimal(price)])
        .await
        .unwrap();
    assert_eq!(
        rows.remove(0),
        (price, "text".to_string(), rust_decimal::Decimal::from(42))
    );
    let err = fetch::<(rust_decimal::Decimal,)>(&mut conn, "SELECT 'cheap' AS p")
        .await
        .unwrap_err();
    assert_eq!(decode_error(err).0, "p");
}
