//! `SELECT`: filters, ordering, limit/offset; rows, count, exists, stream.

use std::marker::PhantomData;

use futures_core::stream::BoxStream;

use super::and_filter;
use crate::error::{Error, Result};
use crate::expr::{Expr, Node, Order};
use crate::session::{Backend, Session};
use crate::sql::{render_node, render_where, Render, Sink};
use crate::table::{Table, TableMeta};
use crate::value::ValueRef;

/// What a select returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Every column of the table, in field order.
    Rows,
    /// `COUNT(*)` of the rows selected.
    Count,
    /// Whether any row is selected.
    Exists,
}

/// The tree of a select, independent of any session.
#[derive(Debug, Clone)]
pub struct SelectTree {
    /// The table selected from.
    pub table: &'static TableMeta,
    /// The `WHERE` condition.
    pub filter: Option<Node>,
    /// `ORDER BY` keys: expression and descending flag.
    pub order: Vec<(Node, bool)>,
    /// `LIMIT`
    pub limit: Option<i64>,
    /// `OFFSET`
    pub offset: Option<i64>,
    /// What is returned.
    pub projection: Projection,
}

impl SelectTree {
    /// A select of every row of `table`.
    pub fn new(table: &'static TableMeta) -> Self {
        SelectTree {
            table,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            projection: Projection::Rows,
        }
    }

    fn render_body<'q, S: Sink<'q>>(&'q self, sink: &mut S, columns: bool) {
        sink.sql("SELECT ");
        if columns {
            for (i, col) in self.table.columns.iter().enumerate() {
                if i > 0 {
                    sink.sql(", ");
                }
                sink.ident(col.name);
            }
        } else {
            sink.sql("1");
        }
        sink.sql(" FROM ");
        sink.ident(self.table.name);
        render_where(self.filter.as_ref(), sink);
        for (i, (node, desc)) in self.order.iter().enumerate() {
            sink.sql(if i == 0 { " ORDER BY " } else { ", " });
            render_node(node, sink);
            if *desc {
                sink.sql(" DESC");
            }
        }
        match (self.limit, self.offset) {
            (Some(limit), offset) => {
                sink.sql(" LIMIT ");
                sink.bind(ValueRef::I64(limit));
                if let Some(offset) = offset {
                    sink.sql(" OFFSET ");
                    sink.bind(ValueRef::I64(offset));
                }
            }
            (None, Some(offset)) => {
                if let Some(no_limit) = sink.dialect().limit_for_offset_only() {
                    sink.sql(no_limit);
                }
                sink.sql(" OFFSET ");
                sink.bind(ValueRef::I64(offset));
            }
            (None, None) => {}
        }
    }
}

impl Render for SelectTree {
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        match self.projection {
            Projection::Rows => self.render_body(sink, true),
            Projection::Count if self.limit.is_none() && self.offset.is_none() => {
                sink.sql("SELECT COUNT(*) FROM ");
                sink.ident(self.table.name);
                render_where(self.filter.as_ref(), sink);
            }
            Projection::Count => {
                sink.sql("SELECT COUNT(*) FROM (");
                self.render_body(sink, false);
                sink.sql(") AS \"counted\"");
            }
            Projection::Exists => {
                sink.sql("SELECT EXISTS (");
                self.render_body(sink, false);
                sink.sql(")");
            }
        }
    }
}

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
    pub fn order_by(mut self, order: impl Into<Order<T>>) -> Self {
        let (node, desc) = {
            let order = order.into();
            let (node, desc) = order.parts();
            (node.clone(), desc)
        };
        self.tree.order.push((node, desc));
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
