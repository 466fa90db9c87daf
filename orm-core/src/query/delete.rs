//! Bulk `DELETE` of filtered rows.

use std::marker::PhantomData;

use super::{and_filter, AllRows, Filtered, Scope, Unfiltered};
use crate::error::Result;
use crate::expr::{Expr, Node};
use crate::session::{Backend, Session};
use crate::sql::{render_where, Render, Sink};
use crate::table::{Table, TableMeta};

/// The tree of a bulk delete.
#[derive(Debug, Clone)]
pub struct DeleteTree {
    table: &'static TableMeta,
    filter: Option<Node>,
}

impl Render for DeleteTree {
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        sink.sql("DELETE FROM ");
        sink.ident(self.table.name);
        render_where(self.filter.as_ref(), sink);
    }
}

/// A bulk `DELETE` of `T` rows being built on a session.
///
/// `execute` is available only once the rows are chosen with `.filter(..)`
/// or, deliberately, `.all_rows()`.
#[must_use = "a delete does nothing until `.execute()` is awaited"]
pub struct Delete<'s, T: Table, B: Backend, F = Unfiltered> {
    session: &'s mut Session<B>,
    tree: DeleteTree,
    _types: PhantomData<fn() -> (T, F)>,
}

impl<'s, T: Table, B: Backend> Delete<'s, T, B, Unfiltered> {
    pub(crate) fn new(session: &'s mut Session<B>) -> Self {
        Delete {
            session,
            tree: DeleteTree {
                table: T::table(),
                filter: None,
            },
            _types: PhantomData,
        }
    }

    /// Deletes every row of the table, deliberately.
    pub fn all_rows(self) -> Delete<'s, T, B, AllRows> {
        Delete {
            session: self.session,
            tree: self.tree,
            _types: PhantomData,
        }
    }
}

impl<'s, T: Table, B: Backend, F> Delete<'s, T, B, F> {
    /// Deletes the rows matching `condition`; several filters are ANDed.
    pub fn filter(mut self, condition: impl Into<Expr<T, bool>>) -> Delete<'s, T, B, Filtered> {
        self.tree.filter = and_filter(self.tree.filter.take(), condition.into().into_node());
        Delete {
            session: self.session,
            tree: self.tree,
            _types: PhantomData,
        }
    }
}

impl<T: Table, B: Backend, F> Delete<'_, T, B, F> {
    /// Runs the delete; returns the number of rows deleted.
    pub async fn execute(self) -> Result<u64>
    where
        F: Scope,
    {
        self.session.run_execute(&self.tree).await
    }
}
