//! Edge values of every column type round-trip on both backends: integer
//! extremes, float specials, empty and astral-plane text, every byte value,
//! far dates, times of day, decimals at full scale, and NULL of every type.
//! Where a backend cannot hold a value (SQLite and NaN), the documented
//! behaviour is asserted.
#![cfg(all(
    feature = "chrono",
    feature = "uuid",
    feature = "json",
    feature = "decimal"
))]
#![recursion_limit = "256"]

mod common;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use common::Kind;
use orm::prelude::*;
use rust_decimal::Decimal;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "edges")]
struct Edges {
    #[column(primary_key)]
    id: i32,
    small: Option<i16>,
    int: Option<i32>,
    big: Option<i64>,
    flag: Option<bool>,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
    day: Option<NaiveDate>,
    time: Option<NaiveTime>,
    moment: Option<NaiveDateTime>,
    stamp: Option<DateTime<Utc>>,
    uuid: Option<uuid::Uuid>,
    doc: Option<serde_json::Value>,
    price: Option<Decimal>,
    real: Option<f32>,
    double: Option<f64>,
}

fn nulls(id: i32) -> Edges {
    Edges {
        id,
        small: None,
        int: None,
        big: None,
        flag: None,
        text: None,
        bytes: None,
        day: None,
        time: None,
        moment: None,
        stamp: None,
        uuid: None,
        doc: None,
        price: None,
        real: None,
        double: None,
    }
}

fn low() -> Edges {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
    Edges {
        small: Some(i16::MIN),
        int: Some(i32::MIN),
        big: Some(i64::MIN),
        flag: Some(false),
        text: Some(String::new()),
        bytes: Some(Vec::new()),
        day: Some(first),
        time: Some(NaiveTime::MIN),
        moment: Some(first.and_time(NaiveTime::MIN)),
        stamp: Some(first.and_time(NaiveTime::MIN).and_utc()),
        uuid: Some(uuid::Uuid::nil()),
        doc: Some(serde_json::json!(null)),
        price: Some(Decimal::MIN),
        real: Some(f32::MIN),
        double: Some(f64::MIN),
        ..nulls(1)
    }
}

fn high() -> Edges {
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
    let late = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap();
    Edges {
        small: Some(i16::MAX),
        int: Some(i32::MAX),
        big: Some(i64::MAX),
        flag: Some(true),
        text: Some("ünïcödé — 𝄞 🦀 \u{10FFFF} 'quote' \"dq\" \\".into()),
        bytes: Some((0..=255).collect()),
        day: Some(last),
        time: Some(late),
        moment: Some(last.and_time(late)),
        stamp: Some(last.and_time(late).and_utc()),
        uuid: Some(uuid::Uuid::max()),
        doc: Some(serde_json::json!({"𝄞": [1.5, -0.0, "", {"deep": [true, null]}]})),
        // rust_decimal's full scale (28 digits after the point).
        price: Some("0.0000000000000000000000000001".parse().unwrap()),
        real: Some(f32::MAX),
        double: Some(f64::MAX),
        ..nulls(2)
    }
}

both!(async fn extremes_and_nulls_of_every_type_round_trip(db, kind) {
    db.create_tables(&[Edges::table()]).await?;
    let mut s = db.session();
    let rows = vec![low(), high(), nulls(3), Edges { price: Some(Decimal::MAX), ..nulls(4) }];
    s.insert::<Edges>().values(&rows).execute().await?;
    s.commit().await?;
    assert_eq!(s.select::<Edges>().order_by(Edges::id).all().await?, rows);
    // Edge values compare in filters as stored.
    let late = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap();
    assert_eq!(s.select::<Edges>().filter(Edges::time.eq(late)).one().await?.id, 2);
    assert_eq!(s.select::<Edges>().filter(Edges::time.lt(late)).one().await?.id, 1);
    assert_eq!(s.select::<Edges>().filter(Edges::bytes.eq((0..=255).collect::<Vec<u8>>())).one().await?.id, 2);
    assert_eq!(s.select::<Edges>().filter(Edges::time.eq(None)).count().await?, 2);
    Ok(())
});

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "floats")]
struct Floats {
    #[column(primary_key)]
    id: i32,
    real: f32,
    double: f64,
}

both!(async fn float_infinities_and_negative_zero_round_trip(db, kind) {
    db.create_tables(&[Floats::table()]).await?;
    let mut s = db.session();
    let rows = [
        Floats { id: 1, real: f32::INFINITY, double: f64::INFINITY },
        Floats { id: 2, real: f32::NEG_INFINITY, double: f64::NEG_INFINITY },
        Floats { id: 3, real: -0.0, double: -0.0 },
        Floats { id: 4, real: f32::MIN_POSITIVE, double: f64::MIN_POSITIVE },
    ];
    s.insert::<Floats>().values(&rows).execute().await?;
    let stored = s.select::<Floats>().order_by(Floats::id).all().await?;
    let bits: Vec<(u32, u64)> = stored.iter().map(|f| (f.real.to_bits(), f.double.to_bits())).collect();
    let expected: Vec<(u32, u64)> = rows.iter().map(|f| (f.real.to_bits(), f.double.to_bits())).collect();
    match kind {
        Kind::Postgres => assert_eq!(bits, expected),
        // SQLite keeps a REAL that is a whole number as an integer, and
        // integers have no sign of zero: -0.0 reads back as 0.0.
        Kind::Sqlite => {
            assert_eq!(bits[..2], expected[..2]);
            assert_eq!(bits[2], (0.0f32.to_bits(), 0.0f64.to_bits()));
            assert_eq!(bits[3], expected[3]);
        }
    }
    Ok(())
});

both!(async fn nan_round_trips_on_postgres_and_is_null_on_sqlite(db, kind) {
    db.create_tables(&[Floats::table()]).await?;
    let mut s = db.session();
    let mut row = Floats { id: 1, real: f32::NAN, double: f64::NAN };
    let result = s.add(&mut row).await;
    match kind {
        Kind::Postgres => {
            result?;
            let got = s.select::<Floats>().one().await?;
            assert!(got.real.is_nan() && got.double.is_nan(), "{got:?}");
        }
        // SQLite stores NaN as NULL: a NOT NULL column refuses it.
        Kind::Sqlite => match result.unwrap_err() {
            Error::NotNullViolation(v) => {
                assert_eq!(v.table.as_deref(), Some("floats"));
                assert_eq!(v.column.as_deref(), Some("real"));
            }
            other => panic!("expected NotNullViolation, got {other:?}"),
        },
    }
    Ok(())
});
