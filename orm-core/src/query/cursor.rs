//! [`Cursor`]: a server-side cursor over a select or a raw query, read a
//! batch at a time (PostgreSQL `DECLARE` / `FETCH` / `MOVE` / `CLOSE`).

use std::marker::PhantomData;

use super::{Raw, Select};
use crate::error::{Error, Result};
use crate::row::FromRow;
use crate::session::CursorId;
use crate::session::{refuse_transaction_control, Backend, Session};
use crate::sql::compile;
use crate::table::Table;
use crate::value::{Value, ValueRef};

/// Which way a cursor moves, and how far.
///
/// Positions count from 1 (the first row); 0 is before the first row, and
/// a negative position counts back from the end (-1 is the last row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The next `n` rows.
    Forward(u64),
    /// The `n` rows before the current one, nearest first (needs a scroll cursor).
    Backward(u64),
    /// The row at a position (needs a scroll cursor).
    Absolute(i64),
    /// The row `n` after (or, negative, before) the current one; backward
    /// needs a scroll cursor.
    Relative(i64),
}

impl Direction {
    /// True when moving this way may go backward, which a cursor declared
    /// without `SCROLL` cannot do.
    pub fn needs_scroll(self) -> bool {
        match self {
            Direction::Forward(_) => false,
            Direction::Backward(n) => n > 0,
            Direction::Absolute(_) => true,
            Direction::Relative(n) => n < 0,
        }
    }
}

/// A server-side cursor: a query whose rows stay on the server until
/// fetched, a batch at a time, so a result of any size is read in bounded
/// memory. Declared from a select (`s.select::<User>().cursor()`) or raw SQL
/// (`s.raw(sql).bind(v).cursor::<R>()`), in the session's transaction.
///
/// A cursor lives inside the transaction that declared it: commit or
/// rollback closes it, and using it afterwards is [`Error::CursorClosed`].
/// Its methods take the session, which stays free for other statements in
/// between. PostgreSQL only: other databases return
/// [`Error::Unsupported`] from `cursor()` and send nothing.
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend, User: Table>(s: &mut Session<B>) -> Result<()> {
/// let cursor = s.select::<User>().cursor().await?;
/// loop {
///     let batch: Vec<User> = cursor.fetch(s, 1000).await?;
///     if batch.is_empty() {
///         break;
///     }
///     // ...
/// }
/// cursor.close(s).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a cursor holds rows on the server until it is closed or its transaction ends"]
pub struct Cursor<R> {
    id: CursorId,
    scroll: bool,
    _rows: PhantomData<fn() -> R>,
}

impl<R: FromRow + Send + 'static> Cursor<R> {
    /// The cursor's generated name (quoted wherever it is sent).
    pub fn name(&self) -> &str {
        &self.id.name
    }

    /// True when declared with `SCROLL`: it can move backward.
    pub fn is_scroll(&self) -> bool {
        self.scroll
    }

    /// The next (at most) `n` rows; an empty batch at the end.
    pub async fn fetch<B: Backend>(&self, session: &mut Session<B>, n: u64) -> Result<Vec<R>> {
        self.fetch_in(session, Direction::Forward(n)).await
    }

    /// The (at most) `n` rows before the current one, nearest first.
    pub async fn fetch_backward<B: Backend>(
        &self,
        session: &mut Session<B>,
        n: u64,
    ) -> Result<Vec<R>> {
        self.fetch_in(session, Direction::Backward(n)).await
    }

    /// The row at `position` (see [`Direction`]), if there is one; the
    /// cursor stays on it.
    pub async fn fetch_absolute<B: Backend>(
        &self,
        session: &mut Session<B>,
        position: i64,
    ) -> Result<Option<R>> {
        let rows = self
            .fetch_in(session, Direction::Absolute(position))
            .await?;
        Ok(rows.into_iter().next())
    }

    /// The rows `direction` says.
    pub async fn fetch_in<B: Backend>(
        &self,
        session: &mut Session<B>,
        direction: Direction,
    ) -> Result<Vec<R>> {
        self.check(direction)?;
        session.fetch_cursor(&self.id, direction).await
    }

    /// Moves the cursor as `direction` says without fetching; returns how
    /// many rows it passed over (for `Absolute` and `Relative`, 1 when it
    /// is on a row and 0 when it went past either end).
    pub async fn move_by<B: Backend>(
        &self,
        session: &mut Session<B>,
        direction: Direction,
    ) -> Result<u64> {
        self.check(direction)?;
        session.move_cursor(&self.id, direction).await
    }

    /// Skips the next `n` rows.
    pub async fn move_forward<B: Backend>(&self, session: &mut Session<B>, n: u64) -> Result<u64> {
        self.move_by(session, Direction::Forward(n)).await
    }

    /// Goes back `n` rows.
    pub async fn move_backward<B: Backend>(&self, session: &mut Session<B>, n: u64) -> Result<u64> {
        self.move_by(session, Direction::Backward(n)).await
    }

    /// Goes to the row at `position`; 0 is before the first row, so the
    /// next fetch starts from the beginning.
    pub async fn move_absolute<B: Backend>(
        &self,
        session: &mut Session<B>,
        position: i64,
    ) -> Result<u64> {
        self.move_by(session, Direction::Absolute(position)).await
    }

    /// Closes the cursor, freeing what the server holds for it. Ending the
    /// transaction closes it too.
    pub async fn close<B: Backend>(self, session: &mut Session<B>) -> Result<()> {
        session.close_cursor(&self.id).await
    }

    /// Refuses to go backward on a cursor without `SCROLL` before anything
    /// is sent (the server would fail the transaction).
    fn check(&self, direction: Direction) -> Result<()> {
        if direction.needs_scroll() && !self.scroll {
            return Err(Error::InvalidQuery {
                table: "cursor",
                reason: format!(
                    "cursor `{}` was declared without SCROLL, so it only moves forward \
                     ({direction:?}): declare it with `scroll_cursor()`",
                    self.id.name
                ),
            });
        }
        Ok(())
    }
}

