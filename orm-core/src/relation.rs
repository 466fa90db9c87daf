//! Declared relations between models: belongs-to and has-many.
//!
//! A child model declares the parent it belongs to by naming its foreign-key
//! column; the parent's has-many side follows from it. Until the derive
//! generates these impls from `#[column(references = ..)]`, write them by
//! hand:
//!
//! ```
//! # use orm_core::*;
//! # struct User { id: i64 }
//! # struct Post { id: i64, user_id: i64 }
//! # macro_rules! model { ($t:ident, $n:literal) => {
//! #   impl FromRow for $t { fn from_row<R: Row + ?Sized>(_: &R) -> Result<Self> { unimplemented!() } }
//! #   impl Table for $t {
//! #     fn table() -> &'static TableMeta { unimplemented!() }
//! #     fn value(&self, _: usize) -> ValueRef<'_> { ValueRef::I64(self.id) }
//! #     fn has_key(&self) -> bool { true }
//! #     fn set_generated_key(&mut self, _: i64) -> Result<()> { Ok(()) }
//! #   } } }
//! # model!(User, "users"); model!(Post, "posts");
//! use orm_core::relation::BelongsTo;
//!
//! impl BelongsTo<User> for Post {
//!     type Key = i64;
//!     fn foreign_key() -> Column<Post, i64> {
//!         Column::new("posts", "user_id")
//!     }
//! }
//! // and so `User: HasMany<Post>`
//! ```

use crate::expr::{Column, Expr, Includes, Node};
use crate::table::Table;
use crate::types::SqlValue;
use crate::value::ValueRef;

/// `Self` (the child) belongs to `P` (the parent): its column
/// [`foreign_key`](BelongsTo::foreign_key) holds the value of the parent's
/// [`parent_key`](BelongsTo::parent_key) column (by default its primary key).
pub trait BelongsTo<P: Table>: Table {
    /// The foreign key's Rust type (`i64`, or `Option<i64>` when optional).
    type Key: SqlValue;

    /// The child's column referring to the parent.
    fn foreign_key() -> Column<Self, Self::Key>;

    /// The name of the parent's column referred to; by default the first
    /// column of the parent's primary key.
    fn parent_key() -> &'static str {
        let meta = P::table();
        meta.primary_key
            .first()
            .and_then(|i| meta.columns.get(*i))
            .map_or("id", |c| c.name)
    }

    /// The join condition `child.foreign_key = parent.parent_key`, for
    /// `.join::<Post>(<Post as BelongsTo<User>>::on())`.
    fn on<S: Includes<Self, I> + Includes<P, J>, I, J>() -> Expr<S, bool> {
        let parent = P::table();
        let key = parent
            .columns
            .iter()
            .find(|c| c.name == Self::parent_key())
            .map_or("id", |c| c.name);
        Expr::from_node(Node::binary(
            crate::expr::BinOp::Eq,
            Self::foreign_key().node(),
            Node::Column {
                table: parent.name,
                column: key,
            },
        ))
    }
}

/// `Self` (the parent) has many `C`: implemented for every `P` that a `C`
/// [belongs to](BelongsTo). Eager loading with
/// [`Select::load_many`](crate::Select::load_many) asks for it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no declared relation to `{C}`",
    label = "declare it with `impl BelongsTo<{Self}> for {C}`"
)]
pub trait HasMany<C: Table>: Table {}

impl<P: Table, C: BelongsTo<P>> HasMany<C> for P {}

/// A key value that can be hashed and compared, to match children with
/// parents: integers of every width compare equal by value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum KeyValue {
    Bool(bool),
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Other(String),
}

impl KeyValue {
    /// The key of `value`; `None` for NULL, which matches nothing.
    pub(crate) fn of(value: ValueRef<'_>) -> Option<KeyValue> {
        Some(match value {
            ValueRef::Null(_) => return None,
            ValueRef::Bool(v) => KeyValue::Bool(v),
            ValueRef::I16(v) => KeyValue::Int(v.into()),
            ValueRef::I32(v) => KeyValue::Int(v.into()),
            ValueRef::I64(v) => KeyValue::Int(v),
            ValueRef::Text(v) => KeyValue::Text(v.to_owned()),
            ValueRef::Bytes(v) => KeyValue::Bytes(v.to_vec()),
            other => KeyValue::Other(format!("{other:?}")),
        })
    }
}
