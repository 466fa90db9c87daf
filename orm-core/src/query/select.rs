//! `SELECT`: filters, ordering, limit/offset; rows, count, exists, stream.

use std::marker::PhantomData;

use futures_core::stream::BoxStream;

use super::and_filter;
use super::{Projection, SelectTree};
use crate::error::{Error, Result};
use crate::expr::{Expr, IntoOrder};
use crate::session::{Backend, Session};
use crate::table::Table;

/// A `SELECT` of `T` rows being built on a session.
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend, User: Table>(s: &mut Session<B>, karma: Column<User, i32>, name: Column<User, String>) -> Result<()> {
/// let top: Vec<User> = s
///     .select::<User>()
///     .filter(karma.gt(1))
///     .order_by(name.desc())
///     .limit(10)
///     .all()
///     .await?;
/// # Ok(()) }
/// ```
///
/// PostgreSQL receives `SELECT .. FROM "user" WHERE "karma" > $1 ORDER BY
/// "name" DESC LIMIT $2`; SQLite the same with `?` placeholders.
#[must_use = "a select does nothing until a terminal method such as `.all()` is awaited"]
pub struct Select<'s, T: Table, B: Backend> {
    session: &'s mut Session<B>,
    tree: SelectTree,
    _rows: PhantomData<fn() -> T>,
}

impl<'s, T: Table, B: Backend> Select<'s, T, B> {
    pub(crate) fn new(session: &'s mut Session<B>) -> Self {
        Select {
            session,
            tree: SelectTree::new(T::table()),
            _rows: PhantomData,
        }
    }

    /// Keeps the rows matching `condition`; several filters are ANDed.
    pub fn filter(mut self, condition: impl Into<Expr<T, bool>>) -> Self {
        self.tree.filter = and_filter(self.tree.filter.take(), condition.into().into_node());
        self
    }

    /// Sorts by `order` (a column for ascending, or `col.desc()`); later
    /// calls add further keys.
    pub fn order_by<I>(mut self, order: impl IntoOrder<T, I>) -> Self {
        self.tree.order.push(order.into_order());
        self
    }

    /// Returns at most `n` rows (`limit(0)` returns none).
    pub fn limit(mut self, n: u64) -> Self {
        self.tree.limit = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.tree.offset = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// The tree built so far.
    pub fn tree(&self) -> &SelectTree {
        &self.tree
    }

    /// Every selected row.
    pub async fn all(self) -> Result<Vec<T>> {
        self.session.run_fetch(&self.tree, false).await
    }

    /// The first selected row, if any.
    pub async fn first(mut self) -> Result<Option<T>> {
        self.tree.limit = Some(self.tree.limit.map_or(1, |l| l.min(1)));
        let rows: Vec<T> = self.session.run_fetch(&self.tree, false).await?;
        Ok(rows.into_iter().next())
    }

    /// The one selected row: [`Error::NotFound`] when there is none,
    /// [`Error::MultipleRowsFound`] when there are more.
    pub async fn one(mut self) -> Result<T> {
        self.tree.limit = Some(self.tree.limit.map_or(2, |l| l.min(2)));
        let mut rows: Vec<T> = self.session.run_fetch(&self.tree, false).await?;
        match rows.len() {
            1 => rows.pop().ok_or_else(|| not_found::<T>()),
            0 => Err(not_found::<T>()),
            _ => Err(Error::MultipleRowsFound {
                table: T::table().name.to_string(),
            }),
        }
    }

    /// How many rows are selected (limit and offset apply).
    pub async fn count(mut self) -> Result<i64> {
        self.tree.projection = Projection::Count;
        self.tree.order.clear();
        let rows: Vec<(i64,)> = self.session.run_fetch(&self.tree, false).await?;
        Ok(rows.first().map_or(0, |r| r.0))
    }

    /// Whether any row is selected.
    pub async fn exists(mut self) -> Result<bool> {
        self.tree.projection = Projection::Exists;
        self.tree.order.clear();
        let rows: Vec<(bool,)> = self.session.run_fetch(&self.tree, false).await?;
        Ok(rows.first().is_some_and(|r| r.0))
    }

    /// The selected rows as a stream, decoded as they arrive.
    pub fn stream(self) -> BoxStream<'s, Result<T>> {
        self.session.run_stream(self.tree)
    }
}

fn not_found<T: Table>() -> Error {
    Error::NotFound {
        table: T::table().name.to_string(),
    }
}
