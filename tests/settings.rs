//! Settings read and changed from a session, on both backends, and a
//! search_path per Database on PostgreSQL. Every test runs on a pool of one
//! connection, so the next session sees whatever the last one left behind.
#![recursion_limit = "256"]

mod common;

use common::{Kind, TestDb};
use orm::prelude::*;
use orm::{Backend, Connection, Record, SettingScope};

/// A setting each backend has, a value that is not its default, and how
/// the database reports that value back.
fn knob(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Postgres => ("statement_timeout", "5s"),
        Kind::Sqlite => ("cache_size", "-4321"),
    }
}

both!(params = "pool_size=1", async fn a_setting_lasts_until_the_transaction_ends(db, kind) {
    let (name, value) = knob(kind);
    let mut s = db.session();
    let before = s.setting(name).await?;
    assert_ne!(before, value);
    s.set_setting(name, value).await?;
    assert_eq!(s.setting(name).await?, value);
    s.commit().await?;
    // The same (only) connection, in a new transaction.
    assert_eq!(s.setting(name).await?, before);
    s.rollback().await?;
    Ok(())
});

both!(params = "pool_size=1", async fn a_connection_scope_setting_does_not_leak_into_the_next_lease(db, kind) {
    let (name, value) = knob(kind);
    let before = db.session().setting(name).await?;
    let mut conn = db.backend().acquire().await?;
    conn.set_setting(name, value, SettingScope::Connection).await?;
    assert_eq!(conn.setting(name).await?, value);
    drop(conn);
    // The pool's only connection, reset before it went back.
    let mut s = db.session();
    assert_eq!(s.setting(name).await?, before);
    s.rollback().await?;
    Ok(())
});

both!(params = "pool_size=1", async fn a_session_level_set_in_raw_sql_does_not_leak_into_the_next_session(db, kind) {
    // SQLite has no SET: its raw-SQL equivalent is a pragma.
    let (name, value, statements) = match kind {
        Kind::Postgres => ("application_name", "leaky", [
            "SET application_name = 'leaky'",
            "SELECT 1; SET application_name = 'leaky'",
            "select 1;\n  set session application_name to 'leaky'",
        ]),
        Kind::Sqlite => ("cache_size", "-4321", [
            "PRAGMA cache_size = -4321",
            "SELECT 1; PRAGMA main.cache_size=-4321",
            "pragma cache_size(-4321)",
        ]),
    };
    for sql in statements {
        let before = db.session().setting(name).await?;
        assert_ne!(before, value);
        let mut s = db.session();
        s.batch(sql).await?;
        assert_eq!(s.setting(name).await?, value, "{sql}");
        s.commit().await?;
        assert_eq!(db.session().setting(name).await?, before, "{sql} leaked");
    }
    // Through a raw statement's row stream too, twice: the second run takes
    // the statement prepared by the first (PostgreSQL notes what a statement
    // may change when it prepares it) and must be cleaned up all the same.
    for run in 1..=2 {
        let before = db.session().setting(name).await?;
        let mut s = db.session();
        let sql = statements[0];
        let rows: Vec<Record> = s.raw(sql).fetch_stream().try_collect().await?;
        assert!(rows.len() <= 1, "{rows:?}");
        assert_eq!(s.setting(name).await?, value, "{sql}");
        s.commit().await?;
        assert_eq!(db.session().setting(name).await?, before, "{sql} leaked from a stream, run {run}");
    }
    Ok(())
});

both!(params = "pool_size=1", async fn a_pragma_that_reads_the_schema_is_not_taken_for_a_setting(db, kind) {
    if kind == Kind::Postgres {
        return Ok(()); // pragmas are SQLite's
    }
    let mut s = db.session();
    s.batch("CREATE TABLE t (a INTEGER, b TEXT); CREATE TEMP TABLE marker (x INTEGER)").await?;
    s.commit().await?;
    let columns: Vec<Record> = s.raw("PRAGMA table_info(t)").fetch_all().await?;
    let names: Vec<String> = columns.iter().map(|c| c.get("name")).collect::<Result<_>>()?;
    assert_eq!(names, ["a", "b"]);
    s.commit().await?;
    // The same connection, kept: its temporary table is still there.
    let (n,): (i64,) = s.raw("SELECT count(*) FROM temp.marker").fetch_one().await?;
    assert_eq!(n, 0);
    s.rollback().await?;
    Ok(())
});

