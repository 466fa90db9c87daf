//! Query builders: select (with joins, shapes and eager loading), insert,
//! update, delete and truncate.
//!
//! Each builder borrows a [`Session`](crate::Session), collects a tree, and
//! runs it when a terminal method (`all`, `execute`, ...) is awaited.

mod builder;
mod copy_out;
mod cursor;
mod decode;
mod delete;
mod describe;
mod eager;
mod insert;
mod join;
mod raw;
mod rows;
mod scope;
mod select;
mod shape;
mod tree;
mod truncate;
mod update;

pub use cursor::{Cursor, Direction};
pub use decode::{JoinRow, Part, Shifted};
pub use delete::Delete;
pub use describe::ResultColumn;
pub use eager::{many, Eager, Leaf, Loader, Many};
pub use insert::{Insert, InsertTree, Returning};
pub use join::JoinSelect;
pub use raw::{Raw, RawStatement};
pub(crate) use rows::{DeleteRowTree, KeyLookup, UpdateRowTree};
pub use scope::{AllRows, Filtered, Scope, Unfiltered};
pub use select::Select;
pub use shape::{Columns, Selectable, Shaped};
pub use tree::{Join, JoinKind, Projection, SelectTree};
pub use truncate::Truncate;
pub use update::Update;

use crate::expr::Node;

/// ANDs a new filter onto an existing one.
pub(crate) fn and_filter(existing: Option<Node>, new: Node) -> Option<Node> {
    Some(match existing {
        None => new,
        Some(old) => Node::binary(crate::expr::BinOp::And, old, new),
    })
}
