//! Source sets: the tables a query reads, and the proof that a table is one
//! of them.
//!
//! A select over `User` has the source set `User`; after
//! `.left_join::<Post>(..)` its source set is `(User, Post)`. An expression
//! built from columns does not fix its source set itself: it is inferred from
//! the query the expression is given to, and every column in it must be in
//! that set ([`Includes`]). A filter on a table the query does not read is a
//! compile error.

/// Index: the source set is the table itself.
#[derive(Debug, Clone, Copy)]
pub struct Itself;
/// Index: the expression reads no table (a literal or `COUNT(*)`).
#[derive(Debug, Clone, Copy)]
pub struct Nowhere;
/// Index: the first table of a joined source set.
#[derive(Debug, Clone, Copy)]
pub struct At0;
/// Index: the second table of a joined source set.
#[derive(Debug, Clone, Copy)]
pub struct At1;
/// Index: the third table of a joined source set.
#[derive(Debug, Clone, Copy)]
pub struct At2;
/// Index: the fourth table of a joined source set.
#[derive(Debug, Clone, Copy)]
pub struct At3;

/// Source set `Self` contains table `T`; `I` says where, so that the impls
/// for each position of a tuple do not overlap. Inferred, never written.
///
/// ```
/// use orm_core::expr::{At1, Includes};
/// struct User;
/// struct Post;
/// fn contains<S: Includes<T, I>, T, I>() {}
/// contains::<(User, Post), Post, At1>();
/// ```
#[diagnostic::on_unimplemented(
    message = "table `{T}` is not in this query: join it first",
    label = "`{T}` is not among the tables `{Self}` this query reads",
    note = "a query reads its own table and the tables joined with `.join::<T>(..)` or `.left_join::<T>(..)`"
)]
pub trait Includes<T, I> {}

impl<S> Includes<S, Itself> for S {}
impl<S> Includes<(), Nowhere> for S {}

impl<A, B> Includes<A, At0> for (A, B) {}
impl<A, B> Includes<B, At1> for (A, B) {}

impl<A, B, C> Includes<A, At0> for (A, B, C) {}
impl<A, B, C> Includes<B, At1> for (A, B, C) {}
impl<A, B, C> Includes<C, At2> for (A, B, C) {}

impl<A, B, C, D> Includes<A, At0> for (A, B, C, D) {}
impl<A, B, C, D> Includes<B, At1> for (A, B, C, D) {}
impl<A, B, C, D> Includes<C, At2> for (A, B, C, D) {}
impl<A, B, C, D> Includes<D, At3> for (A, B, C, D) {}
