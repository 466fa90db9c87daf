//! Typed expressions: column handles, comparisons, boolean logic, arithmetic.
//!
//! `Column<T, V>` is a column of table `T` holding Rust type `V`; every
//! expression built from it carries the same two types, so comparing a column
//! with a value of another type, or filtering a query with a column of another
//! table, does not compile.

use std::marker::PhantomData;
use std::ops::{Add, Div, Mul, Sub};

use crate::types::{NotNull, Numeric, SqlValue, Text};
use crate::value::Value;

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
    /// `lhs op rhs`
    Binary(BinOp, Box<Node>, Box<Node>),
    /// `NOT (expr)`
    Not(Box<Node>),
    /// `expr IS NULL` (or `IS NOT NULL` when `negated`).
    IsNull(Box<Node>, bool),
    /// `expr IN (list)` (or `NOT IN` when `negated`); never empty.
    InList(Box<Node>, Vec<Node>, bool),
    /// `expr BETWEEN low AND high`
    Between(Box<Node>, Box<Node>, Box<Node>),
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

/// A typed expression over table `T` producing Rust type `V`.
///
/// A filter is an `Expr<T, bool>`; combine filters with [`Expr::and`],
/// [`Expr::or`] and [`Expr::not`].
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

/// Something that can stand where an expression of Rust type `V` is expected:
/// a value of type `V` (or a borrowed form, like `&str` for `String`), a
/// column or an expression of type `V`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with or assigned to a column of type `{V}`",
    label = "expected a `{V}` value, column or expression",
    note = "a column of type `{V}` takes values of type `{V}` (or `&str` for String, the inner type for Option columns)"
)]
pub trait IntoExpr<V> {
    /// The expression node.
    fn into_node(self) -> Node;
}

impl<V: SqlValue> IntoExpr<V> for V {
    fn into_node(self) -> Node {
        Node::Value(self.into_value())
    }
}
impl<V: NotNull> IntoExpr<Option<V>> for V {
    fn into_node(self) -> Node {
        Node::Value(self.into_value())
    }
}
impl IntoExpr<String> for &str {
    fn into_node(self) -> Node {
        Node::Value(Value::Text(self.to_owned()))
    }
}
impl IntoExpr<Option<String>> for &str {
    fn into_node(self) -> Node {
        Node::Value(Value::Text(self.to_owned()))
    }
}
impl IntoExpr<String> for &String {
    fn into_node(self) -> Node {
        Node::Value(Value::Text(self.clone()))
    }
}
impl IntoExpr<Vec<u8>> for &[u8] {
    fn into_node(self) -> Node {
        Node::Value(Value::Bytes(self.to_vec()))
    }
}
impl<T, V> IntoExpr<V> for Column<T, V> {
    fn into_node(self) -> Node {
        self.node()
    }
}
impl<T, V> IntoExpr<V> for Expr<T, V> {
    fn into_node(self) -> Node {
        self.node
    }
}

/// A sort key: an expression and a direction.
pub struct Order<T> {
    pub(crate) node: Node,
    pub(crate) descending: bool,
    _table: PhantomData<fn() -> T>,
}

impl<T> Order<T> {
    /// The expression sorted on and whether the order is descending.
    pub fn parts(&self) -> (&Node, bool) {
        (&self.node, self.descending)
    }
}

impl<T, V> From<Column<T, V>> for Order<T> {
    fn from(c: Column<T, V>) -> Self {
        Order {
            node: c.node(),
            descending: false,
            _table: PhantomData,
        }
    }
}

fn binary<T, R>(op: BinOp, lhs: Node, rhs: Node) -> Expr<T, R> {
    Expr::from_node(Node::Binary(op, Box::new(lhs), Box::new(rhs)))
}

/// `=` / `<>`, with NULL turned into `IS NULL` / `IS NOT NULL`.
fn equality<T>(lhs: Node, rhs: Node, negated: bool) -> Expr<T, bool> {
    match rhs {
        Node::Value(v) if v.is_null() => Expr::from_node(Node::IsNull(Box::new(lhs), negated)),
        rhs => binary(if negated { BinOp::Ne } else { BinOp::Eq }, lhs, rhs),
    }
}

