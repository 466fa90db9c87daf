//! Autocommit sessions: each statement commits on its own, as one
//! implicit transaction of the database, with no `BEGIN` or `COMMIT` sent.

use std::ops::{Deref, DerefMut};

use super::log;
use super::session::closed;
use super::{Backend, Connection, Database, Session, SessionState, TxOptions, TxStatus};
use crate::error::{Error, Result};

/// What an autocommit session answers to an operation that needs a
/// transaction of its own.
pub(crate) fn needs_transaction(operation: &'static str) -> Error {
    Error::InvalidState {
        state: SessionState::NotStarted,
        operation,
        hint: "an autocommit session runs each statement on its own, with no transaction to hold this: use db.session()",
    }
}

impl<B: Backend> Database<B> {
    /// A new session in autocommit mode: every statement it sends is its own
    /// transaction, committed by the database when the statement succeeds,
    /// as a statement run on a bare connection is. No `BEGIN` or `COMMIT`
    /// is sent, so a unit of work of one statement costs one round trip (on
    /// SQLite, one statement) instead of the two or three of a transaction.
    ///
    /// The session leases a connection at its first statement and keeps it
    /// until [`commit`](Session::commit), [`rollback`](Session::rollback)
    /// (which, having nothing to commit or undo, give it back) or
    /// [`close`](Session::close). An insert that needs several statements
    /// (more rows than one statement binds) still runs as one transaction,
    /// begun and committed around it. What needs a transaction of the
    /// session's own (`start`, savepoints and nested transactions, cursors,
    /// transaction-scoped settings and advisory locks, `COPY`, blobs,
    /// `truncate`, `batch`, two-phase commit) is refused with
    /// [`Error::InvalidState`](crate::Error::InvalidState): use [`Database::session`] for those.
    ///
    /// Each statement sees what was committed before it: two reads of an
    /// autocommit session do not share a snapshot.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table>(db: &Database<B>, id: Column<User, i64>) -> Result<()> {
    /// let mut s = db.autocommit();
    /// let n = s.delete::<User>().filter(id.eq(7)).execute().await?; // committed now
    /// assert_eq!(s.state(), SessionState::NotStarted);
    /// s.commit().await?; // gives the connection back
    /// # Ok(()) }
    /// ```
    pub fn autocommit(&self) -> Session<B> {
        let mut session = Session::new(self.clone(), TxOptions::default());
        session.autocommit = true;
        session
    }
}

impl<B: Backend> Session<B> {
    /// True for a session of [`Database::autocommit`], whose statements
    /// commit one by one.
    pub fn is_autocommit(&self) -> bool {
        self.autocommit
    }

    /// The connection for a statement of an autocommit session outside an
    /// implicit transaction: leased once, with no transaction opened.
    pub(super) async fn autocommit_connection(
        &mut self,
        operation: &'static str,
        writes: bool,
    ) -> Result<&mut B::Conn> {
        if self.state == SessionState::Closed {
            return Err(closed(operation));
        }
        self.forget_cancelled_write();
        if let Some(conn) = self
            .conn
            .as_mut()
            .filter(|c| c.tx_status() != TxStatus::Idle)
        {
            // Only an interrupted control statement of ours leaves one
            // open; one that cannot be rolled back goes to the backend.
            let log = self.db.statement_log();
            if log::rollback(log, conn).await.is_err() {
                self.conn = None;
            }
        }
        if self.conn.is_none() {
            self.conn = Some(self.db.backend().acquire().await?);
        }
        self.write_in_flight = writes;
        self.conn.as_mut().ok_or_else(|| closed(operation))
    }

    /// In an autocommit session: whether an implicit transaction of one of
    /// its operations is open, once one whose guard was dropped is rolled
    /// back.
    pub(super) async fn implicit_open(&mut self) -> bool {
        if self.implicit_abandoned {
            self.settle_implicit().await;
        }
        self.state.is_open()
    }

