//! Errors classified: constraint violations, retryable failures, connect errors.

use std::time::Duration;

use orm_core::{Backend, ConnectOptions, Connection, Error, ValueRef, Violation};
use orm_postgres::Postgres;

use crate::common::{base_url, TestDb};

async fn violations_schema(conn: &mut orm_postgres::PgConnection) {
    conn.batch(
        "CREATE TABLE parent (id int8 PRIMARY KEY);
         CREATE TABLE child (
             id int8 PRIMARY KEY,
             parent_id int8 NOT NULL CONSTRAINT child_parent_fk REFERENCES parent (id),
             name text CONSTRAINT child_name_key UNIQUE,
             qty int4 CONSTRAINT child_qty_positive CHECK (qty > 0));
         INSERT INTO parent VALUES (1);
         INSERT INTO child VALUES (1, 1, 'a', 1);",
    )
    .await
    .unwrap();
}

const INSERT: &str = "INSERT INTO child (id, parent_id, name, qty) VALUES ($1, $2, $3, $4)";

#[tokio::test]
async fn constraint_violations_carry_table_column_and_constraint() {
    let db = TestDb::new("errors_violations").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    violations_schema(&mut conn).await;

    let unique = conn
        .execute(
            INSERT,
            &[
                ValueRef::I64(2),
                ValueRef::I64(1),
                ValueRef::Text("a"),
                ValueRef::I32(1),
            ],
        )
        .await
        .unwrap_err();
    match unique {
        Error::UniqueViolation(Violation {
            table,
            constraint,
            message,
            ..
        }) => {
            assert_eq!(table.as_deref(), Some("child"));
            assert_eq!(constraint.as_deref(), Some("child_name_key"));
            assert!(message.contains("child_name_key"), "{message}");
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }

    let not_null = conn
        .execute(
            INSERT,
            &[
                ValueRef::I64(3),
                ValueRef::Null(orm_core::SqlType::I64),
                ValueRef::Text("c"),
                ValueRef::I32(1),
            ],
        )
        .await
        .unwrap_err();
    match not_null {
        Error::NotNullViolation(v) => {
            assert_eq!(v.table.as_deref(), Some("child"));
            assert_eq!(v.column.as_deref(), Some("parent_id"));
        }
        other => panic!("expected a not-null violation, got {other:?}"),
    }

    let foreign_key = conn
        .execute(
            INSERT,
            &[
                ValueRef::I64(4),
                ValueRef::I64(99),
                ValueRef::Text("d"),
                ValueRef::I32(1),
            ],
        )
        .await
        .unwrap_err();
    match foreign_key {
        Error::ForeignKeyViolation(v) => {
            assert_eq!(v.table.as_deref(), Some("child"));
            assert_eq!(v.constraint.as_deref(), Some("child_parent_fk"));
        }
        other => panic!("expected a foreign key violation, got {other:?}"),
    }

    let check = conn
        .execute(
            INSERT,
            &[
                ValueRef::I64(5),
                ValueRef::I64(1),
                ValueRef::Text("e"),
                ValueRef::I32(0),
            ],
        )
        .await
        .unwrap_err();
    match check {
        Error::CheckViolation(v) => {
            assert_eq!(v.table.as_deref(), Some("child"));
            assert_eq!(v.constraint.as_deref(), Some("child_qty_positive"));
        }
        other => panic!("expected a check violation, got {other:?}"),
    }

    // Deleting a referenced row is a foreign key violation too.
    let err = conn
        .execute("DELETE FROM parent WHERE id = $1", &[ValueRef::I64(1)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation(_)), "{err:?}");
    // None of this broke the connection.
    assert_eq!(
        conn.fetch_all::<(i64,)>("SELECT count(*) FROM child", &[])
            .await
            .unwrap(),
        [(1,)]
    );
}

#[tokio::test]
async fn retryable_failures_and_other_sqlstates() {
    let db = TestDb::new("errors_retryable").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    let raise = |code: &str| {
        format!("DO $$ BEGIN RAISE EXCEPTION 'raised {code}' USING ERRCODE = '{code}'; END $$")
    };
    let err = conn.batch(&raise("40001")).await.unwrap_err();
    assert!(
        matches!(&err, Error::SerializationFailure { message } if message == "raised 40001"),
        "{err:?}"
    );
    assert!(err.is_retryable());
    let err = conn.batch(&raise("40P01")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Deadlock { message } if message == "raised 40P01"),
        "{err:?}"
    );
    assert!(err.is_retryable());

    let err = conn.execute("SELEC 1", &[]).await.unwrap_err();
    match err {
        Error::Database {
            code,
            message,
            source,
        } => {
            assert_eq!(code, "42601");
            assert!(message.contains("syntax error"), "{message}");
            assert!(source.is_some());
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    let err = conn
        .fetch_all::<(i64,)>("SELECT * FROM no_such_table", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Database { code, .. } if code == "42P01"),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_urls_are_invalid_urls() {
    for (url, needle) in [
        ("postgres://u:secret@localhost:notaport/db", "port"),
        ("postgres://u@localhost", "no database name"),
        ("postgres:///db", "no host"),
    ] {
        let options = ConnectOptions::parse(url).unwrap();
        match Postgres::connect(&options).await {
            Err(Error::InvalidUrl { url, reason }) => {
                assert!(reason.contains(needle), "{reason}");
                assert!(!url.contains("secret"), "{url}");
            }
            other => panic!("expected InvalidUrl for {url}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_closed_port_is_a_lost_connection() {
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = ConnectOptions::parse(&format!(
        "postgres://postgres@127.0.0.1:{port}/test?acquire_timeout=5s"
    ))
    .unwrap();
    let err = Postgres::connect(&options).await.unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
}

#[tokio::test]
async fn a_missing_database_is_the_servers_error() {
    // Keep the server's address and user, name a database that is not there.
    let base = base_url();
    let options = ConnectOptions::parse(&base).unwrap();
    let (path, query) = match options.url.split_once('?') {
        Some((path, query)) => (path, format!("?{query}")),
        None => (options.url.as_str(), String::new()),
    };
    let (head, _) = path.rsplit_once('/').unwrap();
    let options =
        ConnectOptions::parse(&format!("{head}/orm_no_such_database_here{query}")).unwrap();
    let started = std::time::Instant::now();
    let err = Postgres::connect(&options).await.unwrap_err();
    assert!(
        matches!(&err, Error::Database { code, .. } if code == "3D000"),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}
