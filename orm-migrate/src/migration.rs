//! [`Migration`]: one versioned change, written as SQL or as a Rust async
//! function that receives the migration's session.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use orm_core::{Backend, Session};
use sha2::{Digest, Sha256};

/// A boxed future returned by a [`MigrationFn`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A Rust migration: an `async fn` taking the migration's session.
///
/// Implemented for every `async fn(&mut Session<B>) -> orm::Result<()>`
/// (more exactly, every `Fn(&mut Session<B>) -> impl Future<Output =
/// orm::Result<()>> + Send`), so a plain async function is a migration:
///
/// ```no_run
/// # use orm_core::{Backend, Result, Session};
/// async fn backfill_karma<B: Backend>(s: &mut Session<B>) -> Result<()> {
///     s.raw("UPDATE users SET karma = 1 WHERE karma IS NULL").execute().await?;
///     Ok(())
/// }
/// ```
///
/// The session's transaction is the migration's: do not commit or roll it
/// back inside the function (the runner reports that as a failure).
pub trait MigrationFn<B: Backend>: Send + Sync + 'static {
    /// Runs the migration on `session`.
    fn run<'a>(&'a self, session: &'a mut Session<B>) -> BoxFuture<'a, orm_core::Result<()>>;
}

/// An `Fn(&'a mut Session<B>) -> impl Future + 'a` for one lifetime `'a`;
/// the bound that lets async functions be [`MigrationFn`]s.
pub trait SessionFn<'a, B: Backend> {
    /// The future the function returns.
    type Future: Future<Output = orm_core::Result<()>> + Send + 'a;
    /// Calls the function.
    fn call(&self, session: &'a mut Session<B>) -> Self::Future;
}

impl<'a, B, F, Fut> SessionFn<'a, B> for F
where
    B: Backend,
    F: Fn(&'a mut Session<B>) -> Fut,
    Fut: Future<Output = orm_core::Result<()>> + Send + 'a,
{
    type Future = Fut;
    fn call(&self, session: &'a mut Session<B>) -> Fut {
        self(session)
    }
}

impl<B, F> MigrationFn<B> for F
where
    B: Backend,
    F: for<'a> SessionFn<'a, B> + Send + Sync + 'static,
{
    fn run<'a>(&'a self, session: &'a mut Session<B>) -> BoxFuture<'a, orm_core::Result<()>> {
        Box::pin(self.call(session))
    }
}

/// What a migration runs, one way.
pub(crate) enum Step<B: Backend> {
    /// SQL statements, run as one batch.
    Sql(String),
    /// A Rust function.
    Rust(Arc<dyn MigrationFn<B>>),
}

impl<B: Backend> Clone for Step<B> {
    fn clone(&self) -> Self {
        match self {
            Step::Sql(sql) => Step::Sql(sql.clone()),
            Step::Rust(f) => Step::Rust(f.clone()),
        }
    }
}

/// One versioned migration: an up step, an optional down step, and the
/// checksum that detects an applied migration being edited.
///
/// The checksum of a SQL migration is the SHA-256 of its up SQL (line
/// endings normalised, surrounding whitespace trimmed), so editing the down
/// section of an applied migration is allowed. A Rust migration's code
/// cannot be hashed: its checksum covers its version and name only.
pub struct Migration<B: Backend> {
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) checksum: String,
    pub(crate) up: Step<B>,
    pub(crate) down: Option<Step<B>>,
    /// The file it was read from, for messages.
    pub(crate) origin: String,
}

impl<B: Backend> Clone for Migration<B> {
    fn clone(&self) -> Self {
        Migration {
            version: self.version,
            name: self.name.clone(),
            checksum: self.checksum.clone(),
            up: self.up.clone(),
            down: self.down.clone(),
            origin: self.origin.clone(),
        }
    }
}

impl<B: Backend> fmt::Debug for Migration<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migration")
            .field("version", &self.version)
            .field("name", &self.name)
            .field("checksum", &self.checksum)
            .field("kind", &self.kind())
            .field("reversible", &self.down.is_some())
            .finish()
    }
}

impl<B: Backend> Migration<B> {
    /// A migration running `up` (one or more SQL statements separated by
    /// `;`).
    pub fn sql(version: i64, name: &str, up: &str) -> Self {
        let up = normalize(up);
        Migration {
            version,
            name: name.to_string(),
            checksum: sha256(&up),
            origin: format!("{version:04}_{name}"),
            up: Step::Sql(up),
            down: None,
        }
    }

    /// A migration running the async function `up` on its session.
    pub fn rust(version: i64, name: &str, up: impl MigrationFn<B>) -> Self {
        Migration {
            version,
            name: name.to_string(),
            checksum: sha256(&format!("rust migration {version} {name}")),
            origin: format!("{version:04}_{name}"),
            up: Step::Rust(Arc::new(up)),
            down: None,
        }
    }

    /// Sets the SQL that reverts this migration.
    pub fn down_sql(mut self, down: &str) -> Self {
        self.down = Some(Step::Sql(normalize(down)));
        self
    }

    /// Sets the async function that reverts this migration.
    pub fn down(mut self, down: impl MigrationFn<B>) -> Self {
        self.down = Some(Step::Rust(Arc::new(down)));
        self
    }

    /// The version.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The checksum recorded when it is applied.
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// `"sql"` or `"rust"`.
    pub fn kind(&self) -> &'static str {
        match self.up {
            Step::Sql(_) => "sql",
            Step::Rust(_) => "rust",
        }
    }

    /// True when it has a down step.
    pub fn is_reversible(&self) -> bool {
        self.down.is_some()
    }

    /// The up SQL of a SQL migration.
    pub fn up_sql(&self) -> Option<&str> {
        match &self.up {
            Step::Sql(sql) => Some(sql),
            Step::Rust(_) => None,
        }
    }

    /// The file it was read from (or `<version>_<name>`).
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// Line endings as `\n`, surrounding whitespace trimmed.
pub(crate) fn normalize(sql: &str) -> String {
    sql.replace("\r\n", "\n").trim().to_string()
}

/// The lower-case hex SHA-256 of `text`.
pub(crate) fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