    /// A write whose future was dropped may still be on the wire: the
    /// backend settles its connection, and the next statement leases a
    /// fresh one. (Its outcome is unknown, as a cancelled write's is on a
    /// bare connection.)
    fn forget_cancelled_write(&mut self) {
        if std::mem::take(&mut self.write_in_flight) {
            self.conn = None;
        }
    }

    /// Rolls back the implicit transaction of an [`Implicit`] guard that
    /// was dropped before it finished (a cancelled insert): none of it is
    /// committed. The connection goes back to the backend if the rollback
    /// fails.
    pub(super) async fn settle_implicit(&mut self) {
        if !std::mem::take(&mut self.implicit_abandoned) {
            return;
        }
        if self.state.is_open() {
            self.state = SessionState::NotStarted;
            self.savepoints.clear();
            self.write_in_flight = false;
            if let Some(conn) = self.conn.as_mut() {
                let log = self.db.statement_log();
                if log::rollback(log, conn).await.is_err() {
                    conn.discard();
                    self.conn = None;
                }
            }
        }
    }

    /// Ends the unit of work of an autocommit session: there is nothing to
    /// commit or roll back, so the connection goes back to the pool.
    pub(super) async fn release_autocommit(&mut self, operation: &'static str) -> Result<()> {
        self.settle_implicit().await;
        if self.state == SessionState::Closed {
            return Err(closed(operation));
        }
        self.write_in_flight = false;
        self.conn = None;
        Ok(())
    }

    /// Runs the statements that follow, up to [`Implicit::finish`], as one
    /// transaction when the session is in autocommit mode and `several`
    /// says they may be more than one; otherwise they run as they would
    /// have.
    pub(crate) async fn implicit(&mut self, several: bool) -> Result<Implicit<'_, B>> {
        let open = self.autocommit && several;
        if open {
            self.settle_implicit().await;
            if self.state == SessionState::Closed {
                return Err(closed("open a transaction"));
            }
            self.forget_cancelled_write();
            self.begin(true).await?;
        }
        Ok(Implicit {
            session: self,
            open,
        })
    }
}

/// The implicit transaction of an autocommit session's operation that sends
/// several statements, and the session to send them on (through `Deref`).
/// [`finish`](Implicit::finish) commits it when the operation succeeded and
/// rolls it back otherwise; dropped before that, it is rolled back before
/// the session's next operation.
pub(crate) struct Implicit<'s, B: Backend> {
    session: &'s mut Session<B>,
    open: bool,
}

impl<B: Backend> Implicit<'_, B> {
    /// Commits the implicit transaction if `result` is `Ok`, else rolls it
    /// back; returns `result`, or the commit's error.
    pub(crate) async fn finish<T>(mut self, result: Result<T>) -> Result<T> {
        if !self.open {
            return result;
        }
        let s = &mut *self.session;
        // Still open while the COMMIT or ROLLBACK is on its way: dropped
        // then, the guard leaves the transaction to be rolled back.
        let log = s.db.statement_log();
        let ended = match (&result, s.state, s.conn.as_mut()) {
            (Ok(_), SessionState::Active, Some(conn)) => log::commit(log, conn).await,
            (_, _, Some(conn)) => log::rollback(log, conn).await,
            (_, _, None) => Ok(()),
        };
        self.open = false;
        s.state = SessionState::NotStarted;
        s.savepoints.clear();
        s.write_in_flight = false;
        if ended.is_err() {
            // The backend rolls back whatever is left before reuse.
            s.conn = None;
        }
        match ended {
            Err(e) if result.is_ok() => Err(e),
            _ => result,
        }
    }
}

impl<B: Backend> Drop for Implicit<'_, B> {
    fn drop(&mut self) {
        if self.open {
            self.session.implicit_abandoned = true;
        }
    }
}

impl<B: Backend> Deref for Implicit<'_, B> {
    type Target = Session<B>;
    fn deref(&self) -> &Session<B> {
        self.session
    }
}

impl<B: Backend> DerefMut for Implicit<'_, B> {
    fn deref_mut(&mut self) -> &mut Session<B> {
        self.session
    }
}
