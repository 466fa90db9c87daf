//! `SELECT`: filters, ordering, limit/offset; rows, count, exists, stream;
//! the entry points to joins, shapes and eager loading.

use std::marker::PhantomData;

use futures_core::stream::BoxStream;

use super::and_filter;
use super::{
    many, Columns, Eager, JoinKind, JoinSelect, Loader, Many, Projection, SelectTree, Shaped,
};
use crate::error::{Error, Result};
use crate::expr::{Expr, IntoOrder};
use crate::relation::{BelongsTo, HasMany};
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

    /// The session and the tree, for the terminal methods of other files
    /// (cursors, COPY out).
    pub(crate) fn into_parts(self) -> (&'s mut Session<B>, SelectTree) {
        (self.session, self.tree)
    }

    /// Adds an `INNER JOIN` of `U` on `on`; rows become `(T, U)` tuples.
    /// Filters and sort keys may then read both tables.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table, Post: Table>(
    /// #     s: &mut Session<B>, id: Column<User, i64>, user_id: Column<Post, i64>) -> Result<()> {
    /// let pairs: Vec<(User, Post)> = s.select::<User>().join::<Post>(user_id.eq(id)).all().await?;
    /// # Ok(()) }
    /// ```
    pub fn join<U: Table>(
        self,
        on: impl Into<Expr<(T, U), bool>>,
    ) -> JoinSelect<'s, (T, U), (T, U), B> {
        JoinSelect::joined(
            self.session,
            self.tree,
            JoinKind::Inner,
            U::table(),
            on.into().into_node(),
        )
    }

    /// Adds a `LEFT JOIN` of `U` on `on`; rows become `(T, Option<U>)`,
    /// `None` when no `U` matched (its primary key is NULL).
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table, Post: Table>(
    /// #     s: &mut Session<B>, id: Column<User, i64>, user_id: Column<Post, i64>) -> Result<()> {
    /// let rows: Vec<(User, Option<Post>)> =
    ///     s.select::<User>().left_join::<Post>(user_id.eq(id)).all().await?;
    /// # Ok(()) }
    /// ```
    pub fn left_join<U: Table>(
        self,
        on: impl Into<Expr<(T, U), bool>>,
    ) -> JoinSelect<'s, (T, U), (T, Option<U>), B> {
        JoinSelect::joined(
            self.session,
            self.tree,
            JoinKind::Left,
            U::table(),
            on.into().into_node(),
        )
    }

    /// Selects chosen columns and aggregates instead of whole rows, each row
    /// decoded into a tuple of their types; see [`Shaped`] for `group_by`,
    /// `having` and `distinct`.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table>(s: &mut Session<B>, name: Column<User, String>, karma: Column<User, i32>) -> Result<()> {
    /// let pairs: Vec<(String, i32)> = s.select::<User>().columns((name, karma)).all().await?;
    /// # Ok(()) }
    /// ```
    pub fn columns<C: Columns<T, I>, I>(mut self, columns: C) -> Shaped<'s, T, C::Output, B> {
        self.tree.columns = Some(columns.nodes());
        Shaped::new(self.session, self.tree)
    }

    /// Loads related rows with `loader` after the selected rows: one query
    /// per level of `loader`, never one per row. Limit and offset apply to
    /// the rows of this select.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table, Post: BelongsTo<User>>(s: &mut Session<B>) -> Result<()> {
    /// let users: Vec<(User, Vec<Post>)> = s.select::<User>().load(many::<Post>()).all().await?;
    /// # Ok(()) }
    /// ```
    pub fn load<L: Loader<T>>(self, loader: L) -> Eager<'s, T, B, L> {
        Eager {
            session: self.session,
            tree: self.tree,
            loader,
            _rows: PhantomData,
        }
    }

    /// Loads each row's `C` children (a [`HasMany`] relation) in one more
    /// query: `load(many::<C>())`.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table, Post: BelongsTo<User>>(s: &mut Session<B>) -> Result<()> {
    /// let users: Vec<(User, Vec<Post>)> = s.select::<User>().limit(10).load_many::<Post>().all().await?;
    /// # Ok(()) }
    /// ```
    pub fn load_many<C>(self) -> Eager<'s, T, B, Many<C>>
    where
        T: HasMany<C>,
        C: BelongsTo<T>,
    {
        self.load(many::<C>())
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
