//! orm-postgres against a real PostgreSQL server.
//!
//! The server comes from `ORM_TEST_PG_URL`, else
//! `postgres://postgres@127.0.0.1:5432/test`; with neither reachable the
//! tests fail and say how to get one. Each test works in a schema of its own.

mod common;

mod begin;
mod binds;
mod decode;
mod dialect;
mod errors;
mod lifecycle;
mod session;
mod statements;
