//! Two-phase commit: prepare a transaction under a global id, then commit
//! or roll it back later, from any session (PostgreSQL).

use std::time::Duration;

use super::log::logged;
use super::{Backend, Connection, Database, Session, SessionState, TxStatus};
use crate::error::{Error, Result};
use crate::value::ValueRef;

/// A transaction prepared for two-phase commit, waiting on the server for
/// [`Database::commit_prepared`] or [`Database::rollback_prepared`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreparedTransaction {
    /// The global id it was prepared under.
    pub gid: String,
    /// The role that prepared it.
    pub owner: String,
    /// The database it belongs to.
    pub database: String,
    /// How long ago it was prepared.
    pub age: Duration,
}

impl PreparedTransaction {
    /// A prepared transaction as a backend reads it.
    pub fn new(gid: String, owner: String, database: String, age: Duration) -> Self {
        PreparedTransaction {
            gid,
            owner,
            database,
            age,
        }
    }
}

impl<B: Backend> Session<B> {
    /// Prepares the open transaction for two-phase commit under the global
    /// id `gid` (PostgreSQL's `PREPARE TRANSACTION`): its work is saved on
    /// the server, survives a crash, and waits for
    /// [`Database::commit_prepared`] or [`Database::rollback_prepared`],
    /// which any session may call. The session is then
    /// [`SessionState::Prepared`] and its connection back in the pool.
    ///
    /// A server with `max_prepared_transactions = 0` refuses with
    /// [`Error::Unsupported`] (and the transaction is rolled back), as does
    /// SQLite (whose transaction stays open). A failed session is rolled
    /// back and [`Error::InvalidState`] returned, as by `commit`.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
    /// let mut s = db.session();
    /// s.raw("UPDATE accounts SET balance = balance - 10 WHERE id = 1").execute().await?;
    /// s.prepare("transfer-42").await?;
    /// // ... once every other participant has prepared too:
    /// db.commit_prepared("transfer-42").await?;
    /// # Ok(()) }
    /// ```
    pub async fn prepare(&mut self, gid: &str) -> Result<()> {
        if self.autocommit {
            self.settle_implicit().await;
            return Err(super::autocommit::needs_transaction("prepare"));
        }
        self.settle_cancelled_write();
        self.settle_abandoned().await?;
        match self.state {
            SessionState::Active => {}
            SessionState::Failed => {
                self.rollback().await?;
                return Err(Error::InvalidState {
                    state: SessionState::Failed,
                    operation: "prepare",
                    hint: "a statement failed in this transaction, so it was rolled back and nothing was prepared",
                });
            }
            SessionState::Closed => return Err(super::session::closed("prepare")),
            state => {
                return Err(Error::InvalidState {
                    state,
                    operation: "prepare",
                    hint: "no transaction is open: run its statements first",
                })
            }
        }
        let Some(mut conn) = self.conn.take() else {
            return Err(super::session::closed("prepare"));
        };
        // Dropped from here on, the PREPARE may or may not land.
        self.state = SessionState::CommitUnknown;
        let log = self.db.statement_log();
        let gid_bind = [ValueRef::Text(gid)];
        let prepared = logged(log, "PREPARE TRANSACTION ?", &gid_bind, || {
            conn.prepare_transaction(gid)
        });
        match prepared.await {
            Ok(()) => {
                self.savepoints.clear();
                self.state = SessionState::Prepared;
                Ok(())
            }
            Err(e @ Error::CommitOutcomeUnknown { .. }) => {
                self.savepoints.clear();
                Err(e)
            }
            Err(e @ Error::Unsupported { .. }) if conn.tx_status() == TxStatus::InTransaction => {
                // Refused before anything was sent: the transaction goes on.
                self.conn = Some(conn);
                self.state = SessionState::Active;
                Err(e)
            }
            Err(e) => {
                self.savepoints.clear();
                self.retryable |= e.is_retryable();
                self.state = SessionState::RolledBack;
                Err(e)
            }
        }
    }
}

impl<B: Backend> Database<B> {
    /// Commits the prepared transaction `gid` (`COMMIT PREPARED`), whichever
    /// session prepared it. An unknown id is an [`Error::Database`] with
    /// SQLSTATE 42704.
    pub async fn commit_prepared(&self, gid: &str) -> Result<()> {
        self.finish_prepared(gid, true).await
    }

    /// Rolls back the prepared transaction `gid` (`ROLLBACK PREPARED`),
    /// whichever session prepared it.
    pub async fn rollback_prepared(&self, gid: &str) -> Result<()> {
        self.finish_prepared(gid, false).await
    }

    /// The prepared transactions of this database still waiting to be
    /// committed or rolled back, oldest first: what a transaction manager
    /// recovers after a crash.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
    /// for pending in db.prepared_transactions().await? {
    ///     if pending.gid.starts_with("transfer-") {
    ///         db.rollback_prepared(&pending.gid).await?;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn prepared_transactions(&self) -> Result<Vec<PreparedTransaction>> {
        let mut conn = self.backend().acquire().await?;
        conn.prepared_transactions().await
    }

    /// `COMMIT PREPARED` (`commit`) or `ROLLBACK PREPARED` of `gid`, on a
    /// connection of its own, logged with the id as a bind.
    async fn finish_prepared(&self, gid: &str, commit: bool) -> Result<()> {
        let mut conn = self.backend().acquire().await?;
        let sql = if commit {
            "COMMIT PREPARED ?"
        } else {
            "ROLLBACK PREPARED ?"
        };
        let gid_bind = [ValueRef::Text(gid)];
        logged(self.statement_log(), sql, &gid_bind, || {
            conn.finish_prepared(gid, commit)
        })
        .await
    }
}
