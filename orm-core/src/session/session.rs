//! [`Session`]: the state machine around one transaction at a time.

use super::log::{self, logged_as};
use super::nested::Savepoints;
use super::{Backend, Connection, Database, SessionState, TxOptions, TxStatus};
use crate::error::{Error, Result};

/// A window onto one pooled connection and its transaction.
///
/// A session starts lazily: the connection is leased and `BEGIN` sent by the
/// first statement (or by [`Session::start`]). After [`commit`](Session::commit)
/// or [`rollback`](Session::rollback) the connection goes back to the pool and
/// the session stays usable: the next statement opens a new transaction.
/// Inside a transaction, [`savepoint`](Session::savepoint),
/// [`nested`](Session::nested) and [`transaction`](Session::transaction)
/// nest further transactions as savepoints.
///
/// Dropping a session whose transaction is open rolls it back; its connection
/// never returns to the pool inside a transaction. With statement logging
/// on, that `ROLLBACK` is logged too.
pub struct Session<B: Backend> {
    pub(super) db: Database<B>,
    pub(super) conn: Option<B::Conn>,
    pub(super) state: SessionState,
    /// Set while a write is on the wire; still set on entry means the
    /// future running it was dropped, so the write's outcome is unknown.
    pub(super) write_in_flight: bool,
    /// How the next transaction begins.
    pub(super) options: TxOptions,
    /// The open savepoints of the transaction.
    pub(super) savepoints: Savepoints,
    /// The current transaction failed in a way a retry may cure.
    pub(super) retryable: bool,
    /// Which run of `Database::transaction_with` this is (1-based).
    pub(super) attempt: u32,
    /// Statements sent by queries and writes (not BEGIN / COMMIT / ROLLBACK).
    pub(super) statements: u64,
    /// The process-wide number of the open (or last) transaction: what
    /// ties a server-side cursor to the transaction that declared it.
    pub(super) transaction: u64,
    /// Until the transaction's first statement is tracked: the state before
    /// its `begin`, and the statement count then. A backend may send the
    /// `BEGIN` with that statement; should the `BEGIN` be refused, the
    /// session goes back to this state, as when `begin` itself fails.
    pub(super) before_begin: Option<(SessionState, u64)>,
    /// Each statement commits on its own ([`Database::autocommit`]).
    pub(super) autocommit: bool,
    /// An implicit transaction of an autocommit session was dropped before
    /// it finished: roll it back before anything else.
    pub(super) implicit_abandoned: bool,
}

impl<B: Backend> std::fmt::Debug for Session<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("backend", &self.db.backend().name())
            .field("state", &self.state)
            .field("savepoints", &self.savepoints.len())
            .finish()
    }
}

impl<B: Backend> Session<B> {
    pub(crate) fn new(db: Database<B>, options: TxOptions) -> Self {
        Session {
            db,
            conn: None,
            state: SessionState::NotStarted,
            write_in_flight: false,
            options,
            savepoints: Savepoints::default(),
            retryable: false,
            attempt: 1,
            statements: 0,
            transaction: 0,
            before_begin: None,
            autocommit: false,
            implicit_abandoned: false,
        }
    }

    /// How many statements this session has sent for queries and writes
    /// (transaction control is not counted): a way to see that eager loading
    /// sends one query per level.
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

    /// Marks the open transaction failed: a write of several statements was
    /// cancelled between two of them, so only part of it happened and the
    /// transaction can only be rolled back.
    pub(crate) fn fail_transaction(&mut self) {
        if self.state == SessionState::Active {
            self.state = SessionState::Failed;
        }
    }

    /// The session's state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// The database this session belongs to.
    pub fn database(&self) -> &Database<B> {
        &self.db
    }

    /// How this session's transactions begin.
    pub fn options(&self) -> TxOptions {
        self.options
    }

    /// Sets how this session's next transactions begin; the open one, if
    /// any, keeps its own.
    pub fn set_options(&mut self, options: TxOptions) {
        self.options = options;
    }

