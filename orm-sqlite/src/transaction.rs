//! Transaction control on a [`SqliteConn`]: `BEGIN` in a lock mode, a
//! read-only transaction through `PRAGMA query_only`, `COMMIT` whose outcome
//! may be unknown, `ROLLBACK`.
//!
//! A deferred `BEGIN` (no lock mode, or `DEFERRED`, and not read-only) is
//! not sent at once but ahead of the transaction's first statement, in the
//! same call to sqlx's worker thread: each call is a hop to that thread and
//! back. Such a `BEGIN` takes no lock and cannot be refused, and SQLite
//! starts the transaction's snapshot at its first statement either way, so
//! nothing else can be told apart. A `BEGIN` that takes a lock is still
//! sent by itself, so that its `SQLITE_BUSY` is the error of `begin`.

use orm_core::session::controls_transaction;
use orm_core::{Error, LockMode, Result, TxOptions, TxStatus};
use sqlx::Executor as _;

use crate::error::{from_sqlx, is_no_transaction_error};
use crate::settings::pragma_writes;
use crate::SqliteConn;

/// Turns `query_only` on for a read-only transaction.
pub(crate) const QUERY_ONLY_ON: &str = "PRAGMA query_only = ON";
/// Turns `query_only` off again.
pub(crate) const QUERY_ONLY_OFF: &str = "PRAGMA query_only = OFF";

/// The `BEGIN` statement for `options`. SQLite transactions are always
/// serializable, so any isolation level is met; `deferrable` means nothing.
///
/// ```text
/// BEGIN                (no lock mode: DEFERRED)
/// BEGIN IMMEDIATE
/// ```
pub(crate) fn begin_sql(options: &TxOptions) -> &'static str {
    match options.lock {
        None => "BEGIN",
        Some(LockMode::Deferred) => "BEGIN DEFERRED",
        Some(LockMode::Immediate) => "BEGIN IMMEDIATE",
        Some(LockMode::Exclusive) => "BEGIN EXCLUSIVE",
    }
}

fn loses_outcome(error: &Error) -> bool {
    matches!(error, Error::ConnectionLost { .. } | Error::Timeout { .. })
}

impl SqliteConn {
    /// Runs a transaction-control statement, prepared once per connection
    /// (sqlx's worker would parse raw SQL again each time): the status is
    /// unknown until it succeeded, and is then `after`.
    async fn control(
        &mut self,
        operation: &'static str,
        sql: &'static str,
        after: TxStatus,
    ) -> Result<()> {
        self.status = TxStatus::Unknown;
        self.deferred = false;
        let (timeout, conn, discarded) = self.parts()?;
        Self::timed(timeout, discarded, operation, async {
            conn.execute(sqlx::query(sql))
                .await
                .map(drop)
                .map_err(from_sqlx)
        })
        .await?;
        self.status = after;
        Ok(())
    }

    pub(crate) async fn begin_transaction(&mut self, options: &TxOptions) -> Result<()> {
        let deferred = matches!(options.lock, None | Some(LockMode::Deferred));
        if !options.read_only && self.status == TxStatus::Idle {
            self.pending_begin = Some(begin_sql(options));
            self.status = TxStatus::InTransaction;
            self.deferred = deferred;
            self.reading = false;
            return Ok(());
        }
        // A second BEGIN is refused as SQLite refuses it, after the first.
        self.send_pending_begin().await?;
        self.control("BEGIN", begin_sql(options), TxStatus::InTransaction)
            .await?;
        if options.read_only {
            self.query_only = true;
            self.control("BEGIN", QUERY_ONLY_ON, TxStatus::InTransaction)
                .await?;
        }
        self.deferred = deferred;
        self.reading = false;
        Ok(())
    }

    /// Sends the pending `BEGIN` by itself, if there is one: before SQL
    /// that cannot carry it.
    pub(crate) async fn send_pending_begin(&mut self) -> Result<()> {
        let Some(begin) = self.pending_begin.take() else {
            return Ok(());
        };
        let (deferred, reading) = (self.deferred, self.reading);
        if let Err(e) = self.control("BEGIN", begin, TxStatus::InTransaction).await {
            self.deferred = deferred;
            self.begin_failed(&e);
            return Err(e);
        }
        (self.deferred, self.reading) = (deferred, reading);
        Ok(())
    }

