//! Running statements in a session: the builders' entry points, raw SQL
//! and DDL, each inside the session's transaction.

use std::sync::Arc;

use futures_core::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};

use super::log::{logged, logged_as, StreamWatch};
use super::session::undecodable;
use super::{controls_transaction, Backend, Connection, Session, SessionState};
use crate::error::{Error, Result};
use crate::query::{Delete, Insert, ResultColumn, Select, Truncate, Update};
use crate::row::FromRow;
use crate::sql::{compile, Render};
use crate::table::Table;
use crate::value::{Value, ValueRef};

/// Refuses raw SQL that would open, end or nest the session's transaction
/// behind its back: the session could no longer keep its promises (lazy
/// transactions, savepoints, nothing uncommitted ever committed).
pub(crate) fn refuse_transaction_control(sql: &str) -> Result<()> {
    if controls_transaction(sql) {
        return Err(Error::InvalidQuery {
            table: "raw SQL",
            reason: "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, PREPARE TRANSACTION) \
                     cannot run inside a session: use start, commit, rollback, savepoint, release, \
                     rollback_to or prepare, or a connection leased with db.backend().acquire()"
                .into(),
        });
    }
    Ok(())
}

impl<B: Backend> Session<B> {
    /// Compiles and runs a statement that changes data; returns rows affected.
    pub(crate) async fn run_execute<Q: Render + Sync + ?Sized>(
        &mut self,
        query: &Q,
    ) -> Result<u64> {
        let compiled = compile(query, self.db.backend().dialect(), self.db.cache());
        self.execute_sql(&compiled.sql, &compiled.binds).await
    }

    /// Runs SQL text that changes data; returns rows affected.
    pub(crate) async fn execute_sql(&mut self, sql: &str, binds: &[ValueRef<'_>]) -> Result<u64> {
        let log = self.db.statement_log();
        let conn = self
            .statement_connection("execute a statement", true)
            .await?;
        let result = logged(log, sql, binds, || conn.execute(sql, binds)).await;
        self.statements += 1;
        self.track(result)
    }

    /// Compiles and runs a query, decoding all rows. `writes` marks
    /// statements that change data (INSERT .. RETURNING).
    pub(crate) async fn run_fetch<R, Q>(&mut self, query: &Q, writes: bool) -> Result<Vec<R>>
    where
        R: FromRow + Send + 'static,
        Q: Render + Sync + ?Sized,
    {
        let compiled = compile(query, self.db.backend().dialect(), self.db.cache());
        // A SELECT built here only reads: the backend may run it ahead of
        // the transaction's BEGIN (see `Connection::fetch_select`).
        self.fetch_with(&compiled.sql, &compiled.binds, writes, !writes)
            .await
    }

    /// Runs SQL text, decoding all rows.
    pub(crate) async fn fetch_sql<R>(
        &mut self,
        sql: &str,
        binds: &[ValueRef<'_>],
        writes: bool,
    ) -> Result<Vec<R>>
    where
        R: FromRow + Send + 'static,
    {
        self.fetch_with(sql, binds, writes, false).await
    }

    /// Runs SQL text, decoding all rows; `select`: a SELECT built here,
    /// which only reads.
    async fn fetch_with<R>(
        &mut self,
        sql: &str,
        binds: &[ValueRef<'_>],
        writes: bool,
        select: bool,
    ) -> Result<Vec<R>>
    where
        R: FromRow + Send + 'static,
    {
        let log = self.db.statement_log();
        let conn = self.statement_connection("run a query", writes).await?;
        let rows = if select {
            logged(log, sql, binds, || conn.fetch_select(sql, binds)).await
        } else {
            logged(log, sql, binds, || conn.fetch_all(sql, binds)).await
        };
        self.statements += 1;
        if writes {
            self.track(rows)
        } else {
            self.track_read(rows)
        }
    }

    /// Prepares SQL text and describes its result columns.
    pub(crate) async fn describe_sql(&mut self, sql: &str) -> Result<Vec<ResultColumn>> {
        let log = self.db.statement_log();
        let conn = self
            .statement_connection("describe a statement", false)
            .await?;
        let describe = || format!("DESCRIBE {sql}");
        let result = logged_as(log, describe, &[], || conn.describe(sql)).await;
        self.track(result)
    }

    /// Compiles and runs a query as a stream of decoded rows.
    pub(crate) fn run_stream<'s, R, Q>(&'s mut self, query: Q) -> BoxStream<'s, Result<R>>
    where
        R: FromRow + Send + 's,
        Q: Render + Send + 's,
    {
        let compiled = compile(&query, self.db.backend().dialect(), self.db.cache());
        let binds: Vec<Value> = compiled.binds.iter().map(ValueRef::to_owned).collect();
        self.open_stream(compiled.sql, binds, true)
    }

    /// Runs SQL text as a stream of decoded rows.
    pub(crate) fn stream_sql<'s, R>(
        &'s mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'s, Result<R>>
    where
        R: FromRow + Send + 's,
    {
        self.open_stream(sql, binds, false)
    }

    /// Streams `sql`'s rows; `select`: a SELECT built here, which only
    /// reads (see `Connection::stream_select`).
    fn open_stream<'s, R>(
        &'s mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
        select: bool,
    ) -> BoxStream<'s, Result<R>>
    where
        R: FromRow + Send + 's,
    {
        let open = async move {
            self.statement_connection("stream a query", false).await?;
            self.send_kept_begin().await?;
            let mut watch = StreamWatch::start(self.db.statement_log(), sql.clone(), &binds);
            self.statements += 1;
            let Session {
                conn,
                state,
                retryable,
                ..
            } = self;
            let conn = conn.as_mut().ok_or(Error::InvalidState {
                state: *state,
                operation: "stream a query",
                hint: "the session lost its connection: roll back",
            })?;
            let rows = if select {
                conn.stream_select::<R>(sql, binds)
            } else {
                conn.fetch_stream::<R>(sql, binds)
            };
            let rows = rows
                .inspect_err(move |e| {
                    *retryable |= e.is_retryable();
                    // As `track_read`: a row of a select that could not be
                    // decoded changed nothing in the database.
                    if *state == SessionState::Active && !(select && undecodable(e)) {
                        *state = SessionState::Failed;
                    }
                })
                .inspect(move |item| watch.see(item));
            Ok::<_, Error>(rows)
        };
        Box::pin(futures_util::stream::once(open).try_flatten())
    }

    /// Starts a `SELECT` of `T` rows.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table>(s: &mut Session<B>) -> Result<()> {
    /// let everyone: Vec<User> = s.select::<User>().all().await?;
    /// # Ok(()) }
    /// ```
    pub fn select<T: Table>(&mut self) -> Select<'_, T, B> {
        Select::new(self)
    }

