//! Aggregate functions: `COUNT`, `SUM`, `AVG`, `MIN`, `MAX`.
//!
//! Results are typed so that both backends decode them alike: `COUNT` is
//! `i64`; `SUM` of integers is `Option<i64>` and of floats `Option<f64>`
//! (cast in SQL, since PostgreSQL widens sums); `AVG` is `Option<f64>` (cast
//! to `DOUBLE PRECISION`, since PostgreSQL's average of integers is
//! `NUMERIC`); `MIN` and `MAX` have the column's type made optional. Every
//! aggregate but `COUNT` is `None` over no rows.

use super::{Expr, Node};
use crate::types::{NotNull, SqlValue};

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggFn {
    /// `COUNT`
    Count,
    /// `SUM`
    Sum,
    /// `AVG`
    Avg,
    /// `MIN`
    Min,
    /// `MAX`
    Max,
}

impl AggFn {
    /// The function's SQL name with its opening parenthesis.
    pub fn sql(self) -> &'static str {
        match self {
            AggFn::Count => "COUNT(",
            AggFn::Sum => "SUM(",
            AggFn::Avg => "AVG(",
            AggFn::Min => "MIN(",
            AggFn::Max => "MAX(",
        }
    }
}

/// A column type that can be summed and averaged, and what its sum decodes as.
pub trait Summable: SqlValue {
    /// The Rust type of the sum: `i64` for integers, `f64` for floats.
    type Sum: NotNull;
    /// The SQL type the sum is cast to.
    const SUM_CAST: &'static str;
}

macro_rules! summable {
    ($($t:ty => $sum:ty, $cast:literal);*) => {$(
        impl Summable for $t {
            type Sum = $sum;
            const SUM_CAST: &'static str = $cast;
        }
        impl Summable for Option<$t> {
            type Sum = $sum;
            const SUM_CAST: &'static str = $cast;
        }
    )*};
}
summable!(
    i16 => i64, "BIGINT";
    i32 => i64, "BIGINT";
    i64 => i64, "BIGINT";
    f32 => f64, "DOUBLE PRECISION";
    f64 => f64, "DOUBLE PRECISION"
);

/// A column type made optional: `i32` and `Option<i32>` both give
/// `Option<i32>`, the type of `MIN` and `MAX` (NULL over no rows).
pub trait Nullable {
    /// The optional type.
    type Opt: SqlValue;
}
impl<V: NotNull> Nullable for V {
    type Opt = Option<V>;
}
impl<V: NotNull> Nullable for Option<V> {
    type Opt = Option<V>;
}

fn aggregate<T, R>(
    func: AggFn,
    arg: Node,
    distinct: bool,
    cast: Option<&'static str>,
) -> Expr<T, R> {
    Expr::from_node(Node::Aggregate {
        func,
        arg: Some(Box::new(arg)),
        distinct,
        cast,
    })
}

/// `COUNT(*)`: the number of rows (of each group).
///
/// ```
/// use orm_core::expr::count_all;
/// let n: orm_core::Expr<(), i64> = count_all();
/// ```
pub fn count_all() -> Expr<(), i64> {
    Expr::from_node(Node::Aggregate {
        func: AggFn::Count,
        arg: None,
        distinct: false,
        cast: None,
    })
}

/// `COUNT(expr)`: the number of non-NULL values.
///
/// ```
/// use orm_core::{expr::count, Column, Expr};
/// struct User;
/// let email: Column<User, Option<String>> = Column::new("users", "email");
/// let n: Expr<User, i64> = count(email);
/// ```
pub fn count<T, V>(expr: impl Into<Expr<T, V>>) -> Expr<T, i64> {
    aggregate(AggFn::Count, expr.into().into_node(), false, None)
}

/// `COUNT(DISTINCT expr)`: the number of distinct non-NULL values.
///
/// ```
/// use orm_core::{expr::count_distinct, Column, Expr};
/// struct User;
/// let karma: Column<User, i32> = Column::new("users", "karma");
/// let n: Expr<User, i64> = count_distinct(karma);
/// ```
pub fn count_distinct<T, V>(expr: impl Into<Expr<T, V>>) -> Expr<T, i64> {
    aggregate(AggFn::Count, expr.into().into_node(), true, None)
}

/// `SUM(expr)`, cast so that integers sum to `i64` and floats to `f64`.
///
/// ```
/// use orm_core::{expr::sum, Column, Expr};
/// struct User;
/// let karma: Column<User, i32> = Column::new("users", "karma");
/// let total: Expr<User, Option<i64>> = sum(karma);
/// ```
pub fn sum<T, V: Summable>(expr: impl Into<Expr<T, V>>) -> Expr<T, Option<V::Sum>> {
    aggregate(
        AggFn::Sum,
        expr.into().into_node(),
        false,
        Some(V::SUM_CAST),
    )
}

/// `AVG(expr)` as `f64` (`CAST(AVG(expr) AS DOUBLE PRECISION)`).
///
/// ```
/// use orm_core::{expr::avg, Column, Expr};
/// struct User;
/// let karma: Column<User, i32> = Column::new("users", "karma");
/// let mean: Expr<User, Option<f64>> = avg(karma);
/// ```
pub fn avg<T, V: Summable>(expr: impl Into<Expr<T, V>>) -> Expr<T, Option<f64>> {
    aggregate(
        AggFn::Avg,
        expr.into().into_node(),
        false,
        Some("DOUBLE PRECISION"),
    )
}

/// `MIN(expr)`, of the column's type (optional: NULL over no rows).
///
/// ```
/// use orm_core::{expr::min, Column, Expr};
/// struct User;
/// let name: Column<User, String> = Column::new("users", "name");
/// let first: Expr<User, Option<String>> = min(name);
/// ```
pub fn min<T, V: Nullable>(expr: impl Into<Expr<T, V>>) -> Expr<T, V::Opt> {
    aggregate(AggFn::Min, expr.into().into_node(), false, None)
}

/// `MAX(expr)`, of the column's type (optional: NULL over no rows).
///
/// ```
/// use orm_core::{expr::max, Column, Expr};
/// struct User;
/// let karma: Column<User, i32> = Column::new("users", "karma");
/// let best: Expr<User, Option<i32>> = max(karma);
/// ```
pub fn max<T, V: Nullable>(expr: impl Into<Expr<T, V>>) -> Expr<T, V::Opt> {
    aggregate(AggFn::Max, expr.into().into_node(), false, None)
}
