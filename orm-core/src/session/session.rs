//! [`Session`]: the state machine around one transaction at a time.

use std::sync::Arc;

use futures_core::stream::BoxStream;
use futures_util::TryStreamExt;

use super::{Backend, Connection, Database, SessionState, TxStatus};
use crate::error::{Error, Result};
use crate::query::{Delete, Insert, Select, Truncate, Update};
use crate::row::FromRow;
use crate::sql::{compile, Render};
use crate::table::Table;
use crate::value::{Value, ValueRef};

/// A window onto one pooled connection and its transaction.
///
/// A session starts lazily: the connection is leased and `BEGIN` sent by the
/// first statement (or by [`Session::start`]). After [`commit`](Session::commit)
/// or [`rollback`](Session::rollback) the connection goes back to the pool and
/// the session stays usable: the next statement opens a new transaction.
///
/// Dropping a session whose transaction is open rolls it back; its connection
/// never returns to the pool inside a transaction.
pub struct Session<B: Backend> {
    db: Database<B>,
    conn: Option<B::Conn>,
    state: SessionState,
    /// Set while a write is on the wire; still set on entry means the
    /// future running it was dropped, so the write's outcome is unknown.
    write_in_flight: bool,
    /// Statements sent by queries and writes (not BEGIN / COMMIT / ROLLBACK).
    statements: u64,
}

impl<B: Backend> std::fmt::Debug for Session<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("backend", &self.db.backend().name())
            .field("state", &self.state)
            .finish()
    }
}

impl<B: Backend> Session<B> {
    pub(crate) fn new(db: Database<B>) -> Self {
        Session {
            db,
            conn: None,
            state: SessionState::NotStarted,
            write_in_flight: false,
            statements: 0,
        }
    }

    /// How many statements this session's queries and writes have sent
    /// (transaction control, `BEGIN` / `COMMIT` / `ROLLBACK`, not counted).
    /// Shows, for instance, that eager loading runs one query per level.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table>(s: &mut Session<B>) -> Result<()> {
    /// let before = s.statements_sent();
    /// let _: Vec<User> = s.select::<User>().all().await?;
    /// assert_eq!(s.statements_sent(), before + 1);
    /// # Ok(()) }
    /// ```
    pub fn statements_sent(&self) -> u64 {
        self.statements
    }

    /// The session's state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// The database this session belongs to.
    pub fn database(&self) -> &Database<B> {
        &self.db
    }

    /// Leases a connection and opens a transaction now, rather than on the
    /// first statement.
    ///
    /// Starting a session that is already active or closed is an
    /// [`Error::InvalidState`].
    pub async fn start(&mut self) -> Result<()> {
        match self.state {
            SessionState::NotStarted | SessionState::Committed | SessionState::RolledBack => {
                self.begin().await
            }
            state => Err(Error::InvalidState {
                state,
                operation: "start",
                hint: "commit or roll back the open transaction first",
            }),
        }
    }

