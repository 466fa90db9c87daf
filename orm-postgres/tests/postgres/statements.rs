//! Prepared statements, streams, batches and truncate.

use std::sync::Arc;

use futures_util::StreamExt;
use orm_core::Table;
use orm_core::{Backend, Connection, TruncateOptions, Value, ValueRef};
use orm_postgres::PgConnection;

use crate::common::{backend_pid, Person, TestDb};

async fn prepared_count(conn: &mut PgConnection, sql: &str) -> i64 {
    let rows: Vec<(i64,)> = conn
        .fetch_all(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
            &[ValueRef::Text(sql)],
        )
        .await
        .unwrap();
    rows[0].0
}

#[tokio::test]
async fn each_statement_is_prepared_once_per_connection_across_leases() {
    let db = TestDb::new("prepared").await;
    let pg = db.connect("max_connections=1").await;
    let sql = "SELECT $1::int8 + 1";
    let mut conn = pg.acquire().await.unwrap();
    let pid = backend_pid(&mut conn).await;
    for i in 0..3 {
        let rows: Vec<(i64,)> = conn.fetch_all(sql, &[ValueRef::I64(i)]).await.unwrap();
        assert_eq!(rows, [(i + 1,)]);
    }
    assert_eq!(conn.execute(sql, &[ValueRef::I64(0)]).await.unwrap(), 1);
    assert_eq!(prepared_count(&mut conn, sql).await, 1);
    drop(conn);

    let mut conn = pg.acquire().await.unwrap();
    assert_eq!(backend_pid(&mut conn).await, pid);
    let rows: Vec<(i64,)> = conn.fetch_all(sql, &[ValueRef::I64(9)]).await.unwrap();
    assert_eq!(rows, [(10,)]);
    assert_eq!(prepared_count(&mut conn, sql).await, 1);

    // DEALLOCATE ALL drops them on the server; the cache follows.
    conn.batch("DEALLOCATE ALL").await.unwrap();
    let rows: Vec<(i64,)> = conn.fetch_all(sql, &[ValueRef::I64(1)]).await.unwrap();
    assert_eq!(rows, [(2,)]);
}

#[tokio::test]
async fn a_stale_statement_is_prepared_again_after_its_error() {
    let db = TestDb::new("stale").await;
    let pg = db.connect("max_connections=1").await;
    let mut conn = pg.acquire().await.unwrap();
    conn.batch("CREATE TABLE s (a int8)").await.unwrap();
    let sql = "SELECT * FROM s";
    let rows: Vec<(i64,)> = conn.fetch_all(sql, &[]).await.unwrap();
    assert!(rows.is_empty());
    conn.batch("ALTER TABLE s ALTER COLUMN a TYPE text; INSERT INTO s VALUES ('x')")
        .await
        .unwrap();
    // "cached plan must not change result type"
    let err = conn.fetch_all::<(String,)>(sql, &[]).await.unwrap_err();
    assert!(
        matches!(&err, orm_core::Error::Database { code, .. } if code == "0A000"),
        "{err:?}"
    );
    let rows: Vec<(String,)> = conn.fetch_all(sql, &[]).await.unwrap();
    assert_eq!(rows, [("x".to_string(),)]);
}

#[tokio::test]
async fn streams_decode_rows_as_they_arrive() {
    let db = TestDb::new("stream").await;
    let pg = db.connect("max_connections=1").await;
    let mut conn = pg.acquire().await.unwrap();
    let sql: Arc<str> =
        Arc::from("SELECT x::int8, 'row ' || x FROM generate_series(1, $1::int4) AS x");
    {
        let rows = conn.fetch_stream::<(i64, String)>(sql.clone(), vec![Value::I32(1000)]);
        let all: Vec<(i64, String)> = rows.map(Result::unwrap).collect().await;
        assert_eq!(all.len(), 1000);
        assert_eq!(all[999], (1000, "row 1000".to_string()));
    }
    {
        // Stop after three rows; the rest is drained by the connection.
        let mut rows = conn.fetch_stream::<(i64, String)>(sql.clone(), vec![Value::I32(100_000)]);
        for i in 1..=3 {
            assert_eq!(rows.next().await.unwrap().unwrap().0, i);
        }
    }
    assert_eq!(conn.execute("SELECT 1", &[]).await.unwrap(), 1);
    {
        // Errors come through the stream: a bad bind, then a bad decode.
        let mut rows = conn.fetch_stream::<(i64, String)>(sql.clone(), vec![Value::I64(1)]);
        let err = rows.next().await.unwrap().unwrap_err();
        assert!(
            matches!(&err, orm_core::Error::InvalidBind { parameter: 1, .. }),
            "{err:?}"
        );
        assert!(rows.next().await.is_none());
        drop(rows);
        let mut rows = conn.fetch_stream::<(String,)>(sql.clone(), vec![Value::I32(2)]);
        let err = rows.next().await.unwrap().unwrap_err();
        assert!(matches!(&err, orm_core::Error::Decode { .. }), "{err:?}");
        assert!(rows.next().await.is_none());
    }
    assert_eq!(conn.execute("SELECT 1", &[]).await.unwrap(), 1);
    drop(conn);
    // The connection went back to the pool and is usable.
    let mut conn = pg.acquire().await.unwrap();
    assert_eq!(conn.execute("SELECT 1", &[]).await.unwrap(), 1);
}

#[tokio::test]
async fn truncate_restarts_identity_and_cascades() {
    let db = TestDb::new("truncate").await;
    let pg = db.connect("").await;
    let mut conn = pg.acquire().await.unwrap();
    for sql in orm_core::sql::ddl::create_table(&orm_postgres::PgDialect, Person::table(), false) {
        conn.batch(&sql).await.unwrap();
    }
    conn.batch(
        "CREATE TABLE notes (person_id int8 REFERENCES people (id));
         INSERT INTO people (name) VALUES ('a'), ('b');
         INSERT INTO notes VALUES (1)",
    )
    .await
    .unwrap();
    let plain = TruncateOptions {
        cascade: false,
        restart_identity: true,
    };
    let err = conn.truncate(Person::table(), plain).await.unwrap_err();
    assert!(
        matches!(&err, orm_core::Error::Database { code, .. } if code == "0A000"),
        "{err:?}"
    );
    conn.truncate(
        Person::table(),
        TruncateOptions {
            cascade: true,
            restart_identity: true,
        },
    )
    .await
    .unwrap();
    let rows: Vec<(i64, i64)> = conn
        .fetch_all(
            "SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM notes)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows, [(0, 0)]);
    let ids: Vec<(i64,)> = conn
        .fetch_all("INSERT INTO people (name) VALUES ('c') RETURNING id", &[])
        .await
        .unwrap();
    assert_eq!(ids, [(1,)]);

    conn.truncate(
        Person::table(),
        TruncateOptions {
            cascade: true,
            restart_identity: false,
        },
    )
    .await
    .unwrap();
    let ids: Vec<(i64,)> = conn
        .fetch_all("INSERT INTO people (name) VALUES ('d') RETURNING id", &[])
        .await
        .unwrap();
    assert_eq!(ids, [(2,)]);
}
