//! Bulk `UPDATE`: set columns to values or expressions, on filtered rows.

use std::marker::PhantomData;

use super::{and_filter, AllRows, Filtered, Scope, Unfiltered};
use crate::error::{Error, Result};
use crate::expr::{Column, Expr, IntoExpr, Node};
use crate::session::{Backend, Session};
use crate::sql::{render_node, render_where, Render, Sink};
use crate::table::{Table, TableMeta};

/// The tree of a bulk update.
#[derive(Debug, Clone)]
pub struct UpdateTree {
    table: &'static TableMeta,
    /// Inline for the usual few: an update allocates nothing for them.
    sets: smallvec::SmallVec<[(&'static str, Node); 2]>,
    filter: Option<Node>,
}

impl Render for UpdateTree {
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        sink.sql("UPDATE ");
        sink.ident(self.table.name);
        for (i, (column, value)) in self.sets.iter().enumerate() {
            sink.sql(if i == 0 { " SET " } else { ", " });
            sink.ident(column);
            sink.sql(" = ");
            render_node(value, sink);
        }
        render_where(self.filter.as_ref(), sink);
    }
}

/// A bulk `UPDATE` of `T` rows being built on a session.
///
/// `execute` is available only once the rows are chosen with `.filter(..)`
/// or, deliberately, `.all_rows()`.
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend, User: Table>(s: &mut Session<B>, karma: Column<User, i32>, id: Column<User, i64>) -> Result<()> {
/// let n = s.update::<User>().set(karma, karma + 1).filter(id.lt(100)).execute().await?;
/// # Ok(()) }
/// ```
#[must_use = "an update does nothing until `.execute()` is awaited"]
pub struct Update<'s, T: Table, B: Backend, F = Unfiltered> {
    session: &'s mut Session<B>,
    tree: UpdateTree,
    _types: PhantomData<fn() -> (T, F)>,
}

impl<'s, T: Table, B: Backend> Update<'s, T, B, Unfiltered> {
    pub(crate) fn new(session: &'s mut Session<B>) -> Self {
        Update {
            session,
            tree: UpdateTree {
                table: T::table(),
                sets: smallvec::SmallVec::new(),
                filter: None,
            },
            _types: PhantomData,
        }
    }

    /// Updates every row of the table, deliberately.
    pub fn all_rows(self) -> Update<'s, T, B, AllRows> {
        self.retype()
    }
}

impl<'s, T: Table, B: Backend, F> Update<'s, T, B, F> {
    fn retype<G>(self) -> Update<'s, T, B, G> {
        Update {
            session: self.session,
            tree: self.tree,
            _types: PhantomData,
        }
    }

    /// Sets `column` to `value`: a value of the column's type, another
    /// column, or an expression such as `User::karma + 1`.
    pub fn set<V, I>(mut self, column: Column<T, V>, value: impl IntoExpr<T, V, I>) -> Self {
        self.tree.sets.push((column.name(), value.into_node()));
        self
    }

    /// Updates the rows matching `condition`; several filters are ANDed.
    pub fn filter(mut self, condition: impl Into<Expr<T, bool>>) -> Update<'s, T, B, Filtered> {
        self.tree.filter = and_filter(self.tree.filter.take(), condition.into().into_node());
        self.retype()
    }
}

impl<T: Table, B: Backend, F> Update<'_, T, B, F> {
    /// Runs the update; returns the number of rows changed.
    pub async fn execute(self) -> Result<u64>
    where
        F: Scope,
    {
        if self.tree.sets.is_empty() {
            return Err(Error::InvalidQuery {
                table: self.tree.table.name,
                reason: "an update needs at least one `.set(column, value)`".to_string(),
            });
        }
        self.session.run_execute(&self.tree).await
    }
}