// Comparison methods, written once and given to both `Column` and `Expr`.
macro_rules! expression_methods {
    ($ty:ident) => {
        impl<T, V> $ty<T, V> {
            /// `self = rhs`; comparing with `None` becomes `IS NULL`.
            pub fn eq(self, rhs: impl IntoExpr<V>) -> Expr<T, bool> {
                equality(Expr::from(self).node, rhs.into_node(), false)
            }
            /// `self <> rhs`; comparing with `None` becomes `IS NOT NULL`.
            pub fn ne(self, rhs: impl IntoExpr<V>) -> Expr<T, bool> {
                equality(Expr::from(self).node, rhs.into_node(), true)
            }
            /// `self < rhs`
            pub fn lt(self, rhs: impl IntoExpr<V>) -> Expr<T, bool> {
                binary(BinOp::Lt, Expr::from(self).node, rhs.into_node())
            }
            /// `self <= rhs`
            pub fn le(self, rhs: impl IntoExpr<V>) -> Expr<T, bool> {
                binary(BinOp::Le, Expr::from(self).node, rhs.into_node())
            }
            /// `self > rhs`
            pub fn gt(self, rhs: impl IntoExpr<V>) -> Expr<T, bool> {
                binary(BinOp::Gt, Expr::from(self).node, rhs.into_node())
            }
            /// `self >= rhs`
            pub fn ge(self, rhs: impl IntoExpr<V>) -> Expr<T, bool> {
                binary(BinOp::Ge, Expr::from(self).node, rhs.into_node())
            }
            /// `self IS NULL`
            pub fn is_null(self) -> Expr<T, bool> {
                Expr::from_node(Node::IsNull(Box::new(Expr::from(self).node), false))
            }
            /// `self IS NOT NULL`
            pub fn is_not_null(self) -> Expr<T, bool> {
                Expr::from_node(Node::IsNull(Box::new(Expr::from(self).node), true))
            }
            /// `self IN (items...)`; an empty list matches no row.
            pub fn in_list<I>(self, items: I) -> Expr<T, bool>
            where
                I: IntoIterator,
                I::Item: IntoExpr<V>,
            {
                in_list(Expr::from(self).node, items, false)
            }
            /// `self NOT IN (items...)`; an empty list matches every row.
            pub fn not_in_list<I>(self, items: I) -> Expr<T, bool>
            where
                I: IntoIterator,
                I::Item: IntoExpr<V>,
            {
                in_list(Expr::from(self).node, items, true)
            }
            /// `self BETWEEN low AND high` (both ends included).
            pub fn between(self, low: impl IntoExpr<V>, high: impl IntoExpr<V>) -> Expr<T, bool> {
                Expr::from_node(Node::Between(
                    Box::new(Expr::from(self).node),
                    Box::new(low.into_node()),
                    Box::new(high.into_node()),
                ))
            }
            /// Ascending sort on this expression.
            pub fn asc(self) -> Order<T> {
                Order {
                    node: Expr::from(self).node,
                    descending: false,
                    _table: PhantomData,
                }
            }
            /// Descending sort on this expression.
            pub fn desc(self) -> Order<T> {
                Order {
                    node: Expr::from(self).node,
                    descending: true,
                    _table: PhantomData,
                }
            }
        }

        impl<T, V: Text> $ty<T, V> {
            /// `self LIKE pattern` (`%` any run, `_` one character).
            pub fn like(self, pattern: impl IntoExpr<V>) -> Expr<T, bool> {
                binary(BinOp::Like, Expr::from(self).node, pattern.into_node())
            }
            /// `self NOT LIKE pattern`
            pub fn not_like(self, pattern: impl IntoExpr<V>) -> Expr<T, bool> {
                binary(BinOp::NotLike, Expr::from(self).node, pattern.into_node())
            }
        }

        arithmetic!($ty, Add, add, Add);
        arithmetic!($ty, Sub, sub, Sub);
        arithmetic!($ty, Mul, mul, Mul);
        arithmetic!($ty, Div, div, Div);
    };
}

macro_rules! arithmetic {
    ($ty:ident, $trait:ident, $method:ident, $op:ident) => {
        impl<T, V: Numeric, R: IntoExpr<V>> $trait<R> for $ty<T, V> {
            type Output = Expr<T, V>;
            fn $method(self, rhs: R) -> Expr<T, V> {
                binary(BinOp::$op, Expr::from(self).node, rhs.into_node())
            }
        }
    };
}

expression_methods!(Column);
expression_methods!(Expr);

fn in_list<T, V, I>(lhs: Node, items: I, negated: bool) -> Expr<T, bool>
where
    I: IntoIterator,
    I::Item: IntoExpr<V>,
{
    let list: Vec<Node> = items.into_iter().map(IntoExpr::into_node).collect();
    if list.is_empty() {
        // `IN ()` is a syntax error: an empty list matches nothing (or, negated, everything).
        return Expr::from_node(Node::Const(negated));
    }
    Expr::from_node(Node::InList(Box::new(lhs), list, negated))
}

impl<T> Expr<T, bool> {
    /// `self AND other`
    pub fn and(self, other: impl Into<Expr<T, bool>>) -> Expr<T, bool> {
        binary(BinOp::And, self.node, other.into().node)
    }
    /// `self OR other`
    pub fn or(self, other: impl Into<Expr<T, bool>>) -> Expr<T, bool> {
        binary(BinOp::Or, self.node, other.into().node)
    }
    /// `NOT self`
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<T, bool> {
        Expr::from_node(Node::Not(Box::new(self.node)))
    }
}

impl<T> std::ops::Not for Expr<T, bool> {
    type Output = Expr<T, bool>;
    fn not(self) -> Expr<T, bool> {
        Expr::from_node(Node::Not(Box::new(self.node)))
    }
}
