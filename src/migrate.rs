//! Versioned migrations on a [`Database`](crate::Database): the runner of
//! [`orm_migrate`] for the URL-selected backend. See the guide's migrations
//! chapter, and the `orm` command line (`orm migrate up`).
//!
//! ```no_run
//! use orm::migrate::{Migration, Migrator};
//! use orm::prelude::*;
//!
//! async fn backfill(s: &mut Session) -> orm::Result<()> {
//!     s.update::<Stub>().set(Stub::karma, 1).filter(Stub::karma.eq(0)).execute().await?;
//!     Ok(())
//! }
//! # #[derive(Table)] struct Stub { #[column(primary_key)] id: i64, karma: i32 }
//!
//! # async fn start() -> Result<(), Box<dyn std::error::Error>> {
//! let db = Database::connect("sqlite://app.db").await?;
//! let migrator = Migrator::from_dir("migrations")?.with(Migration::rust(3, "backfill", backfill));
//! migrator.up(&db).await?;        // at start-up: apply what is pending
//! # Ok(()) }
//! ```

pub use orm_migrate::{
    diff, source, BoxFuture, MigrateError, MigrationStatus, Progress, Record, Report, Result,
    State, DEFAULT_LOCK_WAIT, DEFAULT_TABLE,
};

/// A migration: SQL, or an `async fn(&mut Session) -> orm::Result<()>`.
pub type Migration = orm_migrate::Migration<crate::Any>;

/// Versioned migrations and the runner that applies them.
pub type Migrator = orm_migrate::Migrator<crate::Any>;