/// Declares a cursor for SQL text and values on `session`.
async fn declare<R, B: Backend>(
    session: &mut Session<B>,
    sql: &str,
    binds: &[ValueRef<'_>],
    scroll: bool,
) -> Result<Cursor<R>> {
    let id = session.declare_cursor(sql, binds, scroll).await?;
    Ok(Cursor {
        id,
        scroll,
        _rows: PhantomData,
    })
}

impl<'s, T: Table, B: Backend> Select<'s, T, B> {
    /// Declares a forward-only server-side cursor over the selected rows
    /// (`DECLARE .. NO SCROLL CURSOR FOR SELECT ..`, values bound); see
    /// [`Cursor`].
    pub async fn cursor(self) -> Result<Cursor<T>> {
        self.declare_cursor(false).await
    }

    /// Declares a cursor that can also move backward and to absolute
    /// positions (`SCROLL`); the server may need to keep rows already read.
    pub async fn scroll_cursor(self) -> Result<Cursor<T>> {
        self.declare_cursor(true).await
    }

    async fn declare_cursor(self, scroll: bool) -> Result<Cursor<T>> {
        let (session, tree) = self.into_parts();
        let compiled = compile(
            &tree,
            session.database().backend().dialect(),
            session.database().cache(),
        );
        declare(session, &compiled.sql, &compiled.binds, scroll).await
    }
}

impl<B: Backend> Raw<'_, B> {
    /// Declares a forward-only server-side cursor over the rows of this
    /// query, each decoded into `R`; see [`Cursor`].
    pub async fn cursor<R: FromRow + Send + 'static>(self) -> Result<Cursor<R>> {
        self.declare_cursor(false).await
    }

    /// Declares a cursor over this query that can also move backward and
    /// to absolute positions (`SCROLL`).
    pub async fn scroll_cursor<R: FromRow + Send + 'static>(self) -> Result<Cursor<R>> {
        self.declare_cursor(true).await
    }

    async fn declare_cursor<R>(self, scroll: bool) -> Result<Cursor<R>> {
        let (session, statement) = self.into_parts();
        refuse_transaction_control(statement.sql())?;
        let binds: Vec<ValueRef<'_>> = statement.binds().iter().map(Value::as_ref).collect();
        declare(session, statement.sql(), &binds, scroll).await
    }
}
