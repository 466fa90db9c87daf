//! Rich column types: times, UUIDs, decimals, JSON of any serde type, Rust
//! enums, and (on PostgreSQL) arrays.
//!
//! Runs on an embedded SQLite database by default:
//!
//!     cargo run --example types --features chrono,uuid,json,decimal
//!
//! and on PostgreSQL when `DATABASE_URL` names one:
//!
//!     DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example types --features chrono,uuid,json,decimal

use chrono::{NaiveDate, NaiveTime};
use orm::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How a ticket is going: stored as a PostgreSQL enum type `ticket_status`,
/// and as checked text on SQLite.
#[derive(SqlEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[sql_enum(rename_all = "snake_case", pg_type = "ticket_status")]
pub enum Status {
    /// Nobody looked yet.
    Open,
    /// Someone is on it.
    InProgress,
    /// Done.
    Closed,
}

/// Anything serde can write, stored as JSON (jsonb on PostgreSQL).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Details {
    /// Who reported it.
    pub reporter: String,
    /// Free-form labels.
    pub labels: Vec<String>,
}

/// A support ticket.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "example_tickets")]
pub struct Ticket {
    /// A UUID key.
    #[column(primary_key)]
    pub id: uuid::Uuid,
    /// The enum above.
    pub status: Status,
    /// A JSON document of a serde type.
    #[column(json)]
    pub details: Details,
    /// The day it is due, and the time of day.
    pub due_day: NaiveDate,
    /// A time of day without date (SQL `time`).
    pub due_time: Option<NaiveTime>,
    /// An exact amount.
    pub price: Decimal,
}

/// Scores kept as a PostgreSQL array (`INTEGER[]`); SQLite has none.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "example_scores")]
pub struct Scores {
    /// The key.
    #[column(primary_key)]
    pub id: i64,
    /// One array column, NULL elements allowed.
    pub points: Vec<Option<i32>>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_string());
    let db = Database::connect(&url).await?;
    println!("connected to {}", db.backend_name());

    db.drop_tables_if_exists(&[Ticket::table()]).await?;
    db.create_tables(&[Ticket::table()]).await?;

    let mut s = db.session();
    let mut ticket = Ticket {
        id: uuid::Uuid::from_u128(0x1234),
        status: Status::InProgress,
        details: Details {
            reporter: "zoë".into(),
            labels: vec!["billing".into(), "🦀".into()],
        },
        due_day: NaiveDate::from_ymd_opt(2030, 1, 31).expect("a valid date"),
        due_time: NaiveTime::from_hms_opt(17, 30, 0),
        price: "19.99".parse().expect("a valid decimal"),
    };
    s.add(&mut ticket).await?;
    s.commit().await?;

    let stored = s
        .select::<Ticket>()
        .filter(Ticket::status.eq(Status::InProgress))
        .one()
        .await?;
    assert_eq!(stored, ticket);
    println!("stored and read back: {stored:?}");
    s.commit().await?;

    // Arrays are PostgreSQL's; on SQLite creating the table says so.
    db.drop_tables_if_exists(&[Scores::table()]).await?;
    match db.create_tables(&[Scores::table()]).await {
        Ok(()) => {
            let mut scores = Scores {
                id: 1,
                points: vec![Some(10), None, Some(7)],
            };
            s.add(&mut scores).await?;
            // The whole list is one parameter: `= ANY($1)`.
            let found: Vec<(i64,)> = s
                .raw("SELECT id FROM example_scores WHERE 7 = ANY(points) AND id = ANY($1)")
                .bind(vec![1i64, 2, 3])
                .fetch_all()
                .await?;
            assert_eq!(found, [(1,)]);
            println!(
                "array column read back: {:?}",
                s.select::<Scores>().one().await?
            );
            s.commit().await?;
            db.drop_tables(&[Scores::table()]).await?;
        }
        Err(Error::Unsupported { what, .. }) => println!("no arrays here: {what}"),
        Err(e) => return Err(e),
    }
    db.drop_tables(&[Ticket::table()]).await?;
    Ok(())
}
