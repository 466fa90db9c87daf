//! One module per library under test.

pub mod diesel_pg;
pub mod orm;
pub mod pg_raw;
pub mod seaorm;
pub mod sqlite;
pub mod sqlx_pg;
