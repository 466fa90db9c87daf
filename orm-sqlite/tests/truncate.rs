//! TRUNCATE emulated with DELETE: identity restart, cascade, refusal.

mod common;

use common::{memory, table};
use orm_core::{Backend, Connection, Error, TruncateOptions, ValueRef};
use orm_sqlite::SqliteConn;

const RESTART: TruncateOptions = TruncateOptions {
    cascade: false,
    restart_identity: true,
};
const CASCADE: TruncateOptions = TruncateOptions {
    cascade: true,
    restart_identity: true,
};

async fn count(conn: &mut SqliteConn, table: &str) -> i64 {
    let rows: Vec<(i64,)> = conn
        .fetch_all(&format!("SELECT count(*) FROM \"{table}\""), &[])
        .await
        .unwrap();
    rows[0].0
}

async fn insert_returning_id(conn: &mut SqliteConn, sql: &str, binds: &[ValueRef<'_>]) -> i64 {
    let rows: Vec<(i64,)> = conn.fetch_all(sql, binds).await.unwrap();
    rows[0].0
}

#[tokio::test]
async fn restart_identity_resets_autoincrement() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT); \
         INSERT INTO items (name) VALUES ('a'), ('b'), ('c')",
    )
    .await
    .unwrap();
    conn.truncate(table("items"), RESTART).await.unwrap();
    assert_eq!(count(&mut conn, "items").await, 0);
    let id = insert_returning_id(
        &mut conn,
        "INSERT INTO items (name) VALUES (?) RETURNING id",
        &[ValueRef::Text("d")],
    )
    .await;
    assert_eq!(id, 1);
}

#[tokio::test]
async fn continue_identity_keeps_the_counter() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT); \
         INSERT INTO items (name) VALUES ('a'), ('b')",
    )
    .await
    .unwrap();
    let keep = TruncateOptions {
        cascade: false,
        restart_identity: false,
    };
    conn.truncate(table("items"), keep).await.unwrap();
    let id = insert_returning_id(
        &mut conn,
        "INSERT INTO items (name) VALUES ('c') RETURNING id",
        &[],
    )
    .await;
    assert_eq!(id, 3);
}

#[tokio::test]
async fn restart_identity_without_any_autoincrement_table() {
    // sqlite_sequence does not exist yet.
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(
        "CREATE TABLE plain (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO plain (v) VALUES ('x')",
    )
    .await
    .unwrap();
    conn.truncate(table("plain"), CASCADE).await.unwrap();
    assert_eq!(count(&mut conn, "plain").await, 0);
}

const FAMILY: &str = "\
    CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT); \
    CREATE TABLE child (id INTEGER PRIMARY KEY AUTOINCREMENT, \
        parent_id INTEGER NOT NULL REFERENCES parent (id)); \
    CREATE TABLE grandchild (id INTEGER PRIMARY KEY AUTOINCREMENT, \
        child_id INTEGER NOT NULL REFERENCES child (id), \
        parent_id INTEGER REFERENCES parent (id)); \
    CREATE TABLE bystander (id INTEGER PRIMARY KEY AUTOINCREMENT); \
    INSERT INTO parent (name) VALUES ('p1'), ('p2'); \
    INSERT INTO child (parent_id) VALUES (1), (2), (2); \
    INSERT INTO grandchild (child_id, parent_id) VALUES (1, 1), (3, NULL); \
    INSERT INTO bystander DEFAULT VALUES";

#[tokio::test]
async fn without_cascade_a_referenced_table_fails() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(FAMILY).await.unwrap();
    let err = conn.truncate(table("parent"), RESTART).await.unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation(_)), "{err:?}");
    assert_eq!(count(&mut conn, "parent").await, 2);
    // A table nobody references empties fine.
    conn.truncate(table("grandchild"), RESTART).await.unwrap();
    assert_eq!(count(&mut conn, "grandchild").await, 0);
}

#[tokio::test]
async fn cascade_empties_children_and_grandchildren_first() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(FAMILY).await.unwrap();
    conn.truncate(table("parent"), CASCADE).await.unwrap();
    for t in ["parent", "child", "grandchild"] {
        assert_eq!(count(&mut conn, t).await, 0, "{t}");
    }
    assert_eq!(count(&mut conn, "bystander").await, 1);
    // Every emptied table's counter restarted; the bystander's did not.
    let seqs: Vec<(String, i64)> = conn
        .fetch_all("SELECT name, seq FROM sqlite_sequence ORDER BY name", &[])
        .await
        .unwrap();
    assert_eq!(seqs, vec![("bystander".to_string(), 1)]);
    let id = insert_returning_id(
        &mut conn,
        "INSERT INTO parent (name) VALUES ('again') RETURNING id",
        &[],
    )
    .await;
    assert_eq!(id, 1);
}

#[tokio::test]
async fn cascade_from_the_middle_leaves_parents_alone() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(FAMILY).await.unwrap();
    conn.truncate(table("child"), CASCADE).await.unwrap();
    assert_eq!(count(&mut conn, "child").await, 0);
    assert_eq!(count(&mut conn, "grandchild").await, 0);
    assert_eq!(count(&mut conn, "parent").await, 2);
}

#[tokio::test]
async fn cascade_handles_self_references_and_cycles() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id), \
             up INTEGER REFERENCES a (id)); \
         CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id)); \
         INSERT INTO a (id, b_id, up) VALUES (1, NULL, NULL), (2, NULL, 1); \
         INSERT INTO b (id, a_id) VALUES (1, 2); \
         UPDATE a SET b_id = 1 WHERE id = 1",
    )
    .await
    .unwrap();
    conn.batch("BEGIN").await.unwrap();
    conn.truncate(table("a"), CASCADE).await.unwrap();
    assert_eq!(count(&mut conn, "a").await, 0);
    assert_eq!(count(&mut conn, "b").await, 0);
    // Checks are immediate again afterwards.
    let (deferred,): (i64,) = conn
        .fetch_all("PRAGMA defer_foreign_keys", &[])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(deferred, 0);
    let err = conn
        .execute("INSERT INTO b (id, a_id) VALUES (5, 99)", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation(_)), "{err:?}");
    conn.batch("COMMIT").await.unwrap();
    assert_eq!(count(&mut conn, "a").await, 0);
}

#[tokio::test]
async fn truncate_runs_inside_the_transaction() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(FAMILY).await.unwrap();
    conn.batch("BEGIN").await.unwrap();
    conn.truncate(table("parent"), CASCADE).await.unwrap();
    conn.batch("ROLLBACK").await.unwrap();
    assert_eq!(count(&mut conn, "parent").await, 2);
    assert_eq!(count(&mut conn, "grandchild").await, 2);
}

#[tokio::test]
async fn quoted_names_are_escaped() {
    let db = memory().await;
    let mut conn = db.acquire().await.unwrap();
    conn.batch(r#"CREATE TABLE "odd ""name""" (x INTEGER); INSERT INTO "odd ""name""" VALUES (1)"#)
        .await
        .unwrap();
    conn.truncate(table(r#"odd "name""#), CASCADE)
        .await
        .unwrap();
    let rows: Vec<(i64,)> = conn
        .fetch_all(r#"SELECT count(*) FROM "odd ""name""""#, &[])
        .await
        .unwrap();
    assert_eq!(rows, vec![(0,)]);
}
