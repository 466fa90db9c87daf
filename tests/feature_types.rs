//! chrono, uuid, serde_json and rust_decimal columns round-trip on both backends.
#![cfg(all(
    feature = "chrono",
    feature = "uuid",
    feature = "json",
    feature = "decimal"
))]
#![recursion_limit = "256"]

mod common;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use orm::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "events")]
struct Event {
    #[column(primary_key)]
    id: uuid::Uuid,
    day: NaiveDate,
    at: NaiveDateTime,
    stamped: DateTime<Utc>,
    payload: serde_json::Value,
    price: Decimal,
    maybe_day: Option<NaiveDate>,
    maybe_payload: Option<serde_json::Value>,
    maybe_price: Option<Decimal>,
}

fn event(n: u128) -> Event {
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let at = day.and_hms_micro_opt(23, 59, 58, 123_456).unwrap();
    Event {
        id: uuid::Uuid::from_u128(n),
        day,
        at,
        stamped: at.and_utc(),
        payload: serde_json::json!({"n": n as u64, "tags": ["a", "ü"], "nested": {"ok": true}}),
        price: Decimal::from_str("12345.6789").unwrap(),
        maybe_day: None,
        maybe_payload: None,
        maybe_price: None,
    }
}

both!(async fn feature_types_round_trip(db, kind) {
    db.create_tables(&[Event::table()]).await?;
    let mut s = db.session();
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
    let early = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
    let rows = vec![
        event(1),
        Event {
            day: far,
            at: early.and_hms_opt(0, 0, 0).unwrap(),
            maybe_day: Some(early),
            maybe_payload: Some(serde_json::json!([1, 2, 3])),
            maybe_price: Some(Decimal::from_str("-0.0001").unwrap()),
            ..event(2)
        },
    ];
    assert_eq!(s.insert::<Event>().values(&rows).execute().await?, 2);
    s.commit().await?;
    let mut stored = s.select::<Event>().all().await?;
    stored.sort_by_key(|e| e.id);
    assert_eq!(stored, rows);
    let got = s.select::<Event>().filter(Event::id.eq(uuid::Uuid::from_u128(2))).one().await?;
    assert_eq!(got.day, far);
    assert_eq!(s.select::<Event>().filter(Event::day.lt(far)).count().await?, 1);
    Ok(())
});
