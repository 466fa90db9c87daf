//! Rendering expression nodes into a [`Sink`].

use super::Sink;
use crate::expr::Node;
use crate::value::ValueRef;

/// A query tree that can render itself for any dialect.
pub trait Render {
    /// Emits the query's tokens into `sink`.
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S);

    /// About how many tokens (fragments, identifiers and binds) and how
    /// many binds the query renders, so the buffers are sized once; large
    /// queries (a multi-row insert) override the default.
    fn size_hint(&self) -> (usize, usize) {
        // Four binds stay inline in `Binds`; more grow it.
        (64, 4)
    }
}

/// Renders `node`; binary operations nested inside others are parenthesized.
/// Columns are written unqualified (`"id"`), as in single-table statements.
pub fn render_node<'q, S: Sink<'q>>(node: &'q Node, sink: &mut S) {
    render(node, sink, false, false);
}

/// Renders ` WHERE <filter>` when there is a filter.
pub fn render_where<'q, S: Sink<'q>>(filter: Option<&'q Node>, sink: &mut S) {
    render_where_in(filter, sink, false);
}

/// Like [`render_node`]; with `qualify`, columns are written with their
/// table (`"users"."id"`), as a query over several tables needs.
pub fn render_node_in<'q, S: Sink<'q>>(node: &'q Node, sink: &mut S, qualify: bool) {
    render(node, sink, false, qualify);
}

/// Renders a condition standing alone (after `ON` or `HAVING`): its
/// top-level operation is not parenthesized.
pub fn render_condition_in<'q, S: Sink<'q>>(node: &'q Node, sink: &mut S, qualify: bool) {
    render(node, sink, true, qualify);
}

/// Like [`render_where`], qualifying columns when `qualify` is set.
pub fn render_where_in<'q, S: Sink<'q>>(filter: Option<&'q Node>, sink: &mut S, qualify: bool) {
    if let Some(filter) = filter {
        sink.sql(" WHERE ");
        render(filter, sink, true, qualify);
    }
}

fn render<'q, S: Sink<'q>>(node: &'q Node, sink: &mut S, top: bool, q: bool) {
    let render = |node: &'q Node, sink: &mut S, top: bool| render(node, sink, top, q);
    match node {
        Node::Column { table, column } => {
            if q {
                sink.ident(table);
                sink.sql(".");
            }
            sink.ident(column)
        }
        Node::Aggregate {
            func,
            arg,
            distinct,
            cast,
        } => {
            if cast.is_some() {
                sink.sql("CAST(");
            }
            sink.sql(func.sql());
            match arg {
                None => sink.sql("*"),
                Some(arg) => {
                    if *distinct {
                        sink.sql("DISTINCT ");
                    }
                    render(arg, sink, true);
                }
            }
            sink.sql(")");
            if let Some(cast) = cast {
                sink.sql(" AS ");
                sink.sql(cast);
                sink.sql(")");
            }
        }
        Node::InSelect(inner, tree, negated) => {
            if !top {
                sink.sql("(");
            }
            render(inner, sink, false);
            sink.sql(if *negated { " NOT IN (" } else { " IN (" });
            tree.render_subquery(sink);
            sink.sql(")");
            if !top {
                sink.sql(")");
            }
        }
        Node::Exists(tree) => {
            sink.sql("EXISTS (");
            tree.render_subquery(sink);
            sink.sql(")");
        }
        Node::Value(v) => sink.bind(v.as_ref()),
        Node::Const(true) => sink.sql("1 = 1"),
        Node::Const(false) => sink.sql("1 = 0"),
        Node::Binary(op, sides) => {
            let [lhs, rhs] = &**sides;
            if !top {
                sink.sql("(");
            }
            render(lhs, sink, false);
            sink.sql(op.sql());
            render(rhs, sink, false);
            if !top {
                sink.sql(")");
            }
        }
        Node::Not(inner) => {
            sink.sql("NOT (");
            render(inner, sink, true);
            sink.sql(")");
        }
        Node::IsNull(inner, negated) => {
            if !top {
                sink.sql("(");
            }
            render(inner, sink, false);
            sink.sql(if *negated { " IS NOT NULL" } else { " IS NULL" });
            if !top {
                sink.sql(")");
            }
        }
        Node::InList(inner, items, negated) => {
            if !top {
                sink.sql("(");
            }
            render(inner, sink, false);
            sink.sql(if *negated { " NOT IN (" } else { " IN (" });
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sink.sql(", ");
                }
                render(item, sink, false);
            }
            sink.sql(")");
            if !top {
                sink.sql(")");
            }
        }
        Node::InValues(inner, values, negated) => {
            if !top {
                sink.sql("(");
            }
            render(inner, sink, false);
            if sink.dialect().arrays() {
                // One parameter, whatever the list's length: one statement shape.
                sink.sql(if *negated { " <> ALL(" } else { " = ANY(" });
                sink.bind(ValueRef::Array(values.as_ref()));
            } else {
                sink.sql(if *negated { " NOT IN (" } else { " IN (" });
                for (i, value) in values.items().iter().enumerate() {
                    if i > 0 {
                        sink.sql(", ");
                    }
                    sink.bind(value.as_ref());
                }
            }
            sink.sql(")");
            if !top {
                sink.sql(")");
            }
        }
        Node::Between(inner, low, high) => {
            if !top {
                sink.sql("(");
            }
            render(inner, sink, false);
            sink.sql(" BETWEEN ");
            render(low, sink, false);
            sink.sql(" AND ");
            render(high, sink, false);
            if !top {
                sink.sql(")");
            }
        }
    }
}
