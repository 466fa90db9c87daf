//! Joined selects: `INNER JOIN` and `LEFT JOIN`, decoding each row into a
//! tuple such as `(User, Option<Post>)`.

use std::collections::HashMap;
use std::marker::PhantomData;

use super::builder::select_methods;
use super::decode::{Decoded, JoinRow};
use super::shape::{Columns, Shaped};
use super::{Join, JoinKind, Projection, SelectTree};
use crate::error::Result;
use crate::expr::Expr;
use crate::relation::KeyValue;
use crate::session::{Backend, Session};
use crate::table::Table;

/// A select over the joined tables `S` (a tuple), returning rows `R`: a
/// tuple with each inner-joined table as itself and each left-joined table
/// as an `Option`.
///
/// Start one with [`Select::join`](crate::Select::join) or
/// [`Select::left_join`](crate::Select::left_join). Filters and sort keys
/// may read any table joined; columns are written `"table"."column"`.
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend, User: Table, Post: Table>(
/// #     s: &mut Session<B>, id: Column<User, i64>, user_id: Column<Post, i64>,
/// #     title: Column<Post, String>) -> Result<()> {
/// let rows: Vec<(User, Option<Post>)> = s
///     .select::<User>()
///     .left_join::<Post>(user_id.eq(id))
///     .filter(title.like("%rust%").or(title.is_null()))
///     .order_by(id)
///     .order_by(title.desc())
///     .all()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a select does nothing until a terminal method such as `.all()` is awaited"]
pub struct JoinSelect<'s, S, R, B: Backend> {
    pub(crate) session: &'s mut Session<B>,
    pub(crate) tree: SelectTree,
    _types: PhantomData<fn() -> (S, R)>,
}

impl<'s, S, R, B: Backend> JoinSelect<'s, S, R, B> {
    pub(crate) fn joined(
        session: &'s mut Session<B>,
        mut tree: SelectTree,
        kind: JoinKind,
        table: &'static crate::table::TableMeta,
        on: crate::expr::Node,
    ) -> Self {
        tree.joins.push(Join { kind, table, on });
        JoinSelect {
            session,
            tree,
            _types: PhantomData,
        }
    }

    select_methods!(S);

    /// Selects chosen columns and aggregates instead of whole rows; see
    /// [`Shaped`].
    pub fn columns<C: Columns<S, I>, I>(mut self, columns: C) -> Shaped<'s, S, C::Output, B> {
        self.tree.columns = Some(columns.nodes());
        Shaped::new(self.session, self.tree)
    }

    /// How many joined rows are selected (limit and offset apply).
    pub async fn count(mut self) -> Result<i64> {
        self.tree.projection = Projection::Count;
        self.tree.order.clear();
        let rows: Vec<(i64,)> = self.session.run_fetch(&self.tree, false).await?;
        Ok(rows.first().map_or(0, |r| r.0))
    }
}

impl<S, R: JoinRow, B: Backend> JoinSelect<'_, S, R, B> {
    /// Every selected row.
    pub async fn all(self) -> Result<Vec<R>> {
        let rows: Vec<Decoded<R>> = self.session.run_fetch(&self.tree, false).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The first selected row, if any.
    pub async fn first(mut self) -> Result<Option<R>> {
        self.tree.limit = Some(self.tree.limit.map_or(1, |l| l.min(1)));
        let rows: Vec<Decoded<R>> = self.session.run_fetch(&self.tree, false).await?;
        Ok(rows.into_iter().next().map(|r| r.0))
    }
}

impl<P: Table, C: Table, B: Backend> JoinSelect<'_, (P, C), (P, Option<C>), B> {
    /// Joined one-to-many loading: runs the left join and folds its rows
    /// into one entry per parent, in the order parents first appear, with
    /// the parent's matched children in row order (empty when none matched).
    ///
    /// Limit and offset count joined rows, not parents; to page through
    /// parents use [`Select::load_many`](crate::Select::load_many).
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table, Post: Table>(
    /// #     s: &mut Session<B>, id: Column<User, i64>, user_id: Column<Post, i64>) -> Result<()> {
    /// let users: Vec<(User, Vec<Post>)> =
    ///     s.select::<User>().left_join::<Post>(user_id.eq(id)).order_by(id).grouped().await?;
    /// # Ok(()) }
    /// ```
    pub async fn grouped(self) -> Result<Vec<(P, Vec<C>)>> {
        let rows = self.all().await?;
        let mut out: Vec<(P, Vec<C>)> = Vec::new();
        let mut seen: HashMap<Vec<Option<KeyValue>>, usize> = HashMap::new();
        let key = P::table().primary_key;
        for (parent, child) in rows {
            let id: Vec<Option<KeyValue>> =
                key.iter().map(|i| KeyValue::of(parent.value(*i))).collect();
            let slot = *seen.entry(id).or_insert_with(|| {
                out.push((parent, Vec::new()));
                out.len() - 1
            });
            if let (Some(child), Some(entry)) = (child, out.get_mut(slot)) {
                entry.1.push(child);
            }
        }
        Ok(out)
    }
}

// Growing the join: each impl adds one table to a source set of a given size.
macro_rules! grow {
    (($($s:ident),+), ($($r:ident),+)) => {
        impl<'s, $($s,)+ $($r,)+ B: Backend> JoinSelect<'s, ($($s,)+), ($($r,)+), B> {
            /// Adds an `INNER JOIN` of `U` on `on`; rows gain a `U`.
            pub fn join<U: Table>(
                self,
                on: impl Into<Expr<($($s,)+ U), bool>>,
            ) -> JoinSelect<'s, ($($s,)+ U), ($($r,)+ U), B> {
                JoinSelect::joined(self.session, self.tree, JoinKind::Inner, U::table(), on.into().into_node())
            }

            /// Adds a `LEFT JOIN` of `U` on `on`; rows gain an `Option<U>`,
            /// `None` when no `U` matched.
            pub fn left_join<U: Table>(
                self,
                on: impl Into<Expr<($($s,)+ U), bool>>,
            ) -> JoinSelect<'s, ($($s,)+ U), ($($r,)+ Option<U>), B> {
                JoinSelect::joined(self.session, self.tree, JoinKind::Left, U::table(), on.into().into_node())
            }
        }
    };
}
grow!((A1, A2), (R1, R2));
grow!((A1, A2, A3), (R1, R2, R3));
