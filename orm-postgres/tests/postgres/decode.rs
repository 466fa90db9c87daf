//! Decoding every base type, NULLs, widening and mismatches.

use orm_core::{Backend, Connection, Error, Row};
use orm_postgres::PgRow;

use crate::common::TestDb;

async fn one_row(conn: &mut orm_postgres::PgConnection, sql: &str) -> PgRow {
    let client = conn.client().await.unwrap();
    PgRow::new(client.query_one(sql, &[]).await.unwrap())
}

fn decode_error(e: Error) -> (String, &'static str, String) {
    match e {
        Error::Decode {
            column,
            expected,
            found,
        } => (column, expected, found),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_base_type_and_null() {
    let db = TestDb::new("decode_base").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let row = one_row(
        &mut conn,
        "SELECT true AS b, 2::int2 AS s, 3::int4 AS i, 4::int8 AS l, 1.5::float4 AS f, \
         2.25::float8 AS d, 'txt'::text AS t, 'vc'::varchar AS vc, 'bp'::char(3) AS bp, \
         'nm'::name AS nm, '\\x01ff'::bytea AS by, \
         NULL::bool AS nb, NULL::int2 AS ns, NULL::int4 AS ni, NULL::int8 AS nl, \
         NULL::float4 AS nf, NULL::float8 AS nd, NULL::text AS nt, NULL::bytea AS nby",
    )
    .await;
    assert_eq!(row.len(), 19);
    assert_eq!(row.column_name(6), "t");
    assert_eq!(row.get_bool(0).unwrap(), Some(true));
    assert_eq!(row.get_i16(1).unwrap(), Some(2));
    assert_eq!(row.get_i32(2).unwrap(), Some(3));
    assert_eq!(row.get_i64(3).unwrap(), Some(4));
    assert_eq!(row.get_f32(4).unwrap(), Some(1.5));
    assert_eq!(row.get_f64(5).unwrap(), Some(2.25));
    assert_eq!(row.get_str(6).unwrap(), Some("txt"));
    assert_eq!(row.get_str(7).unwrap(), Some("vc"));
    assert_eq!(row.get_str(8).unwrap(), Some("bp "));
    assert_eq!(row.get_str(9).unwrap(), Some("nm"));
    assert_eq!(row.get_bytes(10).unwrap(), Some(&[1u8, 0xff][..]));
    assert_eq!(row.get_bool(11).unwrap(), None);
    assert_eq!(row.get_i16(12).unwrap(), None);
    assert_eq!(row.get_i32(13).unwrap(), None);
    assert_eq!(row.get_i64(14).unwrap(), None);
    assert_eq!(row.get_f32(15).unwrap(), None);
    assert_eq!(row.get_f64(16).unwrap(), None);
    assert_eq!(row.get_str(17).unwrap(), None);
    assert_eq!(row.get_bytes(18).unwrap(), None);
    // Widening to a NULL keeps it NULL.
    assert_eq!(row.get_i64(12).unwrap(), None);
    assert_eq!(row.get_f64(15).unwrap(), None);
}

#[tokio::test]
async fn integers_and_floats_widen_but_never_narrow() {
    let db = TestDb::new("decode_widen").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let row = one_row(
        &mut conn,
        "SELECT (-2)::int2 AS s, 2147483647::int4 AS i, 9007199254740993::int8 AS l, 0.5::float4 AS f",
    )
    .await;
    assert_eq!(row.get_i32(0).unwrap(), Some(-2));
    assert_eq!(row.get_i64(0).unwrap(), Some(-2));
    assert_eq!(row.get_i64(1).unwrap(), Some(2147483647));
    assert_eq!(row.get_i64(2).unwrap(), Some(9007199254740993));
    assert_eq!(row.get_f64(3).unwrap(), Some(0.5));

    assert_eq!(
        decode_error(row.get_i32(2).unwrap_err()),
        ("l".to_string(), "i32", "int8".to_string())
    );
    assert_eq!(
        decode_error(row.get_i16(1).unwrap_err()),
        ("i".to_string(), "i16", "int4".to_string())
    );
    assert_eq!(
        decode_error(row.get_f32(2).unwrap_err()),
        ("l".to_string(), "f32", "int8".to_string())
    );
}

#[tokio::test]
async fn mismatches_name_the_column_and_both_types() {
    let db = TestDb::new("decode_mismatch").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let row = one_row(
        &mut conn,
        "SELECT 'x'::text AS label, 1::int4 AS n, true AS flag",
    )
    .await;
    assert_eq!(
        decode_error(row.get_i64(0).unwrap_err()),
        ("label".to_string(), "i64", "text".to_string())
    );
    assert_eq!(
        decode_error(row.get_str(1).unwrap_err()),
        ("n".to_string(), "String", "int4".to_string())
    );
    assert_eq!(
        decode_error(row.get_bytes(0).unwrap_err()),
        ("label".to_string(), "Vec<u8>", "text".to_string())
    );
    assert_eq!(
        decode_error(row.get_i32(2).unwrap_err()),
        ("flag".to_string(), "i32", "bool".to_string())
    );
    let (column, _, found) = decode_error(row.get_bool(5).unwrap_err());
    assert_eq!(column, "#5");
    assert!(found.contains("3 column"), "{found}");

    // Through FromRow: the same error, and NULL into a non-Option.
    let err = conn
        .fetch_all::<(i64,)>("SELECT 'x'::text AS label", &[])
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        ("label".to_string(), "i64", "text".to_string())
    );
    let err = conn
        .fetch_all::<(i64,)>("SELECT NULL::int8 AS missing", &[])
        .await
        .unwrap_err();
    assert_eq!(
        decode_error(err),
        ("missing".to_string(), "i64", "NULL".to_string())
    );
    // The connection is still fine.
    let rows: Vec<(i64, String)> = conn.fetch_all("SELECT 1::int4, 'one'", &[]).await.unwrap();
    assert_eq!(rows, [(1, "one".to_string())]);
}

#[tokio::test]
async fn tuples_decode_through_fetch_all() {
    let db = TestDb::new("decode_tuples").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let rows: Vec<(bool, i16, i32, i64, f64, Option<String>)> = conn
        .fetch_all(
            "SELECT n % 2 = 0, n::int2, n::int4, n::int8 * 1000000000000, n / 4.0::float8, \
             CASE WHEN n > 1 THEN 'n' || n END FROM generate_series(1, 3) AS g(n) ORDER BY g.n",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        rows,
        [
            (false, 1, 1, 1_000_000_000_000, 0.25, None),
            (true, 2, 2, 2_000_000_000_000, 0.5, Some("n2".to_string())),
            (false, 3, 3, 3_000_000_000_000, 0.75, Some("n3".to_string())),
        ]
    );
    let bytes: Vec<(Vec<u8>, Option<Vec<u8>>)> = conn
        .fetch_all("SELECT '\\xdeadbeef'::bytea, NULL::bytea", &[])
        .await
        .unwrap();
    assert_eq!(bytes, [(vec![0xde, 0xad, 0xbe, 0xef], None)]);
}

#[cfg(feature = "chrono")]
#[tokio::test]
async fn chrono_types() {
    use chrono::{NaiveDate, TimeZone, Utc};
    let db = TestDb::new("decode_chrono").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let row = one_row(
        &mut conn,
        "SELECT DATE '2024-02-29' AS d, TIMESTAMP '2024-02-29 12:34:56.789' AS ts, \
         TIMESTAMPTZ '2024-02-29 12:34:56+02' AS tz, NULL::date AS nd",
    )
    .await;
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    assert_eq!(row.get_date(0).unwrap(), Some(date));
    assert_eq!(
        row.get_datetime(1).unwrap(),
        Some(date.and_hms_milli_opt(12, 34, 56, 789).unwrap())
    );
    assert_eq!(
        row.get_timestamptz(2).unwrap(),
        Some(Utc.with_ymd_and_hms(2024, 2, 29, 10, 34, 56).unwrap())
    );
    assert_eq!(row.get_date(3).unwrap(), None);
    assert_eq!(
        decode_error(row.get_timestamptz(1).unwrap_err()),
        (
            "ts".to_string(),
            "chrono::DateTime<Utc>",
            "timestamp".to_string()
        )
    );
}

#[cfg(feature = "uuid")]
#[tokio::test]
async fn uuid_type() {
    let db = TestDb::new("decode_uuid").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let row = one_row(
        &mut conn,
        "SELECT '67e55044-10b1-426f-9247-bb680e5fe0c8'::uuid AS u, NULL::uuid AS n, 'x'::text AS t",
    )
    .await;
    assert_eq!(
        row.get_uuid(0).unwrap(),
        Some(uuid::Uuid::parse_str("67e55044-10b1-426f-9247-bb680e5fe0c8").unwrap())
    );
    assert_eq!(row.get_uuid(1).unwrap(), None);
    assert!(row.get_uuid(2).is_err());
}

#[cfg(feature = "json")]
#[tokio::test]
async fn json_and_jsonb() {
    let db = TestDb::new("decode_json").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let row = one_row(
        &mut conn,
        r#"SELECT '{"a": [1, 2]}'::json AS j, '{"b": null}'::jsonb AS jb, 'null'::jsonb AS jnull, NULL::jsonb AS n"#,
    )
    .await;
    assert_eq!(
        row.get_json(0).unwrap(),
        Some(serde_json::json!({"a": [1, 2]}))
    );
    assert_eq!(
        row.get_json(1).unwrap(),
        Some(serde_json::json!({"b": null}))
    );
    assert_eq!(row.get_json(2).unwrap(), Some(serde_json::Value::Null));
    assert_eq!(row.get_json(3).unwrap(), None);
}

#[cfg(feature = "decimal")]
#[tokio::test]
async fn numeric_as_decimal() {
    use std::str::FromStr;
    let db = TestDb::new("decode_decimal").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let row = one_row(
        &mut conn,
        "SELECT 12345.6789::numeric AS n, NULL::numeric AS nn, 1.5::float8 AS f",
    )
    .await;
    assert_eq!(
        row.get_decimal(0).unwrap(),
        Some(rust_decimal::Decimal::from_str("12345.6789").unwrap())
    );
    assert_eq!(row.get_decimal(1).unwrap(), None);
    assert_eq!(
        decode_error(row.get_decimal(2).unwrap_err()),
        (
            "f".to_string(),
            "rust_decimal::Decimal",
            "float8".to_string()
        )
    );
}
