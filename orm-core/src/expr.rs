//! Typed expressions: column handles, comparisons, boolean logic,
//! arithmetic, aggregates and subqueries.
//!
//! `Column<T, V>` is a column of table `T` holding Rust type `V`. An
//! expression `Expr<S, V>` produces Rust type `V` and may read the tables of
//! source set `S` (see [`Includes`]): comparing a column with a value of
//! another type, or filtering a query with a column of a table the query
//! does not read, does not compile.

mod aggregate;
mod into;
mod methods;
mod sources;
mod subquery;

use std::marker::PhantomData;

pub use aggregate::{
    avg, count, count_all, count_distinct, max, min, sum, AggFn, Nullable, Summable,
};
pub use into::{Col, IntoExpr, IntoOrder, Operand, Order, Val};
pub use sources::{At0, At1, At2, At3, Includes, Itself, Nowhere};
pub use subquery::{exists, SubColumn, SubSelect};

use crate::array::Array;
use crate::query::SelectTree;
use crate::value::{SqlType, Value};

/// A binary operator in an expression tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `LIKE`
    Like,
    /// `NOT LIKE`
    NotLike,
}

impl BinOp {
    /// The operator's SQL text, with surrounding spaces.
    pub fn sql(self) -> &'static str {
        match self {
            BinOp::Eq => " = ",
            BinOp::Ne => " <> ",
            BinOp::Lt => " < ",
            BinOp::Le => " <= ",
            BinOp::Gt => " > ",
            BinOp::Ge => " >= ",
            BinOp::And => " AND ",
            BinOp::Or => " OR ",
            BinOp::Add => " + ",
            BinOp::Sub => " - ",
            BinOp::Mul => " * ",
            BinOp::Div => " / ",
            BinOp::Like => " LIKE ",
            BinOp::NotLike => " NOT LIKE ",
        }
    }
}

/// An untyped expression tree node, as a dialect renders it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Node {
    /// A column of a table.
    Column {
        /// The table's name.
        table: &'static str,
        /// The column's name.
        column: &'static str,
    },
    /// A bound value.
    Value(Value),
    /// A constant `TRUE` or `FALSE` (rendered portably as `1 = 1` / `1 = 0`).
    Const(bool),
    /// `lhs op rhs`: both sides in one allocation (a filter is built and
    /// dropped with every statement). Built by [`Node::binary`].
    Binary(BinOp, Box<[Node; 2]>),
    /// `NOT (expr)`
    Not(Box<Node>),
    /// `expr IS NULL` (or `IS NOT NULL` when `negated`).
    IsNull(Box<Node>, bool),
    /// `expr IN (list)` (or `NOT IN` when `negated`); never empty.
    InList(Box<Node>, Vec<Node>, bool),
    /// `expr IN (values)` (or `NOT IN`) over values of one type: where the
    /// database has arrays it binds them as one array parameter
    /// (`= ANY($1)` / `<> ALL($1)`), so the statement is the same, and
    /// prepared once, whatever the list's length. Never empty. Built by
    /// [`Node::in_list`].
    InValues(Box<Node>, Array, bool),
    /// `expr BETWEEN low AND high`
    Between(Box<Node>, Box<Node>, Box<Node>),
    /// An aggregate call: `COUNT(*)` when `arg` is `None`, `FUNC([DISTINCT] arg)`
    /// otherwise, wrapped in `CAST(.. AS cast)` when `cast` is set.
    Aggregate {
        /// The function.
        func: AggFn,
        /// Its argument; `None` for `COUNT(*)`.
        arg: Option<Box<Node>>,
        /// `DISTINCT` inside the call.
        distinct: bool,
        /// The SQL type the result is cast to, so both backends return one type.
        cast: Option<&'static str>,
    },
    /// `expr IN (SELECT ..)` (or `NOT IN` when `negated`).
    InSelect(Box<Node>, Box<SelectTree>, bool),
    /// `EXISTS (SELECT ..)`
    Exists(Box<SelectTree>),
}

impl Node {
    /// `lhs op rhs`.
    pub fn binary(op: BinOp, lhs: Node, rhs: Node) -> Node {
        Node::Binary(op, Box::new([lhs, rhs]))
    }

    /// `lhs IN (items)`, or `NOT IN` when `negated`. An empty list is a
    /// constant (it matches nothing; negated, everything), since `IN ()` is
    /// a syntax error. A list of non-NULL values of one element type becomes
    /// [`Node::InValues`].
    pub fn in_list(lhs: Node, items: Vec<Node>, negated: bool) -> Node {
        let Some(first) = items.first() else {
            return Node::Const(negated);
        };
        let same_type = |node: &Node, elem: &SqlType| match node {
            Node::Value(v) => !v.is_null() && v.as_ref().sql_type() == *elem,
            _ => false,
        };
        let elem = match first {
            Node::Value(v) if !v.is_null() => v.as_ref().sql_type().as_element(),
            _ => None,
        }
        .filter(|elem| items.iter().all(|node| same_type(node, elem)));
        match elem {
            Some(elem) => {
                let values = items
                    .into_iter()
                    .filter_map(|node| match node {
                        Node::Value(v) => Some(v),
                        _ => None,
                    })
                    .collect();
                Node::InValues(Box::new(lhs), Array::from_values(elem, values), negated)
            }
            None => Node::InList(Box::new(lhs), items, negated),
        }
    }
}

/// A typed column handle: column of table `T` holding Rust type `V`.
///
/// `#[derive(Table)]` generates one per field as an associated constant of
/// the model, named like the field.
pub struct Column<T, V> {
    table: &'static str,
    name: &'static str,
    _types: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Column<T, V> {
    /// A handle on column `name` of table `table`. Used by the derive.
    pub const fn new(table: &'static str, name: &'static str) -> Self {
        Column {
            table,
            name,
            _types: PhantomData,
        }
    }

    /// The column's name in the database.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The table's name in the database.
    pub const fn table_name(&self) -> &'static str {
        self.table
    }

    /// The column as an expression node.
    pub fn node(&self) -> Node {
        Node::Column {
            table: self.table,
            column: self.name,
        }
    }
}

impl<T, V> Clone for Column<T, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, V> Copy for Column<T, V> {}
impl<T, V> std::fmt::Debug for Column<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.name)
    }
}

/// A typed expression producing Rust type `V`, reading the tables of source
/// set `T` (one table, a tuple of joined tables, or `()` for none).
///
/// A filter is an `Expr<T, bool>`; combine filters with [`Expr::and`],
/// [`Expr::or`] and [`Expr::not`]. Comparisons leave `T` to be inferred from
/// the query they are given to.
pub struct Expr<T, V> {
    node: Node,
    _types: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Expr<T, V> {
    /// Wraps an untyped node. The caller vouches for the types.
    pub fn from_node(node: Node) -> Self {
        Expr {
            node,
            _types: PhantomData,
        }
    }

    /// The untyped tree.
    pub fn into_node(self) -> Node {
        self.node
    }

    /// Borrows the untyped tree.
    pub fn node(&self) -> &Node {
        &self.node
    }
}

impl<T, V> Clone for Expr<T, V> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}
impl<T, V> std::fmt::Debug for Expr<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<T, V> From<Column<T, V>> for Expr<T, V> {
    fn from(c: Column<T, V>) -> Self {
        Expr::from_node(c.node())
    }
}
