//! Comparison, pattern, list, sort and arithmetic methods of [`Column`] and
//! [`Expr`], and the boolean connectives of filters.

use std::ops::{Add, Div, Mul, Sub};

use super::{BinOp, Column, Expr, Includes, IntoExpr, Node, Operand, Order};
use crate::types::{Numeric, Text};

fn binary<S, R>(op: BinOp, lhs: Node, rhs: Node) -> Expr<S, R> {
    Expr::from_node(Node::binary(op, lhs, rhs))
}

/// `=` / `<>`, with NULL turned into `IS NULL` / `IS NOT NULL`.
fn equality<S>(lhs: Node, rhs: Node, negated: bool) -> Expr<S, bool> {
    match rhs {
        Node::Value(v) if v.is_null() => Expr::from_node(Node::IsNull(Box::new(lhs), negated)),
        rhs => binary(if negated { BinOp::Ne } else { BinOp::Eq }, lhs, rhs),
    }
}

fn in_list<S, V, I, J>(lhs: Node, items: I, negated: bool) -> Expr<S, bool>
where
    I: IntoIterator,
    I::Item: IntoExpr<S, V, J>,
{
    let list: Vec<Node> = items.into_iter().map(IntoExpr::into_node).collect();
    Expr::from_node(Node::in_list(lhs, list, negated))
}

// Written once and given to both `Column` and `Expr`. Each method's result
// is an expression over a source set `S` inferred from where it is used,
// which must include this operand's table `T`.
macro_rules! expression_methods {
    ($ty:ident) => {
        impl<T, V> $ty<T, V> {
            /// `self = rhs`; comparing with `None` becomes `IS NULL`.
            pub fn eq<S: Includes<T, I>, I, J>(self, rhs: impl IntoExpr<S, V, J>) -> Expr<S, bool> {
                equality(Expr::from(self).into_node(), rhs.into_node(), false)
            }
            /// `self <> rhs`; comparing with `None` becomes `IS NOT NULL`.
            pub fn ne<S: Includes<T, I>, I, J>(self, rhs: impl IntoExpr<S, V, J>) -> Expr<S, bool> {
                equality(Expr::from(self).into_node(), rhs.into_node(), true)
            }
            /// `self < rhs`
            pub fn lt<S: Includes<T, I>, I, J>(self, rhs: impl IntoExpr<S, V, J>) -> Expr<S, bool> {
                binary(BinOp::Lt, Expr::from(self).into_node(), rhs.into_node())
            }
            /// `self <= rhs`
            pub fn le<S: Includes<T, I>, I, J>(self, rhs: impl IntoExpr<S, V, J>) -> Expr<S, bool> {
                binary(BinOp::Le, Expr::from(self).into_node(), rhs.into_node())
            }
            /// `self > rhs`
            pub fn gt<S: Includes<T, I>, I, J>(self, rhs: impl IntoExpr<S, V, J>) -> Expr<S, bool> {
                binary(BinOp::Gt, Expr::from(self).into_node(), rhs.into_node())
            }
            /// `self >= rhs`
            pub fn ge<S: Includes<T, I>, I, J>(self, rhs: impl IntoExpr<S, V, J>) -> Expr<S, bool> {
                binary(BinOp::Ge, Expr::from(self).into_node(), rhs.into_node())
            }
            /// `self IS NULL`
            pub fn is_null<S: Includes<T, I>, I>(self) -> Expr<S, bool> {
                Expr::from_node(Node::IsNull(Box::new(Expr::from(self).into_node()), false))
            }
            /// `self IS NOT NULL`
            pub fn is_not_null<S: Includes<T, I>, I>(self) -> Expr<S, bool> {
                Expr::from_node(Node::IsNull(Box::new(Expr::from(self).into_node()), true))
            }
            /// `self IN (items...)`; an empty list matches no row.
            pub fn in_list<S: Includes<T, I>, I, J, L>(self, items: L) -> Expr<S, bool>
            where
                L: IntoIterator,
                L::Item: IntoExpr<S, V, J>,
            {
                in_list(Expr::from(self).into_node(), items, false)
            }
            /// `self NOT IN (items...)`; an empty list matches every row.
            pub fn not_in_list<S: Includes<T, I>, I, J, L>(self, items: L) -> Expr<S, bool>
            where
                L: IntoIterator,
                L::Item: IntoExpr<S, V, J>,
            {
                in_list(Expr::from(self).into_node(), items, true)
            }
            /// `self BETWEEN low AND high` (both ends included).
            pub fn between<S: Includes<T, I>, I, J, K>(
                self,
                low: impl IntoExpr<S, V, J>,
                high: impl IntoExpr<S, V, K>,
            ) -> Expr<S, bool> {
                Expr::from_node(Node::Between(
                    Box::new(Expr::from(self).into_node()),
                    Box::new(low.into_node()),
                    Box::new(high.into_node()),
                ))
            }
            /// Ascending sort on this expression.
            pub fn asc<S: Includes<T, I>, I>(self) -> Order<S> {
                Order::new(Expr::from(self).into_node(), false)
            }
            /// Descending sort on this expression.
            pub fn desc<S: Includes<T, I>, I>(self) -> Order<S> {
                Order::new(Expr::from(self).into_node(), true)
            }
        }

        impl<T, V: Text> $ty<T, V> {
            /// `self LIKE pattern` (`%` any run, `_` one character).
            pub fn like<S: Includes<T, I>, I, J>(
                self,
                pattern: impl IntoExpr<S, V, J>,
            ) -> Expr<S, bool> {
                binary(
                    BinOp::Like,
                    Expr::from(self).into_node(),
                    pattern.into_node(),
                )
            }
            /// `self NOT LIKE pattern`
            pub fn not_like<S: Includes<T, I>, I, J>(
                self,
                pattern: impl IntoExpr<S, V, J>,
            ) -> Expr<S, bool> {
                binary(
                    BinOp::NotLike,
                    Expr::from(self).into_node(),
                    pattern.into_node(),
                )
            }
        }

        arithmetic!($ty, Add, add, Add);
        arithmetic!($ty, Sub, sub, Sub);
        arithmetic!($ty, Mul, mul, Mul);
        arithmetic!($ty, Div, div, Div);
    };
}

// Arithmetic stays within one table (or one source set): `User::karma + 1`
// is an `Expr<User, i32>`, usable wherever `User` is read.
macro_rules! arithmetic {
    ($ty:ident, $trait:ident, $method:ident, $op:ident) => {
        impl<T, V: Numeric, R: Operand<T, V>> $trait<R> for $ty<T, V> {
            type Output = Expr<T, V>;
            fn $method(self, rhs: R) -> Expr<T, V> {
                binary(BinOp::$op, Expr::from(self).into_node(), rhs.into_node())
            }
        }
    };
}

expression_methods!(Column);
expression_methods!(Expr);

impl<S> Expr<S, bool> {
    /// `self AND other`
    pub fn and(self, other: impl Into<Expr<S, bool>>) -> Expr<S, bool> {
        binary(BinOp::And, self.into_node(), other.into().into_node())
    }
    /// `self OR other`
    pub fn or(self, other: impl Into<Expr<S, bool>>) -> Expr<S, bool> {
        binary(BinOp::Or, self.into_node(), other.into().into_node())
    }
    /// `NOT self`
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<S, bool> {
        Expr::from_node(Node::Not(Box::new(self.into_node())))
    }
}

impl<S> std::ops::Not for Expr<S, bool> {
    type Output = Expr<S, bool>;
    fn not(self) -> Expr<S, bool> {
        Expr::from_node(Node::Not(Box::new(self.into_node())))
    }
}
