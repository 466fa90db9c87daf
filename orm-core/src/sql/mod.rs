//! From query trees to SQL text plus binds.
//!
//! A query renders itself as a stream of tokens into a [`Sink`]: static SQL
//! fragments, quoted identifiers and bound values. Two sinks consume that
//! stream: [`SqlWriter`] writes the dialect's text, and the shape key written
//! by [`compile`] records the same tokens compactly so that a query of a shape
//! already seen reuses its cached SQL without writing it again. Both walk the
//! same tokens in the same order, so binds always line up with placeholders.

mod binds;
mod cache;
pub mod ddl;
mod dialect;
mod hash;
mod order;
mod render;
mod storage;
pub mod type_ddl;
mod writer;

pub use binds::Binds;
pub use cache::{compile, Compiled, SqlCache};
pub use dialect::Dialect;
pub use hash::{FastHash, FxHasher};
pub use render::{
    render_condition_in, render_node, render_node_in, render_where, render_where_in, Render,
};
pub use storage::{BlobStorage, DocumentStorage};
pub use writer::{Sink, SqlWriter};

#[cfg(test)]
mod ddl_tests;
#[cfg(test)]
mod tests;
