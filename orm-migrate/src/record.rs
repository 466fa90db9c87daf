//! The migrations table: one row per applied migration (version, name,
//! checksum, time applied), and the lock that keeps two runners from
//! applying at once.
//!
//! On PostgreSQL every migration transaction first takes a
//! transaction-scoped advisory lock (`pg_advisory_xact_lock`, keyed by the
//! current schema and the table's name), so a second runner waits until the
//! first commits. On SQLite the transaction's first statement writes to the
//! migrations table, which takes the database's write lock at once (what
//! `BEGIN IMMEDIATE` does): a second runner waits for it, retrying while
//! SQLite reports the database busy.

use std::time::{Duration, Instant};

use orm_core::{Backend, Database, Dialect, Error, Session};

use crate::error::Result;
use crate::migration::Migration;

/// The default name of the migrations table.
pub const DEFAULT_TABLE: &str = "orm_migrations";

/// A row of the migrations table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The migration's version.
    pub version: i64,
    /// Its name when applied.
    pub name: String,
    /// Its checksum when applied.
    pub checksum: String,
    /// When it was applied, as the database prints the time.
    pub applied_at: String,
}

fn ident(dialect: &dyn Dialect, name: &str) -> String {
    let mut out = String::new();
    dialect.write_ident(name, &mut out);
    out
}

/// `CREATE TABLE IF NOT EXISTS` for the migrations table.
pub(crate) fn create_sql(dialect: &dyn Dialect, table: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {t} (\"version\" {int} NOT NULL, \"name\" {text} NOT NULL, \
         \"checksum\" {text} NOT NULL, \"applied_at\" {time} NOT NULL DEFAULT CURRENT_TIMESTAMP, \
         CONSTRAINT {pkey} PRIMARY KEY (\"version\"))",
        t = ident(dialect, table),
        int = dialect.column_type(orm_core::SqlType::I64),
        text = dialect.column_type(orm_core::SqlType::Text),
        time = dialect.column_type(orm_core::SqlType::Timestamptz),
        pkey = ident(dialect, &format!("{table}_pkey")),
    )
}

/// Creates the migrations table if it is missing.
pub(crate) async fn ensure<B: Backend>(
    db: &Database<B>,
    table: &str,
    wait: Duration,
) -> Result<()> {
    let mut s = begin_locked(db, table, wait, false).await?;
    let sql = create_sql(db.dialect(), table);
    let result = match s.batch(&sql).await {
        Ok(()) => s.commit().await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = s.rollback().await;
    }
    Ok(result?)
}

/// A session whose transaction holds the migrations lock. `table_exists`
/// says whether the lock may write to the migrations table (SQLite).
pub(crate) async fn begin_locked<B: Backend>(
    db: &Database<B>,
    table: &str,
    wait: Duration,
    table_exists: bool,
) -> Result<Session<B>> {
    let dialect = db.dialect();
    let started = Instant::now();
    loop {
        let mut s = db.session();
        let locked = match dialect.transaction_lock() {
            Some(sql) => s.raw(sql).bind(table).execute().await.map(drop),
            None if table_exists => {
                let t = ident(dialect, table);
                s.raw(&format!(
                    "UPDATE {t} SET \"version\" = \"version\" WHERE \"version\" < 0"
                ))
                .execute()
                .await
                .map(drop)
            }
            // Creating the table takes the write lock itself.
            None => s.start().await,
        };
        match locked {
            Ok(()) => return Ok(s),
            Err(e) if is_busy(&e) && started.elapsed() < wait => {
                let _ = s.rollback().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                let _ = s.rollback().await;
                return Err(e.into());
            }
        }
    }
}

/// SQLite's `SQLITE_BUSY` or `SQLITE_LOCKED`, with any extended code.
fn is_busy(error: &Error) -> bool {
    match error {
        Error::Database { code, .. } => {
            code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
        }
        _ => false,
    }
}

/// The applied migrations, by version; none when the table is missing.
pub(crate) async fn read<B: Backend>(s: &mut Session<B>, table: &str) -> Result<Vec<Record>> {
    if !s.has_table(table).await? {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT \"version\", \"name\", \"checksum\", CAST(\"applied_at\" AS TEXT) FROM {} \
         ORDER BY \"version\"",
        ident(s.database().dialect(), table)
    );
    let rows: Vec<(i64, String, String, String)> = s.raw(&sql).fetch_all().await?;
    Ok(rows
        .into_iter()
        .map(|(version, name, checksum, applied_at)| Record {
            version,
            name,
            checksum,
            applied_at,
        })
        .collect())
}

/// Records `migration` as applied.
pub(crate) async fn insert<B: Backend>(
    s: &mut Session<B>,
    table: &str,
    migration: &Migration<B>,
) -> orm_core::Result<()> {
    let sql = format!(
        "INSERT INTO {} (\"version\", \"name\", \"checksum\") VALUES ($1, $2, $3)",
        ident(s.database().dialect(), table)
    );
    s.raw(&sql)
        .bind(migration.version)
        .bind(migration.name.as_str())
        .bind(migration.checksum.as_str())
        .execute()
        .await
        .map(drop)
}

/// Forgets that `version` was applied.
pub(crate) async fn delete<B: Backend>(
    s: &mut Session<B>,
    table: &str,
    version: i64,
) -> orm_core::Result<()> {
    let sql = format!(
        "DELETE FROM {} WHERE \"version\" = $1",
        ident(s.database().dialect(), table)
    );
    s.raw(&sql).bind(version).execute().await.map(drop)
}
