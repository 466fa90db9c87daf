//! Server-side cursors in a session: each is declared in the session's
//! transaction and lives only as long as it. The user's handle is
//! [`Cursor`](crate::query::Cursor); this file runs its statements.

use std::sync::atomic::{AtomicU64, Ordering};

use super::log::{logged, logged_as};
use super::{Backend, Connection, Session};
use crate::error::{Error, Result};
use crate::query::Direction;
use crate::row::FromRow;
use crate::value::ValueRef;

static TRANSACTIONS: AtomicU64 = AtomicU64::new(1);
static CURSORS: AtomicU64 = AtomicU64::new(1);

/// A number no other transaction of this process has had.
pub(super) fn next_transaction() -> u64 {
    TRANSACTIONS.fetch_add(1, Ordering::Relaxed)
}

/// Where a cursor lives: its generated name and the transaction that
/// declared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CursorId {
    pub(crate) name: String,
    pub(crate) transaction: u64,
}

impl<B: Backend> Session<B> {
    /// [`Error::Unsupported`] unless the database has server-side cursors.
    fn require_cursors(&self) -> Result<()> {
        let dialect = self.db.backend().dialect();
        if dialect.server_cursors() {
            Ok(())
        } else {
            Err(Error::Unsupported {
                backend: dialect.name(),
                what: "server-side cursors (read the rows with `.stream()` instead, \
                       which holds one row at a time)"
                    .to_string(),
            })
        }
    }

    /// Declares a cursor for `sql` with `binds` in the session's
    /// transaction (opening one if none is open).
    pub(crate) async fn declare_cursor(
        &mut self,
        sql: &str,
        binds: &[ValueRef<'_>],
        scroll: bool,
    ) -> Result<CursorId> {
        self.require_cursors()?;
        let name = format!("orm_cursor_{}", CURSORS.fetch_add(1, Ordering::Relaxed));
        let log = self.db.statement_log();
        let conn = self.active("declare a cursor", false).await?;
        let declare = conn.declare_cursor(&name, sql, binds, scroll);
        let result = logged(log, sql, binds, || declare).await;
        self.statements += 1;
        self.track(result)?;
        Ok(CursorId {
            name,
            transaction: self.transaction,
        })
    }

    /// [`Error::CursorClosed`] unless `cursor`'s transaction is the open one.
    fn require_open(&self, cursor: &CursorId) -> Result<()> {
        let open = self.state.is_open();
        if open && self.transaction == cursor.transaction {
            Ok(())
        } else {
            Err(Error::CursorClosed {
                name: cursor.name.clone(),
                reason: "the transaction that declared it has ended (or it belongs to \
                         another session); a cursor lives only inside its transaction",
            })
        }
    }

    /// Fetches rows from `cursor` as `direction` says.
    pub(crate) async fn fetch_cursor<R: FromRow + Send + 'static>(
        &mut self,
        cursor: &CursorId,
        direction: Direction,
    ) -> Result<Vec<R>> {
        self.require_open(cursor)?;
        let log = self.db.statement_log();
        let conn = self.active("fetch from a cursor", false).await?;
        let fetch = conn.fetch_cursor(&cursor.name, direction);
        let describe = || format!("FETCH {direction:?} FROM {}", cursor.name);
        let result = logged_as(log, describe, &[], || fetch).await;
        self.statements += 1;
        self.track(result)
    }

    /// Moves `cursor` as `direction` says; returns the rows passed over.
    pub(crate) async fn move_cursor(
        &mut self,
        cursor: &CursorId,
        direction: Direction,
    ) -> Result<u64> {
        self.require_open(cursor)?;
        let log = self.db.statement_log();
        let conn = self.active("move a cursor", false).await?;
        let moved = conn.move_cursor(&cursor.name, direction);
        let describe = || format!("MOVE {direction:?} IN {}", cursor.name);
        let result = logged_as(log, describe, &[], || moved).await;
        self.statements += 1;
        self.track(result)
    }

    /// Closes `cursor`.
    pub(crate) async fn close_cursor(&mut self, cursor: &CursorId) -> Result<()> {
        self.require_open(cursor)?;
        let log = self.db.statement_log();
        let conn = self.active("close a cursor", false).await?;
        let close = conn.close_cursor(&cursor.name);
        let result = logged_as(log, || format!("CLOSE {}", cursor.name), &[], || close).await;
        self.statements += 1;
        self.track(result)
    }
}
