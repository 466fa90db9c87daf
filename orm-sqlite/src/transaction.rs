//! Transaction control on a [`SqliteConn`]: `BEGIN` in a lock mode, a
//! read-only transaction through `PRAGMA query_only`, `COMMIT` whose outcome
//! may be unknown, `ROLLBACK`.

use orm_core::{Error, LockMode, Result, TxOptions, TxStatus};
use sqlx::Executor as _;

use crate::error::{from_sqlx, is_no_transaction_error};
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
    /// Runs a transaction-control statement: the status is unknown until
    /// it succeeded, and is then `after`.
    async fn control(&mut self, operation: &'static str, sql: &str, after: TxStatus) -> Result<()> {
        self.status = TxStatus::Unknown;
        self.deferred = false;
        let (timeout, conn, discarded) = self.parts()?;
        Self::timed(timeout, discarded, operation, async {
            conn.execute(sqlx::raw_sql(sql))
                .await
                .map(drop)
                .map_err(from_sqlx)
        })
        .await?;
        self.status = after;
        Ok(())
    }

    pub(crate) async fn begin_transaction(&mut self, options: &TxOptions) -> Result<()> {
        self.control("BEGIN", begin_sql(options), TxStatus::InTransaction)
            .await?;
        if options.read_only {
            self.query_only = true;
            self.control("BEGIN", QUERY_ONLY_ON, TxStatus::InTransaction)
                .await?;
        }
        self.deferred = matches!(options.lock, None | Some(LockMode::Deferred));
        self.reading = false;
        Ok(())
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
