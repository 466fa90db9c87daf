//! [`SelectTree`]: a select independent of any session, and its rendering.

use crate::expr::Node;
use crate::sql::{render_condition_in, render_node_in, render_where_in, Render, Sink};
use crate::table::TableMeta;
use crate::value::ValueRef;

/// What a select returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// The chosen columns, or every column of every table in order.
    Rows,
    /// `COUNT(*)` of the rows selected.
    Count,
    /// Whether any row is selected.
    Exists,
}

/// How a table is joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `INNER JOIN`: rows with a match only.
    Inner,
    /// `LEFT JOIN`: every row of the left side, NULLs when nothing matches.
    Left,
}

/// One joined table.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner or left.
    pub kind: JoinKind,
    /// The table joined.
    pub table: &'static TableMeta,
    /// The `ON` condition.
    pub on: Node,
}

/// The tree of a select, independent of any session.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectTree {
    /// The table selected from.
    pub table: &'static TableMeta,
    /// Joined tables, in order.
    pub joins: Vec<Join>,
    /// The chosen columns; `None` for every column of every table.
    pub columns: Option<Vec<Node>>,
    /// `SELECT DISTINCT`
    pub distinct: bool,
    /// The `WHERE` condition.
    pub filter: Option<Node>,
    /// `GROUP BY` expressions.
    pub group_by: Vec<Node>,
    /// The `HAVING` condition.
    pub having: Option<Node>,
    /// `ORDER BY` keys: expression and descending flag.
    pub order: Vec<(Node, bool)>,
    /// `LIMIT`
    pub limit: Option<i64>,
    /// `OFFSET`
    pub offset: Option<i64>,
    /// What is returned.
    pub projection: Projection,
    /// Qualify every column with its table even without joins (set for
    /// subqueries, whose columns may be confused with the outer query's).
    pub qualify: bool,
}

impl SelectTree {
    /// A select of every row of `table`.
    pub fn new(table: &'static TableMeta) -> Self {
        SelectTree {
            table,
            joins: Vec::new(),
            columns: None,
            distinct: false,
            filter: None,
            group_by: Vec::new(),
            having: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            projection: Projection::Rows,
            qualify: false,
        }
    }

    /// True when column references are written `"table"."column"`.
    pub fn qualified(&self) -> bool {
        self.qualify || !self.joins.is_empty()
    }

    /// Whether the rows differ from "one per matching row of the tables":
    /// then counting must wrap the select.
    fn shaped(&self) -> bool {
        self.distinct || !self.group_by.is_empty() || self.having.is_some()
    }

    fn render_columns<'q, S: Sink<'q>>(&'q self, sink: &mut S, q: bool) {
        if let Some(columns) = &self.columns {
            for (i, node) in columns.iter().enumerate() {
                if i > 0 {
                    sink.sql(", ");
                }
                render_node_in(node, sink, q);
            }
            return;
        }
        let tables = std::iter::once(self.table).chain(self.joins.iter().map(|j| j.table));
        for (i, table) in tables.enumerate() {
            if i > 0 {
                sink.sql(", ");
            }
            sink.all_columns(table, q);
        }
    }

    fn render_from<'q, S: Sink<'q>>(&'q self, sink: &mut S, q: bool) {
        sink.sql(" FROM ");
        sink.ident(self.table.name);
        for join in &self.joins {
            sink.sql(match join.kind {
                JoinKind::Inner => " INNER JOIN ",
                JoinKind::Left => " LEFT JOIN ",
            });
            sink.ident(join.table.name);
            sink.sql(" ON ");
            render_condition_in(&join.on, sink, q);
        }
        render_where_in(self.filter.as_ref(), sink, q);
        for (i, node) in self.group_by.iter().enumerate() {
            sink.sql(if i == 0 { " GROUP BY " } else { ", " });
            render_node_in(node, sink, q);
        }
        if let Some(having) = &self.having {
            sink.sql(" HAVING ");
            render_condition_in(having, sink, q);
        }
    }

    fn render_body<'q, S: Sink<'q>>(&'q self, sink: &mut S, columns: bool) {
        let q = self.qualified();
        sink.sql(if self.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        });
        if columns {
            self.render_columns(sink, q);
        } else {
            sink.sql("1");
        }
        self.render_from(sink, q);
        for (i, (node, desc)) in self.order.iter().enumerate() {
            sink.sql(if i == 0 { " ORDER BY " } else { ", " });
            render_node_in(node, sink, q);
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

    /// Renders the select as a subquery (without its parentheses): the rows
    /// for `IN (..)`, or `SELECT 1 ..` for `EXISTS (..)`.
    pub(crate) fn render_subquery<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        self.render_body(sink, self.projection != Projection::Exists);
    }
}

impl Render for SelectTree {
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        match self.projection {
            Projection::Rows => self.render_body(sink, true),
            Projection::Count
                if self.limit.is_none() && self.offset.is_none() && !self.shaped() =>
            {
                sink.sql("SELECT COUNT(*)");
                self.render_from(sink, self.qualified());
            }
            Projection::Count => {
                sink.sql("SELECT COUNT(*) FROM (");
                let shaped = self.shaped();
                self.render_body(sink, shaped);
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
