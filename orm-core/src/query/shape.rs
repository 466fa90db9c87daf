//! Selecting chosen columns and aggregates into tuples, with `GROUP BY`,
//! `HAVING` and `DISTINCT`.

use std::marker::PhantomData;

use super::builder::select_methods;
use super::{Projection, SelectTree};
use crate::error::Result;
use crate::expr::{Column, Expr, Includes, Node};
use crate::row::FromRow;
use crate::session::{Backend, Session};
use crate::types::SqlValue;

/// A column or expression that a query over source set `S` can select:
/// its table is in `S`. `Value` is what it decodes as.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be selected by this query",
    label = "expected a column or expression of a table in the query"
)]
pub trait Selectable<S, I> {
    /// The Rust type of the selected value.
    type Value: SqlValue;
    /// The expression node.
    fn node(self) -> Node;
}

impl<S: Includes<T, I>, T, V: SqlValue, I> Selectable<S, I> for Column<T, V> {
    type Value = V;
    fn node(self) -> Node {
        Column::node(&self)
    }
}

impl<S: Includes<T, I>, T, V: SqlValue, I> Selectable<S, I> for Expr<T, V> {
    type Value = V;
    fn node(self) -> Node {
        self.into_node()
    }
}

/// A tuple of [`Selectable`]s: `(User::email, count_all())`. `Output` is the
/// tuple of their values, each row's type.
pub trait Columns<S, I> {
    /// The tuple each row decodes into.
    type Output: FromRow + Send + 'static;
    /// The expression nodes, in order.
    fn nodes(self) -> Vec<Node>;
}

macro_rules! columns_tuple {
    ($($c:ident $i:ident),+) => {
        impl<S, $($c: Selectable<S, $i>, $i),+> Columns<S, ($($i,)+)> for ($($c,)+) {
            type Output = ($($c::Value,)+);
            #[allow(non_snake_case)]
            fn nodes(self) -> Vec<Node> {
                let ($($c,)+) = self;
                vec![$($c.node()),+]
            }
        }
    };
}
columns_tuple!(A IA);
columns_tuple!(A IA, B IB);
columns_tuple!(A IA, B IB, C IC);
columns_tuple!(A IA, B IB, C IC, D ID);
columns_tuple!(A IA, B IB, C IC, D ID, E IE);
columns_tuple!(A IA, B IB, C IC, D ID, E IE, F IF);

/// A select of chosen columns and aggregates over source set `S`, each row
/// decoded into the tuple `R`.
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend, User: Table>(s: &mut Session<B>, email: Column<User, Option<String>>) -> Result<()> {
/// // e-mail addresses shared by more than one user, most shared first
/// let shared: Vec<(Option<String>, i64)> = s
///     .select::<User>()
///     .columns((email, count_all()))
///     .group_by(email)
///     .having(count_all().gt(1))
///     .order_by(count_all().desc())
///     .all()
///     .await?;
/// # Ok(()) }
/// ```
///
/// renders `SELECT "email", COUNT(*) FROM "users" GROUP BY "email" HAVING
/// COUNT(*) > $1 ORDER BY COUNT(*) DESC`.
#[must_use = "a select does nothing until a terminal method such as `.all()` is awaited"]
pub struct Shaped<'s, S, R, B: Backend> {
    session: &'s mut Session<B>,
    tree: SelectTree,
    _types: PhantomData<fn() -> (S, R)>,
}

impl<'s, S, R: FromRow + Send + 'static, B: Backend> Shaped<'s, S, R, B> {
    pub(crate) fn new(session: &'s mut Session<B>, tree: SelectTree) -> Self {
        Shaped {
            session,
            tree,
            _types: PhantomData,
        }
    }

    select_methods!(S);

    /// `SELECT DISTINCT`: each distinct row once.
    pub fn distinct(mut self) -> Self {
        self.tree.distinct = true;
        self
    }

    /// Groups rows by `key`; later calls add further keys.
    pub fn group_by<K: Selectable<S, I>, I>(mut self, key: K) -> Self {
        self.tree.group_by.push(key.node());
        self
    }

    /// Keeps the groups matching `condition` (usually on an aggregate);
    /// several conditions are ANDed.
    pub fn having(mut self, condition: impl Into<Expr<S, bool>>) -> Self {
        self.tree.having = super::and_filter(self.tree.having.take(), condition.into().into_node());
        self
    }

    /// Every selected row.
    pub async fn all(self) -> Result<Vec<R>> {
        self.session.run_fetch(&self.tree, false).await
    }

    /// The first selected row, if any.
    pub async fn first(mut self) -> Result<Option<R>> {
        self.tree.limit = Some(self.tree.limit.map_or(1, |l| l.min(1)));
        let rows: Vec<R> = self.session.run_fetch(&self.tree, false).await?;
        Ok(rows.into_iter().next())
    }

    /// The one selected row: [`Error::NotFound`](crate::Error::NotFound) when
    /// there is none, [`Error::MultipleRowsFound`](crate::Error::MultipleRowsFound)
    /// when there are more. An aggregate without `group_by` always has one.
    pub async fn one(mut self) -> Result<R> {
        self.tree.limit = Some(self.tree.limit.map_or(2, |l| l.min(2)));
        let mut rows: Vec<R> = self.session.run_fetch(&self.tree, false).await?;
        let table = self.tree.table.name.to_string();
        match (rows.pop(), rows.is_empty()) {
            (Some(row), true) => Ok(row),
            (None, _) => Err(crate::Error::NotFound { table }),
            (Some(_), false) => Err(crate::Error::MultipleRowsFound { table }),
        }
    }

    /// How many rows are selected (distinct rows, or groups, when asked for).
    pub async fn count(mut self) -> Result<i64> {
        self.tree.projection = Projection::Count;
        self.tree.order.clear();
        let rows: Vec<(i64,)> = self.session.run_fetch(&self.tree, false).await?;
        Ok(rows.first().map_or(0, |r| r.0))
    }
}
