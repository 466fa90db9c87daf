//! Constraint failures are classified, with the table and column SQLite names.

mod common;

use common::memory;
use orm_core::{Backend, Connection, Error, ValueRef};
use orm_sqlite::SqliteConn;

async fn setup() -> (orm_sqlite::Sqlite, SqliteConn) {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(
        "CREATE TABLE users (\
            id INTEGER PRIMARY KEY AUTOINCREMENT, \
            name TEXT NOT NULL, \
            email TEXT NOT NULL, \
            karma INTEGER NOT NULL DEFAULT 0 CONSTRAINT karma_positive CHECK (karma >= 0), \
            CONSTRAINT users_name_key UNIQUE (name)); \
         CREATE TABLE posts (\
            id INTEGER PRIMARY KEY, \
            user_id INTEGER NOT NULL REFERENCES users (id)); \
         INSERT INTO users (name, email) VALUES ('ann', 'ann@example.com')",
    )
    .await
    .unwrap();
    (db, conn)
}

async fn insert_user(conn: &mut SqliteConn, binds: &[ValueRef<'_>]) -> orm_core::Result<u64> {
    conn.execute(
        "INSERT INTO users (id, name, email, karma) VALUES (?, ?, ?, ?)",
        binds,
    )
    .await
}

#[tokio::test]
async fn unique_names_table_and_column() {
    let (_db, mut conn) = setup().await;
    let err = insert_user(
        &mut conn,
        &[
            ValueRef::Null(orm_core::SqlType::I64),
            ValueRef::Text("ann"),
            ValueRef::Text("other@example.com"),
            ValueRef::I32(0),
        ],
    )
    .await
    .unwrap_err();
    let Error::UniqueViolation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.table.as_deref(), Some("users"));
    assert_eq!(v.column.as_deref(), Some("name"));
    assert_eq!(v.message, "UNIQUE constraint failed: users.name");
    assert_eq!(err.violation(), Some(v));
}

#[tokio::test]
async fn a_duplicate_primary_key_is_a_unique_violation() {
    let (_db, mut conn) = setup().await;
    let err = insert_user(
        &mut conn,
        &[
            ValueRef::I64(1),
            ValueRef::Text("bob"),
            ValueRef::Text("bob@example.com"),
            ValueRef::I32(0),
        ],
    )
    .await
    .unwrap_err();
    let Error::UniqueViolation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.table.as_deref(), Some("users"));
    assert_eq!(v.column.as_deref(), Some("id"));
}

#[tokio::test]
async fn null_into_not_null_names_table_and_column() {
    let (_db, mut conn) = setup().await;
    let err = insert_user(
        &mut conn,
        &[
            ValueRef::Null(orm_core::SqlType::I64),
            ValueRef::Text("bob"),
            ValueRef::Null(orm_core::SqlType::Text),
            ValueRef::I32(0),
        ],
    )
    .await
    .unwrap_err();
    let Error::NotNullViolation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.table.as_deref(), Some("users"));
    assert_eq!(v.column.as_deref(), Some("email"));
}

#[tokio::test]
async fn check_names_the_constraint() {
    let (_db, mut conn) = setup().await;
    let err = insert_user(
        &mut conn,
        &[
            ValueRef::Null(orm_core::SqlType::I64),
            ValueRef::Text("bob"),
            ValueRef::Text("bob@example.com"),
            ValueRef::I32(-1),
        ],
    )
    .await
    .unwrap_err();
    let Error::CheckViolation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.constraint.as_deref(), Some("karma_positive"));
}

#[tokio::test]
async fn a_dangling_reference_is_a_foreign_key_violation() {
    let (_db, mut conn) = setup().await;
    let err = conn
        .execute(
            "INSERT INTO posts (user_id) VALUES (?)",
            &[ValueRef::I64(99)],
        )
        .await
        .unwrap_err();
    let Error::ForeignKeyViolation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.message, "FOREIGN KEY constraint failed");
}

#[tokio::test]
async fn a_second_writer_is_busy_after_the_busy_timeout() {
    let file = common::TempDb::new();
    let db = common::connect(&file.url()).await.unwrap();
    let mut a = db.acquire().await.unwrap();
    let mut b = db.acquire().await.unwrap();
    a.batch("CREATE TABLE t (x INTEGER)").await.unwrap();
    a.batch("BEGIN IMMEDIATE").await.unwrap();
    b.batch("PRAGMA busy_timeout = 50").await.unwrap();
    let err = b.batch("BEGIN IMMEDIATE").await.unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    a.batch("ROLLBACK").await.unwrap();
    drop((a, b));
    db.close().await;
}
