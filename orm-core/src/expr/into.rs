//! What may stand where an expression, an operand or a sort key is expected.

use std::marker::PhantomData;

use super::{Column, Expr, Includes, Node};
use crate::types::{NotNull, SqlValue};
use crate::value::Value;

/// Index of [`IntoExpr`]: a value, bound as a parameter.
#[derive(Debug, Clone, Copy)]
pub struct Val;
/// Index of [`IntoExpr`]: a column or expression of a table found at `I`.
#[derive(Debug, Clone, Copy)]
pub struct Col<I>(PhantomData<I>);

/// Something that can stand where an expression of Rust type `V` over
/// source set `S` is expected: a value of type `V` (or a borrowed form, like
/// `&str` for `String`), or a column or expression of type `V` whose table is
/// in `S`. `I` is inferred.
///
/// ```
/// use orm_core::expr::{IntoExpr, Val};
/// fn bindable<S, V, I>(_: impl IntoExpr<S, V, I>) {}
/// bindable::<(), i64, Val>(5);
/// bindable::<(), Option<String>, Val>("ann");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with or assigned to a column of type `{V}`",
    label = "expected a `{V}` value, column or expression",
    note = "a column of type `{V}` takes values of type `{V}` (or `&str` for String, the inner type for Option columns)"
)]
pub trait IntoExpr<S, V, I> {
    /// The expression node.
    fn into_node(self) -> Node;
}

impl<S, V: SqlValue> IntoExpr<S, V, Val> for V {
    fn into_node(self) -> Node {
        Node::Value(self.into_value())
    }
}
impl<S, V: NotNull> IntoExpr<S, Option<V>, Val> for V {
    fn into_node(self) -> Node {
        Node::Value(self.into_value())
    }
}
impl<S> IntoExpr<S, String, Val> for &str {
    fn into_node(self) -> Node {
        Node::Value(Value::Text(self.to_owned()))
    }
}
impl<S> IntoExpr<S, Option<String>, Val> for &str {
    fn into_node(self) -> Node {
        Node::Value(Value::Text(self.to_owned()))
    }
}
impl<S> IntoExpr<S, String, Val> for &String {
    fn into_node(self) -> Node {
        Node::Value(Value::Text(self.clone()))
    }
}
impl<S> IntoExpr<S, Vec<u8>, Val> for &[u8] {
    fn into_node(self) -> Node {
        Node::Value(Value::Bytes(self.to_vec()))
    }
}
impl<S: Includes<T, I>, T, V, I> IntoExpr<S, V, Col<I>> for Column<T, V> {
    fn into_node(self) -> Node {
        self.node()
    }
}
impl<S: Includes<T, I>, T, V, I> IntoExpr<S, V, Col<I>> for Expr<T, V> {
    fn into_node(self) -> Node {
        self.into_node()
    }
}

/// The right-hand side of arithmetic on a column or expression of table `T`:
/// a value of type `V`, or a column or expression of `T` of type `V`.
///
/// ```
/// use orm_core::expr::Operand;
/// fn operand<T, V>(_: impl Operand<T, V>) {}
/// operand::<(), i32>(1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used in arithmetic with a column of type `{V}`",
    label = "expected a `{V}` value, or a column or expression of the same table"
)]
pub trait Operand<T, V> {
    /// The expression node.
    fn into_node(self) -> Node;
}

impl<T, V: SqlValue> Operand<T, V> for V {
    fn into_node(self) -> Node {
        Node::Value(self.into_value())
    }
}
impl<T, V> Operand<T, V> for Column<T, V> {
    fn into_node(self) -> Node {
        self.node()
    }
}
impl<T, V> Operand<T, V> for Expr<T, V> {
    fn into_node(self) -> Node {
        Expr::into_node(self)
    }
}

/// A sort key over source set `S`: an expression and a direction.
pub struct Order<S> {
    pub(crate) node: Node,
    pub(crate) descending: bool,
    _sources: PhantomData<fn() -> S>,
}

impl<S> Order<S> {
    pub(crate) fn new(node: Node, descending: bool) -> Self {
        Order {
            node,
            descending,
            _sources: PhantomData,
        }
    }

    /// The expression sorted on and whether the order is descending.
    pub fn parts(&self) -> (&Node, bool) {
        (&self.node, self.descending)
    }
}

impl<T, V> From<Column<T, V>> for Order<T> {
    fn from(c: Column<T, V>) -> Self {
        Order::new(c.node(), false)
    }
}

/// What `order_by` takes in a query over source set `S`: a column of a table
/// in `S` (ascending), or an [`Order`] from `.asc()` / `.desc()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sort key of this query",
    label = "expected a column of a table in the query, or `expr.asc()` / `expr.desc()`"
)]
pub trait IntoOrder<S, I> {
    /// The sort key.
    fn into_order(self) -> (Node, bool);
}

impl<S: Includes<T, I>, T, V, I> IntoOrder<S, Col<I>> for Column<T, V> {
    fn into_order(self) -> (Node, bool) {
        (self.node(), false)
    }
}
impl<S> IntoOrder<S, Val> for Order<S> {
    fn into_order(self) -> (Node, bool) {
        (self.node, self.descending)
    }
}
