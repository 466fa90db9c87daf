//! Rendering expression nodes into a [`Sink`].

use super::Sink;
use crate::expr::Node;

/// A query tree that can render itself for any dialect.
pub trait Render {
    /// Emits the query's tokens into `sink`.
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S);
}

/// Renders `node`; binary operations nested inside others are parenthesized.
pub fn render_node<'q, S: Sink<'q>>(node: &'q Node, sink: &mut S) {
    render(node, sink, false);
}

/// Renders ` WHERE <filter>` when there is a filter.
pub fn render_where<'q, S: Sink<'q>>(filter: Option<&'q Node>, sink: &mut S) {
    if let Some(filter) = filter {
        sink.sql(" WHERE ");
        render(filter, sink, true);
    }
}

fn render<'q, S: Sink<'q>>(node: &'q Node, sink: &mut S, top: bool) {
    match node {
        Node::Column { column, .. } => sink.ident(column),
        Node::Value(v) => sink.bind(v.as_ref()),
        Node::Const(true) => sink.sql("1 = 1"),
        Node::Const(false) => sink.sql("1 = 0"),
        Node::Binary(op, lhs, rhs) => {
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
