//! Binding every value type, NULL, widening and mismatches.

use orm_core::{Backend, Connection, Error, SqlType, ValueRef};

use crate::common::TestDb;

fn bind_error(e: Error) -> (usize, String) {
    match e {
        Error::InvalidBind { parameter, reason } => (parameter, reason),
        other => panic!("expected a bind error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_base_value_round_trips() {
    let db = TestDb::new("binds_base").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let rows: Vec<(bool, i16, i32, i64, f32, f64)> = conn
        .fetch_all(
            "SELECT $1::bool, $2::int2, $3::int4, $4::int8, $5::float4, $6::float8",
            &[
                ValueRef::Bool(true),
                ValueRef::I16(-7),
                ValueRef::I32(70_000),
                ValueRef::I64(-5_000_000_000),
                ValueRef::F32(0.25),
                ValueRef::F64(1e300),
            ],
        )
        .await
        .unwrap();
    assert_eq!(rows, [(true, -7, 70_000, -5_000_000_000, 0.25, 1e300)]);

    let rows: Vec<(String, Vec<u8>, String)> = conn
        .fetch_all(
            "SELECT $1::text, $2::bytea, $3::varchar",
            &[
                ValueRef::Text("héllo 'quoted'"),
                ValueRef::Bytes(&[0, 1, 255]),
                ValueRef::Text("v"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        rows,
        [(
            "héllo 'quoted'".to_string(),
            vec![0, 1, 255],
            "v".to_string()
        )]
    );
}

#[tokio::test]
async fn null_binds_to_any_type() {
    let db = TestDb::new("binds_null").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let rows: Vec<(bool, bool, bool, bool)> = conn
        .fetch_all(
            "SELECT $1::int4 IS NULL, $2::text IS NULL, $3::bytea IS NULL, $4::bool IS NULL",
            &[
                // The NULL's own type does not matter.
                ValueRef::Null(SqlType::Text),
                ValueRef::Null(SqlType::I64),
                ValueRef::Null(SqlType::Bool),
                ValueRef::Null(SqlType::Bytes),
            ],
        )
        .await
        .unwrap();
    assert_eq!(rows, [(true, true, true, true)]);
}

#[tokio::test]
async fn narrower_values_widen_into_wider_parameters() {
    let db = TestDb::new("binds_widen").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let rows: Vec<(i64, i64, i32, f64)> = conn
        .fetch_all(
            "SELECT $1::int8, $2::int8, $3::int4, $4::float8",
            &[
                ValueRef::I32(-3),
                ValueRef::I16(4),
                ValueRef::I16(5),
                ValueRef::F32(0.5),
            ],
        )
        .await
        .unwrap();
    assert_eq!(rows, [(-3, 4, 5, 0.5)]);
}

#[tokio::test]
async fn a_value_of_the_wrong_type_names_the_parameter_and_both_types() {
    let db = TestDb::new("binds_mismatch").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let err = conn
        .execute(
            "SELECT $1::text, $2::int4",
            &[ValueRef::Text("ok"), ValueRef::I64(1)],
        )
        .await
        .unwrap_err();
    assert_eq!(
        bind_error(err),
        (
            2,
            "the parameter has type int4 but the value bound to it is i64".to_string()
        )
    );
    let err = conn
        .execute("SELECT $1::int8", &[ValueRef::Text("1")])
        .await
        .unwrap_err();
    assert_eq!(
        bind_error(err),
        (
            1,
            "the parameter has type int8 but the value bound to it is text".to_string()
        )
    );
    let err = conn
        .execute("SELECT $1::int8, $2::int8", &[ValueRef::I64(1)])
        .await
        .unwrap_err();
    assert_eq!(bind_error(err).0, 0);
    // Nothing was sent, so the connection is as good as before.
    assert_eq!(conn.execute("SELECT 1", &[]).await.unwrap(), 1);
}

#[cfg(all(
    feature = "chrono",
    feature = "uuid",
    feature = "json",
    feature = "decimal"
))]
#[tokio::test]
async fn feature_values_round_trip() {
    use std::str::FromStr;

    use chrono::{NaiveDate, TimeZone, Utc};
    use orm_core::Row;

    let db = TestDb::new("binds_features").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let date = NaiveDate::from_ymd_opt(1999, 12, 31).unwrap();
    let datetime = date.and_hms_micro_opt(23, 59, 59, 999_999).unwrap();
    let tz = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let id = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let doc = serde_json::json!({"k": [1, "two", null]});
    let amount = rust_decimal::Decimal::from_str("-0.000123").unwrap();

    struct Back(
        Option<NaiveDate>,
        Option<chrono::NaiveDateTime>,
        Option<chrono::DateTime<Utc>>,
        Option<uuid::Uuid>,
        Option<serde_json::Value>,
        Option<serde_json::Value>,
        Option<rust_decimal::Decimal>,
    );
    impl orm_core::FromRow for Back {
        fn from_row<R: Row + ?Sized>(row: &R) -> orm_core::Result<Self> {
            Ok(Back(
                row.get_date(0)?,
                row.get_datetime(1)?,
                row.get_timestamptz(2)?,
                row.get_uuid(3)?,
                row.get_json(4)?,
                row.get_json(5)?,
                row.get_decimal(6)?,
            ))
        }
    }
    let rows: Vec<Back> = conn
        .fetch_all(
            "SELECT $1::date, $2::timestamp, $3::timestamptz, $4::uuid, $5::json, $6::jsonb, $7::numeric",
            &[
                ValueRef::Date(date),
                ValueRef::DateTime(datetime),
                ValueRef::Timestamptz(tz),
                ValueRef::Uuid(id),
                ValueRef::Json(&doc),
                ValueRef::Json(&doc),
                ValueRef::Decimal(amount),
            ],
        )
        .await
        .unwrap();
    let Back(d, dt, t, u, j, jb, n) = &rows[0];
    assert_eq!(*d, Some(date));
    assert_eq!(*dt, Some(datetime));
    assert_eq!(*t, Some(tz));
    assert_eq!(*u, Some(id));
    assert_eq!(j.as_ref(), Some(&doc));
    assert_eq!(jb.as_ref(), Some(&doc));
    assert_eq!(*n, Some(amount));

    let err = conn
        .execute("SELECT $1::timestamptz", &[ValueRef::DateTime(datetime)])
        .await
        .unwrap_err();
    assert_eq!(
        bind_error(err),
        (
            1,
            "the parameter has type timestamptz but the value bound to it is datetime".to_string()
        )
    );
}