    /// Which run of [`Database::transaction_with`] this is: 1 for the
    /// first, 2 for the first retry, and so on (1 outside `transaction_with`).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// True when the current (or last) transaction failed with an error that
    /// retrying the whole transaction may cure (a serialization failure or a
    /// deadlock, raised by a statement or by `COMMIT`).
    pub fn failed_retryably(&self) -> bool {
        self.retryable
    }

    /// Leases a connection and opens a transaction now, rather than on the
    /// first statement. (A backend may still send its `BEGIN` with the
    /// first statement: PostgreSQL does, saving a round trip.)
    ///
    /// Starting a session that is already active or closed, or an
    /// autocommit session, is an [`Error::InvalidState`].
    pub async fn start(&mut self) -> Result<()> {
        if self.autocommit {
            self.settle_implicit().await;
            return Err(super::autocommit::needs_transaction("start"));
        }
        match self.state {
            SessionState::Active | SessionState::Failed | SessionState::Closed => {
                Err(Error::InvalidState {
                    state: self.state,
                    operation: "start",
                    hint: "commit or roll back the open transaction first",
                })
            }
            _ => self.begin(false).await,
        }
    }

    /// Opens a transaction, leasing a connection first. `writes` says
    /// whether the statement that asked for it writes (SQLite then takes
    /// the write lock at once).
    pub(super) async fn begin(&mut self, writes: bool) -> Result<()> {
        let options = self.options.for_first_statement(writes);
        // A connection that died while idle in the pool fails here, before
        // any work of the transaction exists: another one may be tried, so
        // a server restart costs no error. Inside a transaction, never.
        let mut tries_left = self.db.pool_status().max_size + 1;
        let log = self.db.statement_log();
        let dialect = self.db.backend().dialect();
        loop {
            tries_left -= 1;
            let conn = match &mut self.conn {
                Some(conn) => conn,
                None => self.conn.insert(self.db.backend().acquire().await?),
            };
            let mut result = Ok(());
            if conn.tx_status() != TxStatus::Idle {
                // A BEGIN or COMMIT of ours was interrupted: clear whatever it left.
                result = log::rollback(log, conn).await;
            }
            if result.is_ok() {
                let text = || dialect.begin_sql(&options).into_owned();
                result = logged_as(log, text, &[], || conn.begin(&options)).await;
            }
            match result {
                Ok(()) => {
                    self.before_begin = Some((self.state, self.statements));
                    self.state = SessionState::Active;
                    self.transaction = super::cursor::next_transaction();
                    self.write_in_flight = false;
                    self.retryable = false;
                    self.savepoints.clear();
                    return Ok(());
                }
                Err(e) => {
                    // Back to the backend, which rolls it back or closes it.
                    self.conn = None;
                    if tries_left == 0 || !matches!(e, Error::ConnectionLost { .. }) {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Commits the transaction; the connection goes back to the pool.
    ///
    /// With no transaction open this does nothing. In a [`SessionState::Failed`]
    /// session it rolls back, commits nothing, and returns
    /// [`Error::InvalidState`]. When the database refuses the commit (a
    /// serialization failure, say) the transaction is rolled back and the
    /// error returned. When the connection is lost after `COMMIT` was sent,
    /// the error is [`Error::CommitOutcomeUnknown`] and the session
    /// [`SessionState::CommitUnknown`].
    ///
    /// In an autocommit session, whose statements committed one by one,
    /// this gives the connection back to the pool.
    pub async fn commit(&mut self) -> Result<()> {
        if self.autocommit {
            return self.release_autocommit("commit").await;
        }
        self.settle_cancelled_write();
        self.settle_abandoned().await?;
        match self.state {
            SessionState::Active => {}
            SessionState::Failed => {
                self.rollback().await?;
                return Err(Error::InvalidState {
                    state: SessionState::Failed,
                    operation: "commit",
                    hint: "a statement failed in this transaction, so it was rolled back and nothing was committed",
                });
            }
            SessionState::Closed => return Err(closed("commit")),
            _ => return Ok(()),
        }
        self.savepoints.clear();
        let Some(mut conn) = self.conn.take() else {
            self.state = SessionState::RolledBack;
            return Err(lost_connection("commit"));
        };
        // Dropped from here on, the COMMIT may or may not land.
        self.state = SessionState::CommitUnknown;
        let log = self.db.statement_log();
        match log::commit(log, &mut conn).await {
            Ok(()) => {
                self.state = SessionState::Committed;
                Ok(())
            }
            Err(e @ Error::CommitOutcomeUnknown { .. }) => Err(e),
            Err(e) => {
                // Refused: over on the server, or rolled back when `conn`
                // goes back to the backend.
                self.retryable |= e.is_retryable();
                self.state = SessionState::RolledBack;
                Err(e)
            }
        }
    }

    /// Rolls the transaction back; the connection goes back to the pool.
    ///
    /// With no transaction open this does nothing. A connection that was
    /// lost needs no rollback: the server rolled back when it went.
    ///
    /// In an autocommit session, whose statements committed one by one,
    /// there is nothing to roll back: this gives the connection back to
    /// the pool.
    pub async fn rollback(&mut self) -> Result<()> {
        if self.autocommit {
            return self.release_autocommit("roll back").await;
        }
        match self.state {
            SessionState::Active | SessionState::Failed => {}
            SessionState::Closed => return Err(closed("roll back")),
            _ => return Ok(()),
        }
        self.savepoints.clear();
        self.write_in_flight = false;
        // Even if this future is dropped, the backend rolls the connection
        // back before reuse: the transaction is rolled back either way.
        self.state = SessionState::RolledBack;
        match self.conn.take() {
            Some(mut conn) => {
                let log = self.db.statement_log();
                let result = log::rollback(log, &mut conn).await;
                if result.is_err() {
                    conn.discard();
                }
                result
            }
            None => Ok(()),
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

    /// Never let this session's connection back into the pool (after a panic).
    pub(crate) fn discard_connection(&mut self) {
        if let Some(conn) = &mut self.conn {
            conn.discard();
        }
        self.conn = None;
        self.savepoints.clear();
        self.state = SessionState::RolledBack;
    }

    /// A write whose future was dropped mid-flight fails the transaction.
    pub(super) fn settle_cancelled_write(&mut self) {
        if self.write_in_flight {
            self.write_in_flight = false;
            if self.state == SessionState::Active {
                self.state = SessionState::Failed;
            }
        }
    }

    /// The connection, in the open transaction (opened first when none is),
    /// for an operation that needs one: refused in an autocommit session,
    /// but inside the implicit transaction of one of its operations.
    pub(super) async fn active(
        &mut self,
        operation: &'static str,
        writes: bool,
    ) -> Result<&mut B::Conn> {
        if self.autocommit && !self.implicit_open().await {
            return Err(super::autocommit::needs_transaction(operation));
        }
        self.statement_connection(operation, writes).await
    }

    /// The connection for a statement of the query builders or raw SQL:
    /// in the open transaction (opened first when none is), or, in an
    /// autocommit session, with none (but inside an implicit transaction).
    /// `writes` marks the statement about to run as one that changes data.
    pub(super) async fn statement_connection(
        &mut self,
        operation: &'static str,
        writes: bool,
    ) -> Result<&mut B::Conn> {
        if self.autocommit && !self.implicit_open().await {
            return self.autocommit_connection(operation, writes).await;
        }
        if self.write_in_flight {
            self.settle_cancelled_write();
            if !self.savepoints.has_abandoned() {
                return Err(Error::InvalidState {
                    state: SessionState::Failed,
                    operation,
                    hint: "an earlier write was cancelled before it finished, so its outcome is unknown: roll back",
                });
            }
        }
        self.settle_abandoned().await?;
        match self.state {
            SessionState::Active => {}
            SessionState::Failed => {
                return Err(Error::InvalidState {
                    state: SessionState::Failed,
                    operation,
                    hint: "a statement failed in this transaction: roll back (or roll back to a savepoint) first",
                })
            }
            SessionState::Closed => return Err(closed(operation)),
            _ => self.begin(writes).await?,
        }
        self.write_in_flight = writes;
        match self.conn.as_mut() {
            Some(conn) => Ok(conn),
            None => Err(lost_connection(operation)),
        }
    }

    /// Records the outcome of a read: as [`track`](Self::track) does, except
    /// that rows it could not decode ([`Error::Decode`],
    /// [`Error::ColumnNotFound`]) leave the transaction as it was. The
    /// database ran the read and changed nothing, so nothing of the
    /// transaction needs undoing: the program may go on, or commit what it
    /// wrote before.
    pub(super) fn track_read<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.as_ref().is_err_and(undecodable) {
            self.write_in_flight = false;
            return result;
        }
        self.track(result)
    }

    /// Records the outcome of a statement: a failure fails the transaction,
    /// unless nothing reached the database.
    pub(super) fn track<T>(&mut self, result: Result<T>) -> Result<T> {
        self.write_in_flight = false;
        if result.is_ok() {
            self.before_begin = None;
        } else if self.begin_refused(1) {
            return result;
        }
        if let Err(e) = &result {
            self.retryable |= e.is_retryable();
            let nothing_sent = matches!(
                e,
                Error::TooManyBinds { .. }
                    | Error::InvalidBind { .. }
                    | Error::InvalidSetting { .. }
            );
            if self.state == SessionState::Active && !nothing_sent {
                self.state = SessionState::Failed;
            } else if self.autocommit && self.state == SessionState::NotStarted && !nothing_sent {
                // Lost, timed out or refused, the statement is over; the
                // backend settles (or drops) its connection, and the next
                // statement leases one that is known to be well.
                self.conn = None;
            }
        }
        result
    }
}

impl<B: Backend> Session<B> {
    /// Before a stream that is the transaction's first statement: sends a
    /// `BEGIN` the backend kept to go with that statement, which a stream
    /// cannot carry ([`Connection::send_begin`]). Refused (the connection
    /// says no transaction is open), nothing of the transaction exists:
    /// the session is as before `begin`, as when `begin` itself fails.
    pub(super) async fn send_kept_begin(&mut self) -> Result<()> {
        let (Some(_), Some(conn)) = (self.before_begin, self.conn.as_mut()) else {
            return Ok(());
        };
        match conn.send_begin().await {
            Ok(()) => {
                self.before_begin = None;
                Ok(())
            }
            Err(e) if self.begin_refused(0) => Err(e),
            Err(e) => self.track(Err(e)),
        }
    }

    /// After the transaction's first statement failed: true when the
    /// connection says no transaction is open, so the `BEGIN` sent with
    /// the statement was refused (on SQLite, `BEGIN IMMEDIATE` finding the
    /// write lock taken for the whole busy timeout) and nothing of the
    /// transaction exists. The session is then as before `begin`, its
    /// connection back in the pool, as when `begin` itself fails.
    /// `statements_since`: the statements counted since `begin` when the
    /// failure came (1 for the first statement, 0 for a `BEGIN` sent alone
    /// before a stream); more means the `BEGIN` had already succeeded.
    fn begin_refused(&mut self, statements_since: u64) -> bool {
        let Some((before, statements)) = self.before_begin.take() else {
            return false;
        };
        let first = self.statements == statements + statements_since;
        let idle = self
            .conn
            .as_ref()
            .is_some_and(|conn| conn.tx_status() == TxStatus::Idle);
        if self.state != SessionState::Active || !first || !idle {
            return false;
        }
        self.conn = None;
        self.state = before;
        true
    }
}

/// Rows the program could not decode, after the database ran the statement:
/// a read that failed so leaves the transaction as it was.
pub(super) fn undecodable(error: &Error) -> bool {
    matches!(error, Error::Decode { .. } | Error::ColumnNotFound { .. })
}

pub(super) fn closed(operation: &'static str) -> Error {
    Error::InvalidState {
        state: SessionState::Closed,
        operation,
        hint: "open a new session",
    }
}

fn lost_connection(operation: &'static str) -> Error {
    Error::InvalidState {
        state: SessionState::Failed,
        operation,
        hint: "the session lost its connection: roll back",
    }
}

impl<B: Backend> Drop for Session<B> {
    /// A transaction still open is rolled back by the backend as the
    /// connection goes back to the pool; that `ROLLBACK` is logged here, as
    /// the session's own would be.
    fn drop(&mut self) {
        if self.conn.is_some() && self.state.is_open() {
            super::log::dropped_open_transaction(self.db.statement_log());
        }
    }
}
