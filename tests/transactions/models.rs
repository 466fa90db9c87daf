//! The models of the transaction tests.

use orm::prelude::*;

/// A bank account: the bank-transfer load and the lock tests.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "accounts")]
pub struct Account {
    #[column(primary_key)]
    pub id: i64,
    pub balance: i64,
}

/// A line of a log: what each test wrote, and whether it stayed.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "entries")]
pub struct Entry {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(unique)]
    pub note: String,
}

impl Entry {
    /// A new (unsaved) entry.
    pub fn new(note: impl Into<String>) -> Self {
        Entry {
            id: 0,
            note: note.into(),
        }
    }
}

/// The notes of every entry, in insertion order.
pub async fn notes(db: &Database) -> orm::Result<Vec<String>> {
    let mut s = db.session();
    let rows = s.select::<Entry>().order_by(Entry::id.asc()).all().await?;
    s.commit().await?;
    Ok(rows.into_iter().map(|e| e.note).collect())
}

/// Adds one entry in a transaction of its own.
pub async fn add_entry(db: &Database, note: &str) -> orm::Result<()> {
    db.transaction(async |s| s.add(&mut Entry::new(note)).await)
        .await
}