both!(async fn setting_values_are_bound_or_refused_never_spliced(db, kind) {
    let mut s = db.session();
    let hostile = "x'; DROP TABLE users; --";
    match kind {
        Kind::Postgres => {
            s.set_setting("application_name", hostile).await?;
            assert_eq!(s.setting("application_name").await?, hostile);
        }
        Kind::Sqlite => {
            let err = s.set_setting("cache_size", hostile).await.unwrap_err();
            assert!(matches!(&err, Error::InvalidSetting { name, .. } if name == "cache_size"), "{err:?}");
            let err = s.set_setting("cache_size\"; DROP", "1").await.unwrap_err();
            assert!(matches!(&err, Error::InvalidSetting { .. }), "{err:?}");
        }
    }
    Ok(())
});

both!(async fn reset_puts_a_setting_back_to_its_default_or_is_unsupported(db, kind) {
    let mut s = db.session();
    match kind {
        Kind::Postgres => {
            let default = s.setting("work_mem").await?;
            s.set_setting("work_mem", "7MB").await?;
            assert_eq!(s.setting("work_mem").await?, "7MB");
            s.reset_setting("work_mem").await?;
            assert_eq!(s.setting("work_mem").await?, default);
        }
        Kind::Sqlite => {
            let err = s.reset_setting("cache_size").await.unwrap_err();
            assert!(matches!(err, Error::Unsupported { backend: "sqlite", .. }), "{err:?}");
        }
    }
    Ok(())
});

both!(async fn an_unknown_setting_is_an_error(db, kind) {
    let mut s = db.session();
    let err = s.setting("no_such_setting").await.unwrap_err();
    match kind {
        Kind::Postgres => {
            assert!(matches!(&err, Error::Database { code, .. } if code == "42704"), "{err:?}")
        }
        Kind::Sqlite => assert!(matches!(&err, Error::InvalidSetting { .. }), "{err:?}"),
    }
    Ok(())
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_path_resolves_unqualified_tables_in_that_schema() {
    let test = TestDb::open(Kind::Postgres, "search_path").await;
    let schema = common::unique_name("other schema");
    let outcome = async {
        let mut s = test.db.session();
        s.batch(&format!(
            "CREATE SCHEMA \"{schema}\"; CREATE TABLE \"{schema}\".widgets (name TEXT); \
             INSERT INTO \"{schema}\".widgets VALUES ('sprocket')"
        ))
        .await?;
        s.commit().await?;
        // By URL parameter (percent-encoded) and by builder method.
        let by_url = Database::connect(&format!("{}&search_path={}", test.url, schema)).await?;
        let options = orm::ConnectOptions::parse(&test.url)?.search_path([schema.as_str()]);
        let by_builder = Database::connect_with(&options).await?;
        for db in [by_url, by_builder] {
            let mut s = db.session();
            let names: Vec<(String,)> = s.raw("SELECT name FROM widgets").fetch_all().await?;
            assert_eq!(names, [("sprocket".to_string(),)]);
            assert_eq!(s.setting("search_path").await?, format!("\"{schema}\""));
            s.rollback().await?;
            db.close().await;
        }
        let mut s = test.db.session();
        s.batch(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .await?;
        s.commit().await
    }
    .await;
    test.cleanup().await;
    outcome.expect("search_path test");
}

#[tokio::test]
async fn sqlite_has_no_search_path() {
    let err = Database::connect("sqlite::memory:?search_path=app")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                backend: "sqlite",
                ..
            }
        ),
        "{err:?}"
    );
}
