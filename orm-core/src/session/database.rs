//! [`Database`]: a pool, its dialect and its SQL cache.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;

use super::{Backend, ConnectOptions, PoolStatus, RetryPolicy, Session, StatementLog, TxOptions};
use crate::error::{Error, Result};
use crate::sql::SqlCache;
use crate::table::TableMeta;

struct Inner<B> {
    backend: B,
    cache: SqlCache,
    log: StatementLog,
}

/// A connection pool and everything shared by its sessions. Cheap to clone.
pub struct Database<B: Backend> {
    inner: Arc<Inner<B>>,
}

impl<B: Backend> Clone for Database<B> {
    fn clone(&self) -> Self {
        Database {
            inner: self.inner.clone(),
        }
    }
}

impl<B: Backend> std::fmt::Debug for Database<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.inner.backend.name())
            .field("pool", &self.inner.backend.pool_status())
            .finish()
    }
}

impl<B: Backend> Database<B> {
    /// Connects to the database `url` names. See [`ConnectOptions`] for the
    /// pool parameters a URL may carry.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(&ConnectOptions::parse(url)?).await
    }

    /// Connects with explicit options.
    pub async fn connect_with(options: &ConnectOptions) -> Result<Self> {
        Ok(Self::build(B::connect(options).await?, options.log))
    }

    /// Wraps an opened backend.
    pub fn from_backend(backend: B) -> Self {
        Self::build(backend, StatementLog::default())
    }

    fn build(backend: B, log: StatementLog) -> Self {
        Database {
            inner: Arc::new(Inner {
                backend,
                cache: SqlCache::new(),
                log,
            }),
        }
    }

    /// The backend (the pool).
    pub fn backend(&self) -> &B {
        &self.inner.backend
    }

    /// The backend's name: `"postgresql"` or `"sqlite"`.
    pub fn backend_name(&self) -> &'static str {
        self.inner.backend.name()
    }

    pub(crate) fn cache(&self) -> &SqlCache {
        &self.inner.cache
    }

    /// How this database logs its statements (see [`StatementLog`]).
    pub fn statement_log(&self) -> StatementLog {
        self.inner.log
    }

    /// How full the pool is.
    pub fn pool_status(&self) -> PoolStatus {
        self.inner.backend.pool_status()
    }

    /// A new session. It leases a connection and opens a transaction on its
    /// first statement.
    pub fn session(&self) -> Session<B> {
        Session::new(self.clone(), TxOptions::default())
    }

    /// A new session whose transactions begin as `options` say.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
    /// let mut report = db.session_with(TxOptions::new().isolation(IsolationLevel::RepeatableRead).read_only());
    /// let totals: Vec<(i64,)> = report.raw("SELECT sum(balance) FROM accounts").fetch_all().await?;
    /// report.commit().await?;
    /// # Ok(()) }
    /// ```
    pub fn session_with(&self, options: impl Into<TxOptions>) -> Session<B> {
        Session::new(self.clone(), options.into())
    }

    /// A new session whose transaction is already open.
    pub async fn begin(&self) -> Result<Session<B>> {
        self.begin_with(TxOptions::default()).await
    }

    /// A new session whose transaction is already open, begun as `options` say.
    pub async fn begin_with(&self, options: impl Into<TxOptions>) -> Result<Session<B>> {
        let mut session = self.session_with(options);
        session.start().await?;
        Ok(session)
    }

    /// Runs `f` in a transaction: commits when it returns `Ok`, rolls back
    /// when it returns `Err` or panics (the panic then continues, and the
    /// connection is closed rather than reused). The transaction begins
    /// with `f`'s first statement.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
    /// let n = db
    ///     .transaction(async |s| {
    ///         // ... statements on `s` ...
    ///         Ok::<_, Error>(42)
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: AsyncFnOnce(&mut Session<B>) -> Result<R, E>,
        E: From<Error>,
    {
        let mut session = self.session();
        let outcome = AssertUnwindSafe(f(&mut session)).catch_unwind().await;
        finish(&mut session, outcome).await
    }

    /// Runs `f` in a transaction begun as `options` say, and runs it again,
    /// from the start, when the transaction fails with
    /// [`Error::SerializationFailure`] or [`Error::Deadlock`] — raised by a
    /// statement or by `COMMIT` — as long as `options.retry` allows (with
    /// no policy, it runs once). Between attempts it waits as the
    /// [`RetryPolicy`] says. Any other error, and the last retryable one,
    /// is returned as it is. [`Session::attempt`] tells `f` which attempt
    /// it is in.
    ///
    /// Whether to retry is decided by what the session saw, not by `f`'s
    /// error type: a closure that maps errors into its own type is retried
    /// all the same.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
    /// db.transaction_with(TxOptions::serializable().retry(RetryPolicy::default()), async |s| {
    ///     if s.attempt() > 1 {
    ///         eprintln!("retrying, attempt {}", s.attempt());
    ///     }
    ///     s.raw("UPDATE accounts SET balance = balance - 10 WHERE id = $1").bind(1i64).execute().await?;
    ///     s.raw("UPDATE accounts SET balance = balance + 10 WHERE id = $1").bind(2i64).execute().await?;
    ///     Ok::<_, Error>(())
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction_with<R, E, F>(
        &self,
        options: impl Into<TxOptions>,
        mut f: F,
    ) -> Result<R, E>
    where
        F: AsyncFnMut(&mut Session<B>) -> Result<R, E>,
        E: From<Error>,
    {
        let options = options.into();
        let policy = options.retry.unwrap_or_else(RetryPolicy::never);
        let mut session = self.session_with(options);
        loop {
            let outcome = AssertUnwindSafe(f(&mut session)).catch_unwind().await;
            let result = finish(&mut session, outcome).await;
            if result.is_err() && session.retryable && session.attempt < policy.max_attempts {
                self.backend().sleep(policy.delay(session.attempt)).await;
                session.attempt += 1;
                continue;
            }
            return result;
        }
    }

    /// Creates the tables (and indexes) of `tables` in one transaction, each
    /// after the tables it references; an existing table is an error.
    pub async fn create_tables(&self, tables: &[&'static TableMeta]) -> Result<()> {
        self.ddl(async |s| s.create_tables(tables, false).await)
            .await
    }

    /// Creates the tables of `tables` that do not exist yet, in one
    /// transaction (pytentd's `install_tables`).
    pub async fn create_tables_if_not_exists(&self, tables: &[&'static TableMeta]) -> Result<()> {
        self.ddl(async |s| s.create_tables(tables, true).await)
            .await
    }

    /// Drops the tables of `tables` in one transaction, each before the
    /// tables it references (otherwise in reverse order); a missing table is
    /// an error.
    pub async fn drop_tables(&self, tables: &[&'static TableMeta]) -> Result<()> {
        self.ddl(async |s| s.drop_tables(tables, false).await).await
    }

    /// Drops those of `tables` that exist, in one transaction.
    pub async fn drop_tables_if_exists(&self, tables: &[&'static TableMeta]) -> Result<()> {
        self.ddl(async |s| s.drop_tables(tables, true).await).await
    }

    async fn ddl(&self, f: impl AsyncFnOnce(&mut Session<B>) -> Result<()>) -> Result<()> {
        self.transaction(f).await
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.inner.backend.close().await
    }
}

/// Ends the transaction `f` ran in, as its outcome says.
async fn finish<B: Backend, R, E: From<Error>>(
    session: &mut Session<B>,
    outcome: std::thread::Result<Result<R, E>>,
) -> Result<R, E> {
    match outcome {
        Ok(Ok(value)) => {
            session.commit().await?;
            Ok(value)
        }
        Ok(Err(e)) => {
            // The caller's error says more than a failed ROLLBACK would;
            // a connection that cannot roll back is discarded anyway.
            let _ = session.rollback().await;
            Err(e)
        }
        Err(panic) => {
            session.discard_connection();
            std::panic::resume_unwind(panic)
        }
    }
}
