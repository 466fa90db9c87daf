//! Transactions that stay correct under every fault: savepoints, isolation,
//! retry, two-phase commit, and the fault tests — dropped futures, killed
//! backends, a cut or stalled network, an exhausted pool, locked files — on
//! PostgreSQL and, where it applies, SQLite. After each fault the test checks
//! that nothing uncommitted is visible, that no pooled connection is inside a
//! transaction, that the pool stays within its bounds and that the error was
//! typed ([`support::assert_clean`]).
//!
//! One test binary for all of them, so they build once.

// The shared fixtures (tests/common) include deeply nested async seeding.
#![recursion_limit = "256"]

#[path = "../common/mod.rs"]
#[macro_use]
mod common;
// First: its `faults!` macro is used by the modules after it.
#[macro_use]
mod support;

mod autocommit;
mod bank;
mod cancel;
mod cluster;
mod connection;
mod errors;
mod escape;
mod isolation;
mod models;
mod pool;
mod proxy;
mod retry;
mod savepoints;
mod sqlite_locking;
mod two_phase;
