//! Eager loading: parents with their children, one query per level.
//!
//! The parents are selected first (with their filters, order, limit and
//! offset); then each level's children are selected with one
//! `WHERE fk IN (..)` query for all parents of that level, split into
//! batches only when the keys exceed the backend's bind limit. Never one
//! query per parent. Parents without children are kept, with an empty list.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::marker::PhantomData;

use super::SelectTree;
use crate::error::{Error, Result};
use crate::expr::Node;
use crate::relation::{BelongsTo, KeyValue};
use crate::session::{Backend, Session};
use crate::table::Table;

/// Attaches related rows to parents of type `P`; each parent becomes an
/// [`Item`](Loader::Item). [`Leaf`] attaches nothing; [`Many`] attaches
/// children, and what its nested loader attaches to them.
pub trait Loader<P>: Send + Sync {
    /// What each parent becomes.
    type Item: Send + 'static;

    /// Loads the related rows of `parents`, keeping their order.
    fn attach<B: Backend>(
        &self,
        session: &mut Session<B>,
        parents: Vec<P>,
    ) -> impl Future<Output = Result<Vec<Self::Item>>> + Send;
}

/// The loader that loads nothing more: each row stays itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Leaf;

impl<P: Table> Loader<P> for Leaf {
    type Item = P;
    async fn attach<B: Backend>(&self, _: &mut Session<B>, parents: Vec<P>) -> Result<Vec<P>> {
        Ok(parents)
    }
}

/// Loads the `C` children of each parent (a has-many relation), then what
/// `N` loads for those children: each parent `P` becomes `(P, Vec<N::Item>)`.
///
/// ```no_run
/// # use orm_core::*;
/// # use orm_core::query::{many, Many};
/// # use orm_core::relation::BelongsTo;
/// # async fn f<B: Backend, User: Table, Post: BelongsTo<User>, Comment: BelongsTo<Post>>(s: &mut Session<B>) -> Result<()> {
/// // users, each with their posts, each post with its comments: three queries
/// let users: Vec<(User, Vec<(Post, Vec<Comment>)>)> = s
///     .select::<User>()
///     .limit(10)
///     .load(many::<Post>().with(many::<Comment>()))
///     .all()
///     .await?;
/// # Ok(()) }
/// ```
pub struct Many<C, N = Leaf> {
    nested: N,
    batch: Option<usize>,
    _child: PhantomData<fn() -> C>,
}

/// A [`Many`] loader of `C` children.
pub fn many<C: Table>() -> Many<C> {
    Many {
        nested: Leaf,
        batch: None,
        _child: PhantomData,
    }
}

impl<C, N> Many<C, N> {
    /// Loads `nested` for the children too.
    pub fn with<M>(self, nested: M) -> Many<C, M> {
        Many {
            nested,
            batch: self.batch,
            _child: PhantomData,
        }
    }

    /// Puts at most `keys` parent keys in each `IN (..)` list (never more
    /// than the backend's bind limit allows, whatever `keys` is).
    pub fn batch_size(mut self, keys: usize) -> Self {
        self.batch = Some(keys.max(1));
        self
    }
}

fn column_index(meta: &'static crate::TableMeta, name: &str) -> Result<usize> {
    meta.columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| Error::InvalidQuery {
            table: meta.name,
            reason: format!("a relation names column `{name}`, which the table does not have"),
        })
}

impl<P, C, N> Loader<P> for Many<C, N>
where
    P: Table,
    C: BelongsTo<P>,
    N: Loader<C>,
{
    type Item = (P, Vec<N::Item>);

    async fn attach<B: Backend>(
        &self,
        session: &mut Session<B>,
        parents: Vec<P>,
    ) -> Result<Vec<Self::Item>> {
        let parent_key = column_index(P::table(), C::parent_key())?;
        let child = C::table();
        let foreign_key = C::foreign_key();
        let child_key = column_index(child, foreign_key.name())?;

        // Each distinct parent key once.
        let mut seen = HashSet::new();
        let mut keys = Vec::new();
        for parent in &parents {
            let value = parent.value(parent_key);
            if KeyValue::of(value).is_some_and(|k| seen.insert(k)) {
                keys.push(Node::Value(value.to_owned()));
            }
        }

        let max = session.database().backend().dialect().max_binds();
        let batch = self.batch.unwrap_or(max).clamp(1, max.max(1));
        let mut children: Vec<C> = Vec::new();
        for chunk in keys.chunks(batch) {
            let mut tree = SelectTree::new(child);
            tree.filter = Some(Node::in_list(foreign_key.node(), chunk.to_vec(), false));
            tree.order = child
                .primary_key
                .iter()
                .map(|i| {
                    let column = Node::Column {
                        table: child.name,
                        column: child.columns[*i].name,
                    };
                    (column, false)
                })
                .collect();
            children.extend(session.run_fetch::<C, _>(&tree, false).await?);
        }

        let owners: Vec<Option<KeyValue>> = children
            .iter()
            .map(|c| KeyValue::of(c.value(child_key)))
            .collect();
        let items = self.nested.attach(session, children).await?;
        let mut groups: HashMap<KeyValue, Vec<N::Item>> = HashMap::new();
        for (owner, item) in owners.into_iter().zip(items) {
            if let Some(owner) = owner {
                groups.entry(owner).or_default().push(item);
            }
        }
        Ok(parents
            .into_iter()
            .map(|p| {
                let kids = KeyValue::of(p.value(parent_key))
                    .and_then(|k| groups.remove(&k))
                    .unwrap_or_default();
                (p, kids)
            })
            .collect())
    }
}

/// A select of `T` rows with related rows loaded by `L`; see
/// [`Select::load`](crate::Select::load).
#[must_use = "a select does nothing until `.all()` is awaited"]
pub struct Eager<'s, T, B: Backend, L> {
    pub(crate) session: &'s mut Session<B>,
    pub(crate) tree: SelectTree,
    pub(crate) loader: L,
    pub(crate) _rows: PhantomData<fn() -> T>,
}

impl<T: Table, B: Backend, L: Loader<T>> Eager<'_, T, B, L> {
    /// The selected parents with their related rows: one query for the
    /// parents, then one per level (more only past the bind limit).
    pub async fn all(self) -> Result<Vec<L::Item>> {
        let parents: Vec<T> = self.session.run_fetch(&self.tree, false).await?;
        self.loader.attach(self.session, parents).await
    }
}