    /// After a `BEGIN` sent (alone or carried) failed with `error`: one
    /// that took the write lock (`IMMEDIATE`, `EXCLUSIVE`) and was refused
    /// it after the busy timeout opened nothing, and no statement behind it
    /// ran (once it holds the lock, nothing in the transaction waits for
    /// one), so no transaction is open. Any other failure leaves the status
    /// unknown: a `ROLLBACK` settles it.
    fn begin_failed(&mut self, error: &Error) {
        if matches!(error, Error::Busy { .. }) && !self.deferred {
            self.status = TxStatus::Idle;
        }
    }

    /// `sql` with the pending `BEGIN` ahead of it, to go in one call, when
    /// there is a pending `BEGIN` and `sql` can carry it: not transaction
    /// control (whose status the `BEGIN` would hide), nor a pragma write
    /// (the pragma is read first, after the `BEGIN`). Otherwise `None`,
    /// any pending `BEGIN` sent first by itself.
    pub(crate) async fn carrying_begin(&mut self, sql: &str) -> Result<Option<String>> {
        let Some(begin) = self.pending_begin else {
            return Ok(None);
        };
        if controls_transaction(sql) || !pragma_writes(sql).is_empty() {
            Box::pin(self.send_pending_begin()).await?;
            return Ok(None);
        }
        // Not format!: it costs ten times as much.
        let mut carried = String::with_capacity(begin.len() + 2 + sql.len());
        carried.push_str(begin);
        carried.push_str("; ");
        carried.push_str(sql);
        Ok(Some(carried))
    }

    /// Just before SQL from [`carrying_begin`](Self::carrying_begin) is
    /// sent (`carried`): the `BEGIN` is no longer pending, and the status is
    /// unknown until the call succeeds. Returns `carried`.
    pub(crate) fn carry_begin(&mut self, carried: bool) -> bool {
        if carried {
            self.pending_begin = None;
            self.status = TxStatus::Unknown;
        }
        carried
    }

    /// After SQL that carried the `BEGIN` (`began`) succeeded, the
    /// transaction is open. After an error it stays unknown (the `BEGIN`
    /// may have run, and a `ROLLBACK` settles it either way), but for a
    /// `BEGIN` refused the write lock: then no transaction is open, and the
    /// session takes it as a `begin` that failed.
    pub(crate) fn carried_begin<T>(&mut self, began: bool, result: &Result<T>) {
        if !began {
            return;
        }
        match result {
            Ok(_) => self.status = TxStatus::InTransaction,
            Err(e) => self.begin_failed(e),
        }
    }

    /// Turns a read-only transaction's `query_only` off.
    async fn writable_again(&mut self) -> Result<()> {
        if self.query_only {
            let status = self.status;
            self.control("PRAGMA query_only", QUERY_ONLY_OFF, status)
                .await?;
            self.query_only = false;
        }
        Ok(())
    }

    pub(crate) async fn commit_transaction(&mut self) -> Result<()> {
        if self.pending_begin.take().is_some() {
            // Nothing was sent: no transaction to end.
            self.status = TxStatus::Idle;
            return Ok(());
        }
        self.writable_again().await?;
        match self.control("COMMIT", "COMMIT", TxStatus::Idle).await {
            Ok(()) => Ok(()),
            // Handed to the worker, and no answer: committed or not.
            Err(e) if loses_outcome(&e) => Err(Error::CommitOutcomeUnknown {
                source: Box::new(e),
            }),
            // Refused (SQLITE_BUSY leaves the transaction open): the status
            // stays unknown, so the connection is rolled back before reuse.
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn rollback_transaction(&mut self) -> Result<()> {
        if self.pending_begin.take().is_some() {
            self.status = TxStatus::Idle;
            return Ok(());
        }
        if self.discarded && !self.in_memory {
            // Closing the connection rolls back.
            return Ok(());
        }
        self.writable_again().await?;
        match self.control("ROLLBACK", "ROLLBACK", TxStatus::Idle).await {
            Ok(()) => Ok(()),
            // SQLite already rolled back by itself (an `OR ROLLBACK`
            // conflict, a full disk): outside any transaction, as wanted.
            Err(e) if is_no_transaction_error(&e) => {
                self.status = TxStatus::Idle;
                Ok(())
            }
            Err(e) if loses_outcome(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn begin_spells_the_lock_mode() {
        assert_eq!(begin_sql(&TxOptions::new()), "BEGIN");
        assert_eq!(begin_sql(&TxOptions::new().immediate()), "BEGIN IMMEDIATE");
        assert_eq!(
            begin_sql(&TxOptions::serializable().lock(LockMode::Exclusive)),
            "BEGIN EXCLUSIVE"
        );
        assert_eq!(
            begin_sql(&TxOptions::new().lock(LockMode::Deferred)),
            "BEGIN DEFERRED"
        );
    }
}