    /// Starts a multi-row `INSERT` of `T` rows.
    pub fn insert<T: Table>(&mut self) -> Insert<'_, '_, T, B> {
        Insert::new(self)
    }

    /// Starts a bulk `UPDATE` of `T` rows.
    pub fn update<T: Table>(&mut self) -> Update<'_, T, B> {
        Update::new(self)
    }

    /// Starts a bulk `DELETE` of `T` rows.
    pub fn delete<T: Table>(&mut self) -> Delete<'_, T, B> {
        Delete::new(self)
    }

    /// Starts emptying `T`'s table. Await it, or set options first:
    /// `s.truncate::<User>().cascade().await?`.
    pub fn truncate<T: Table>(&mut self) -> Truncate<'_, T, B> {
        Truncate::new(self)
    }

    pub(crate) async fn run_truncate(
        &mut self,
        table: &'static crate::table::TableMeta,
        options: super::TruncateOptions,
    ) -> Result<()> {
        // SQLite empties a table with several statements: in an autocommit
        // session they still go as one transaction.
        let mut s = self.implicit(true).await?;
        let result = match s.active("truncate", true).await {
            Ok(conn) => conn.truncate(table, options).await,
            Err(e) => return s.finish(Err(e)).await,
        };
        let result = s.track(result);
        s.finish(result).await
    }

    /// Runs raw SQL without parameters (one or more statements separated by
    /// `;`) inside the session's transaction: the escape hatch for DDL and
    /// migrations. Never build `sql` from user input; bind values through
    /// the query builders instead.
    ///
    /// Transaction control (`BEGIN`, `COMMIT`, `SAVEPOINT` ...) is refused
    /// with [`Error::InvalidQuery`] before anything is sent: use the
    /// session's own methods, or a connection of
    /// [`Backend::acquire`](super::Backend::acquire), whose transaction
    /// state is then tracked so that it cannot go back to the pool inside a
    /// transaction.
    pub async fn batch(&mut self, sql: &str) -> Result<()> {
        refuse_transaction_control(sql)?;
        let log = self.db.statement_log();
        // Several statements, perhaps: one transaction even in an
        // autocommit session.
        let mut s = self.implicit(true).await?;
        let result = match s.active("run SQL", true).await {
            Ok(conn) => logged(log, sql, &[], || conn.batch(sql)).await,
            Err(e) => return s.finish(Err(e)).await,
        };
        let result = s.track(result);
        s.finish(result).await
    }

    /// Runs DDL statements in the session's transaction.
    pub(crate) async fn run_batch(&mut self, statements: &[String]) -> Result<()> {
        let log = self.db.statement_log();
        let mut s = self.implicit(true).await?;
        let mut result = Ok(());
        for sql in statements {
            let conn = match s.active("run DDL", true).await {
                Ok(conn) => conn,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let ran = logged(log, sql, &[], || conn.batch(sql)).await;
            result = s.track(ran);
            if result.is_err() {
                break;
            }
        }
        s.finish(result).await
    }

    /// Creates the tables of `tables` (and their indexes) in this session's
    /// transaction, each after the tables it references (see
    /// [`ddl::create_tables`](crate::sql::ddl::create_tables)). With
    /// `if_not_exists`, existing tables are left alone.
    pub async fn create_tables(
        &mut self,
        tables: &[&'static crate::table::TableMeta],
        if_not_exists: bool,
    ) -> Result<()> {
        let dialect = self.db.backend().dialect();
        crate::sql::type_ddl::check_column_types(dialect, tables)?;
        let statements = crate::sql::ddl::create_tables(dialect, tables, if_not_exists);
        self.run_batch(&statements).await
    }

    /// Drops the tables of `tables`, each before the tables it references,
    /// otherwise in reverse order (see
    /// [`ddl::drop_tables`](crate::sql::ddl::drop_tables)). With
    /// `if_exists`, missing tables are skipped.
    pub async fn drop_tables(
        &mut self,
        tables: &[&'static crate::table::TableMeta],
        if_exists: bool,
    ) -> Result<()> {
        let dialect = self.db.backend().dialect();
        let statements = crate::sql::ddl::drop_tables(dialect, tables, if_exists);
        self.run_batch(&statements).await
    }
}