    async fn begin(&mut self) -> Result<()> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(self.db.backend().acquire().await?),
        };
        let mut result = Ok(());
        if conn.tx_status() != TxStatus::Idle {
            // A BEGIN or COMMIT of ours was interrupted: clear whatever it left.
            conn.set_tx_status(TxStatus::Unknown);
            result = conn.batch("ROLLBACK").await;
        }
        if result.is_ok() {
            conn.set_tx_status(TxStatus::Unknown);
            result = conn.batch("BEGIN").await;
        }
        if let Err(e) = result {
            // A connection that cannot begin is not to be trusted again.
            if let Some(mut conn) = self.conn.take() {
                conn.discard();
            }
            return Err(e);
        }
        conn.set_tx_status(TxStatus::InTransaction);
        self.state = SessionState::Active;
        self.write_in_flight = false;
        Ok(())
    }

    /// Commits the transaction; the connection goes back to the pool.
    ///
    /// With no transaction open this does nothing. In a [`SessionState::Failed`]
    /// session it rolls back, commits nothing, and returns
    /// [`Error::InvalidState`].
    pub async fn commit(&mut self) -> Result<()> {
        if self.write_in_flight {
            self.state = SessionState::Failed;
        }
        match self.state {
            SessionState::Active => {}
            SessionState::Failed => {
                self.end("ROLLBACK", SessionState::RolledBack).await?;
                return Err(Error::InvalidState {
                    state: SessionState::Failed,
                    operation: "commit",
                    hint: "a statement failed in this transaction, so it was rolled back and nothing was committed",
                });
            }
            SessionState::Closed => {
                return Err(Error::InvalidState {
                    state: SessionState::Closed,
                    operation: "commit",
                    hint: "open a new session",
                })
            }
            SessionState::NotStarted | SessionState::Committed | SessionState::RolledBack => {
                return Ok(())
            }
        }
        self.end("COMMIT", SessionState::Committed).await
    }

    /// Rolls the transaction back; the connection goes back to the pool.
    ///
    /// With no transaction open this does nothing.
    pub async fn rollback(&mut self) -> Result<()> {
        match self.state {
            SessionState::Active | SessionState::Failed => {
                self.end("ROLLBACK", SessionState::RolledBack).await
            }
            SessionState::Closed => Err(Error::InvalidState {
                state: SessionState::Closed,
                operation: "roll back",
                hint: "open a new session",
            }),
            _ => Ok(()),
        }
    }

    /// Rolls back any open transaction, returns the connection and closes
    /// the session for good.
    pub async fn close(&mut self) -> Result<()> {
        let result = self.rollback().await;
        self.conn = None;
        self.state = SessionState::Closed;
        match result {
            Err(Error::InvalidState { .. }) => Ok(()),
            other => other,
        }
    }

    async fn end(&mut self, sql: &'static str, next: SessionState) -> Result<()> {
        self.write_in_flight = false;
        let Some(mut conn) = self.conn.take() else {
            self.state = next;
            return Ok(());
        };
        conn.set_tx_status(TxStatus::Unknown);
        match conn.batch(sql).await {
            Ok(()) => {
                conn.set_tx_status(TxStatus::Idle);
                self.state = next;
                Ok(())
            }
            Err(e) => {
                // The transaction's fate is the server's now; this connection
                // is not to be trusted again.
                conn.discard();
                self.state = SessionState::RolledBack;
                Err(e)
            }
        }
    }

    /// Never let this session's connection back into the pool (after a panic).
    pub(crate) fn discard_connection(&mut self) {
        if let Some(conn) = &mut self.conn {
            conn.discard();
        }
        self.conn = None;
        self.state = SessionState::RolledBack;
    }

    /// Marks the open transaction failed: a write of several statements was
    /// cancelled between two of them, so only part of it happened and the
    /// transaction can only be rolled back.
    pub(crate) fn fail_transaction(&mut self) {
        if self.state == SessionState::Active {
            self.state = SessionState::Failed;
        }
    }

    /// The connection, opening a transaction first when none is open.
    /// `writes` marks the statement about to run as one that changes data.
    async fn active(&mut self, operation: &'static str, writes: bool) -> Result<&mut B::Conn> {
        if self.write_in_flight {
            self.write_in_flight = false;
            self.state = SessionState::Failed;
            return Err(Error::InvalidState {
                state: SessionState::Failed,
                operation,
                hint: "an earlier write was cancelled before it finished, so its outcome is unknown: roll back",
            });
        }
        match self.state {
            SessionState::Active => {}
            SessionState::NotStarted | SessionState::Committed | SessionState::RolledBack => {
                self.begin().await?
            }
            SessionState::Failed => {
                return Err(Error::InvalidState {
                    state: SessionState::Failed,
                    operation,
                    hint: "a statement failed in this transaction: roll back first",
                })
            }
            SessionState::Closed => {
                return Err(Error::InvalidState {
                    state: SessionState::Closed,
                    operation,
                    hint: "open a new session",
                })
            }
        }
        self.write_in_flight = writes;
        match self.conn.as_mut() {
            Some(conn) => Ok(conn),
            None => Err(Error::InvalidState {
                state: self.state,
                operation,
                hint: "the session lost its connection: roll back",
            }),
        }
    }

    fn track<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() && self.state == SessionState::Active {
            self.state = SessionState::Failed;
        }
        result
    }

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
        let conn = self.active("execute a statement", true).await?;
        let result = conn.execute(sql, binds).await;
        self.statements += 1;
        self.write_in_flight = false;
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
        self.fetch_sql(&compiled.sql, &compiled.binds, writes).await
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
        let conn = self.active("run a query", writes).await?;
        let result = conn.fetch_all(sql, binds).await;
        self.statements += 1;
        self.write_in_flight = false;
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
        self.stream_sql(compiled.sql, binds)
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
        let open = async move {
            self.active("stream a query", false).await?;
            self.statements += 1;
            let Session { conn, state, .. } = self;
            let conn = conn.as_mut().ok_or(Error::InvalidState {
                state: *state,
                operation: "stream a query",
                hint: "the session lost its connection: roll back",
            })?;
            let rows = conn.fetch_stream::<R>(sql, binds).inspect_err(move |_| {
                if *state == SessionState::Active {
                    *state = SessionState::Failed;
                }
            });
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
        let conn = self.active("truncate", true).await?;
        let result = conn.truncate(table, options).await;
        self.write_in_flight = false;
        self.track(result)
    }

    /// Runs raw SQL without parameters (one or more statements separated by
    /// `;`) inside the session's transaction: the escape hatch for DDL and
    /// migrations. Never build `sql` from user input; bind values through
    /// the query builders instead.
    pub async fn batch(&mut self, sql: &str) -> Result<()> {
        let conn = self.active("run SQL", true).await?;
        let result = conn.batch(sql).await;
        self.write_in_flight = false;
        self.track(result)
    }

    /// Runs DDL statements in the session's transaction.
    pub(crate) async fn run_batch(&mut self, statements: &[String]) -> Result<()> {
        for sql in statements {
            let conn = self.active("run DDL", true).await?;
            let result = conn.batch(sql).await;
            self.write_in_flight = false;
            self.track(result)?;
        }
        Ok(())
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
