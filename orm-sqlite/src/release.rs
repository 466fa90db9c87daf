//! What becomes of a [`SqliteConn`] when it is dropped: back to the pool as
//! it is, rolled back first, or closed.

use orm_core::TxStatus;
use sqlx::{AssertSqlSafe, Executor as _};

use crate::error::is_no_transaction;
use crate::pool::{close, Object};
use crate::settings::restore_statement;
use crate::transaction::QUERY_ONLY_OFF;
use crate::SqliteConn;

impl Drop for SqliteConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // A rollback needs a runtime; taken out of the pool, the
            // connection closes as it drops.
            close(conn);
            return;
        };
        let status = match (self.discarded, self.in_memory) {
            // A BEGIN never sent opened nothing.
            (false, _) if self.pending_begin.is_some() => TxStatus::Idle,
            (false, _) => self.status,
            (true, true) => TxStatus::Unknown,
            (true, false) => {
                close(conn);
                return;
            }
        };
        match status {
            TxStatus::Idle if !self.query_only && self.restore.is_empty() => drop(conn),
            _ => {
                // The task owns the bare pool connection, never a SqliteConn,
                // so dropping the task (at runtime shutdown) cannot spawn
                // another one; dropped before it is done, even before its
                // first poll, it closes the connection.
                let guard = CloseUnlessReleased(Some(conn));
                let restore = std::mem::take(&mut self.restore);
                runtime.spawn(roll_back_and_release(guard, self.query_only, restore));
            }
        }
    }
}

/// Rolls back the connection (and turns `query_only` off, and restores the
/// pragmas `restore` names) and returns it to the pool; it is closed
/// instead if any of that fails or this future is dropped before it is done.
async fn roll_back_and_release(
    mut guard: CloseUnlessReleased,
    query_only: bool,
    restore: Vec<(String, String)>,
) {
    let Some(conn) = guard.0.as_mut() else {
        return;
    };
    if query_only
        && (&mut **conn)
            .execute(sqlx::raw_sql(QUERY_ONLY_OFF))
            .await
            .is_err()
    {
        return;
    }
    let rolled_back = match (&mut **conn).execute(sqlx::raw_sql("ROLLBACK")).await {
        Ok(_) => true,
        // No transaction was open after all: with the state unknown (an
        // interrupted BEGIN, say), or because SQLite itself rolled it back
        // (an `OR ROLLBACK` conflict, a full disk). Either way the
        // connection is outside any transaction, as wanted.
        Err(e) => is_no_transaction(&e),
    };
    if !rolled_back {
        return;
    }
    for (name, value) in &restore {
        let sql = restore_statement(name, value);
        if (&mut **conn).execute(AssertSqlSafe(sql)).await.is_err() {
            return;
        }
    }
    // Back to the pool.
    drop(guard.0.take());
}

/// Closes the connection it still holds when dropped.
struct CloseUnlessReleased(Option<Object>);

impl Drop for CloseUnlessReleased {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            close(conn);
        }
    }
}
