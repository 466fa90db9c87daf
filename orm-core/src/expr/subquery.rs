//! Subqueries built without a session: `IN (SELECT ..)` and `EXISTS (..)`.

use std::marker::PhantomData;

use super::{Column, Expr, Includes, Node};
use crate::query::{Projection, SelectTree};
use crate::table::Table;

/// A `SELECT` from table `T` used inside another query. `O` is the outer
/// table it may refer to (`()` for none, see [`SubSelect::correlate`]).
///
/// ```
/// # use orm_core::*;
/// # fn f<User: Table, Post: Table>(user_id: Column<Post, i64>, id: Column<User, i64>) {
/// // users with at least one post
/// let authors: Expr<User, bool> = id.in_select(SubSelect::<Post>::new().column(user_id));
/// // the same, correlated
/// let authors: Expr<User, bool> =
///     exists(SubSelect::<Post>::new().correlate::<User>().filter(user_id.eq(id)));
/// # }
/// ```
pub struct SubSelect<T, O = ()> {
    tree: SelectTree,
    _types: PhantomData<fn() -> (T, O)>,
}

impl<T: Table> SubSelect<T> {
    /// A subquery over every row of `T`.
    pub fn new() -> Self {
        let mut tree = SelectTree::new(T::table());
        tree.qualify = true;
        SubSelect {
            tree,
            _types: PhantomData,
        }
    }

    /// Lets the subquery's filters refer to the outer query's table `U`.
    pub fn correlate<U>(self) -> SubSelect<T, U> {
        SubSelect {
            tree: self.tree,
            _types: PhantomData,
        }
    }
}

impl<T: Table> Default for SubSelect<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Table, O> SubSelect<T, O> {
    /// Keeps the rows matching `condition`, over `T` and the outer table `O`;
    /// several filters are ANDed.
    pub fn filter(mut self, condition: impl Into<Expr<(T, O), bool>>) -> Self {
        self.tree.filter =
            crate::query::and_filter(self.tree.filter.take(), condition.into().into_node());
        self
    }

    /// Selects the one column `column`, for [`Column::in_select`].
    pub fn column<V>(mut self, column: Column<T, V>) -> SubColumn<V, O> {
        self.tree.columns = Some(vec![column.node()]);
        SubColumn {
            tree: self.tree,
            _types: PhantomData,
        }
    }

    /// The tree built so far.
    pub fn tree(&self) -> &SelectTree {
        &self.tree
    }
}

/// A one-column subquery of values of type `V`, with outer table `O`.
pub struct SubColumn<V, O = ()> {
    tree: SelectTree,
    _types: PhantomData<fn() -> (V, O)>,
}

/// `EXISTS (sub)`: true when the subquery selects any row.
///
/// ```
/// # use orm_core::*;
/// # fn f<User: Table, Post: Table>(user_id: Column<Post, i64>, id: Column<User, i64>) {
/// let has_posts: Expr<User, bool> =
///     exists(SubSelect::<Post>::new().correlate::<User>().filter(user_id.eq(id)));
/// # }
/// ```
pub fn exists<S: Includes<O, I>, T, O, I>(sub: SubSelect<T, O>) -> Expr<S, bool> {
    let mut tree = sub.tree;
    tree.projection = Projection::Exists;
    Expr::from_node(Node::Exists(Box::new(tree)))
}

impl<T, V> Column<T, V> {
    /// `self IN (SELECT column FROM ..)`.
    pub fn in_select<S: Includes<T, I> + Includes<O, J>, I, O, J>(
        self,
        sub: SubColumn<V, O>,
    ) -> Expr<S, bool> {
        Expr::from_node(Node::InSelect(
            Box::new(self.node()),
            Box::new(sub.tree),
            false,
        ))
    }

    /// `self NOT IN (SELECT column FROM ..)`.
    pub fn not_in_select<S: Includes<T, I> + Includes<O, J>, I, O, J>(
        self,
        sub: SubColumn<V, O>,
    ) -> Expr<S, bool> {
        Expr::from_node(Node::InSelect(
            Box::new(self.node()),
            Box::new(sub.tree),
            true,
        ))
    }
}
