//! The dialect-neutral core of [orm](https://docs.rs/orm): models, values,
//! typed expressions, query trees, the [`Dialect`] that compiles them, the
//! [`Backend`] contract that drivers fulfil, and the [`Session`] state
//! machine. It knows no driver and no runtime.
//!
//! Applications use the `orm` crate, which re-exports this one with
//! `#[derive(Table)]` and the PostgreSQL and SQLite backends.
//!
//! # Behavior
//!
//! A [`Session`] holds at most one pooled connection and one transaction.
//! Whatever happens to it, no connection goes back to the pool inside a
//! transaction: a session dropped while its transaction is open is rolled
//! back by its backend before the connection is reused (or the connection is
//! closed). A write whose future is dropped before it finished leaves the
//! session [`SessionState::Failed`]: its outcome is unknown, so the
//! transaction can only be rolled back, never committed. A statement that
//! fails leaves the session `Failed` likewise; `commit` then rolls back and
//! reports it.

#![warn(missing_docs, rust_2018_idioms)]
#![forbid(unsafe_code)]

pub mod blobs;
pub mod constraint;
#[cfg(feature = "documents")]
pub mod documents;
pub mod error;
pub mod expr;
pub mod inspect;
pub mod query;
pub mod relation;
pub mod row;
pub mod session;
pub mod sql;
pub mod table;
pub mod types;
pub mod value;

pub use error::{Error, Result, Violation};
pub use expr::{
    avg, count, count_all, count_distinct, exists, max, min, sum, BinOp, Column, Expr, Includes,
    IntoExpr, Node, Order, SubSelect,
};
pub use query::{
    many, Delete, Eager, Insert, JoinSelect, Many, Raw, Select, Shaped, Truncate, Update,
};
pub use relation::{BelongsTo, HasMany};
pub use row::{FromRow, Row};
pub use session::{
    Backend, ConnectOptions, Connection, Database, PoolStatus, Scheme, Session, SessionState,
    TruncateOptions, TxStatus,
};
pub use sql::Dialect;
pub use table::{
    CheckMeta, ColumnMeta, DefaultValue, ForeignKeyMeta, IndexMeta, ReferentialAction, Table,
    TableMeta, UniqueMeta,
};
pub use types::{NotNull, Numeric, SqlValue, Text};
pub use value::{SqlType, Value, ValueRef};
