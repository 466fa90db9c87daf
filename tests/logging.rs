//! Statement logging: tracing spans and events, the slow-statement warning
//! and the echo to stderr, on both backends; bound values only when asked.
#![recursion_limit = "256"]

mod common;

use common::capture::Capture;
use common::models::User;
use common::{Kind, TestDb};
use orm::prelude::*;
use orm::{CopyFormat, Record, TxOptions};

const SECRET: &str = "s3cret-bind-value";
const QUERY: &str = "SELECT CAST($1 AS TEXT) AS secret";

/// Runs `body` while a [`Capture`] listens on this thread (the test's own:
/// the body is not spawned); the lines it saw.
async fn traced(body: impl AsyncFnOnce() -> Result<()>) -> Result<Vec<String>> {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    body().await?;
    Ok(capture.lines())
}

/// Runs one bound query on `db`; the lines traced meanwhile.
async fn traced_query(db: &Database) -> Result<Vec<String>> {
    traced(async || {
        let mut s = db.session();
        let rows: Vec<Record> = s.raw(QUERY).bind(SECRET).fetch_all().await?;
        assert_eq!(rows[0].get::<String>("secret")?, SECRET);
        s.rollback().await?;
        Ok(())
    })
    .await
}

both!(async fn each_statement_is_traced_with_its_sql_bind_count_and_rows_but_no_bind_value(db, kind) {
    let lines = traced_query(&db).await?;
    let at = lines.iter().position(|l| l.starts_with("span statement: sql=SELECT")).expect("a statement span");
    assert_eq!(lines[at], format!("span statement: sql={QUERY} binds=1"));
    let done = lines[at..].iter().find(|l| l.contains("message=statement done")).expect("a done event");
    assert!(done.starts_with("event DEBUG orm::statement:"), "{done}");
    assert!(done.contains(" rows=1 ") || done.ends_with(" rows=1"), "{done}");
    assert!(done.contains(" elapsed_ms="), "{done}");
    assert!(!lines.iter().any(|l| l.contains(SECRET)), "a bind value was logged: {lines:#?}");
    assert!(!lines.iter().any(|l| l.starts_with("event WARN")), "no threshold, no warning: {lines:#?}");
    Ok(())
});

both!(params = "log_binds=true", async fn bind_values_are_traced_when_log_binds_is_set(db, kind) {
    let lines = traced_query(&db).await?;
    let span = lines.iter().find(|l| l.starts_with("span statement: sql=SELECT")).expect("a statement span");
    assert_eq!(span, &format!("span statement: sql={QUERY} binds=1 values=[Text({SECRET:?})]"));
    Ok(())
});

both!(params = "slow_statement_ms=0", async fn statements_at_the_slow_threshold_log_a_warning(db, kind) {
    let lines = traced_query(&db).await?;
    let warning = lines
        .iter()
        .find(|l| l.starts_with("event WARN") && l.contains(" sql=SELECT"))
        .expect("a slow-statement warning for the query");
    assert!(warning.starts_with("event WARN orm::statement:"), "{warning}");
    for part in ["message=slow statement", &format!(" sql={QUERY}"), " elapsed_ms=", " threshold_ms=0.0"] {
        assert!(warning.contains(part), "{part} not in {warning}");
    }
    assert!(!warning.contains(SECRET), "{warning}");
    Ok(())
});

both!(params = "slow_statement_ms=60000", async fn statements_under_the_slow_threshold_log_no_warning(db, kind) {
    let lines = traced_query(&db).await?;
    assert!(lines.iter().any(|l| l.contains("message=statement done")), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.starts_with("event WARN")), "{lines:#?}");
    Ok(())
});

both!(async fn a_failed_statement_is_traced_with_its_error(db, kind) {
    let lines = traced(async || {
        let mut s = db.session();
        let err = s.raw("SELECT * FROM no_such_table").fetch_all::<Record>().await.unwrap_err();
        assert!(matches!(err, Error::Database { .. }), "{err:?}");
        s.rollback().await?;
        Ok(())
    })
    .await?;
    let failed = lines.iter().find(|l| l.contains("message=statement failed")).expect("a failed event");
    assert!(failed.starts_with("event DEBUG orm::statement:"), "{failed}");
    assert!(failed.contains(" error=database error "), "{failed}");
    assert!(lines.iter().any(|l| l == "span statement: sql=SELECT * FROM no_such_table binds=0"), "{lines:#?}");
    Ok(())
});

both!(async fn cursor_and_copy_statements_are_traced_without_bind_values(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let lines = traced(async || {
        let mut s = db.session();
        assert_eq!(s.copy_in(&[User::new("ann", None, 3), User::new("bob", None, 4)]).await?, 2);
        if kind == Kind::Postgres {
            let cursor = s
                .raw("SELECT name FROM users WHERE name <> $1 ORDER BY name")
                .bind(SECRET)
                .cursor::<(String,)>()
                .await?;
            assert_eq!(cursor.fetch(&mut s, 10).await?, [("ann".to_string(),), ("bob".to_string(),)]);
            cursor.close(&mut s).await?;
            let mut out = Vec::new();
            s.raw("SELECT name FROM users WHERE name <> $1").bind(SECRET).copy_out(&mut out, CopyFormat::Text).await?;
        }
        s.rollback().await?;
        Ok(())
    })
    .await?;
    let done = |sql: &str, rows: Option<u64>| {
        let span = lines.iter().position(|l| l.starts_with(&format!("span statement: sql={sql}")));
        let span = span.unwrap_or_else(|| panic!("no span for {sql}: {lines:#?}"));
        let event = lines[span..].iter().find(|l| l.contains("message=statement done"));
        let event = event.unwrap_or_else(|| panic!("no done event for {sql}: {lines:#?}"));
        match rows {
            Some(rows) => assert!(event.contains(&format!(" rows={rows}")), "{sql}: {event}"),
            None => assert!(!event.contains(" rows="), "{sql}: {event}"),
        }
    };
    match kind {
        Kind::Postgres => done("COPY users FROM STDIN binds=0", Some(2)),
        // SQLite has no COPY: the rows go in as one multi-row INSERT.
        Kind::Sqlite => done("INSERT INTO \"users\" (\"name\", \"email\", \"karma\") VALUES (?, ?, ?), (?, ?, ?) binds=6", Some(2)),
    }
    if kind == Kind::Postgres {
        done("SELECT name FROM users WHERE name <> $1 ORDER BY name binds=1", None);
        done("FETCH Forward(10) FROM orm_cursor_", Some(2));
        assert!(lines.iter().any(|l| l.starts_with("span statement: sql=CLOSE orm_cursor_")), "{lines:#?}");
        done("COPY (SELECT name FROM users WHERE name <> $1) TO STDOUT binds=1", None);
    }
    assert!(!lines.iter().any(|l| l.contains(SECRET)), "a bind value was logged: {lines:#?}");
    Ok(())
});

both!(async fn settings_describe_notify_and_advisory_locks_are_traced_without_their_values(db, kind) {
    let (name, value) = match kind {
        Kind::Postgres => ("application_name", SECRET),
        Kind::Sqlite => ("cache_size", "-4242"),
    };
    let lines = traced(async || {
        let mut s = db.session();
        s.set_setting(name, value).await?;
        assert_eq!(s.setting(name).await?, value);
        let columns = s.raw("SELECT 1 AS one").describe().await?;
        assert_eq!(columns.len(), 1);
        if kind == Kind::Postgres {
            s.reset_setting(name).await?;
            s.notify("jobs", SECRET).await?;
            s.advisory_xact_lock(7).await?;
            assert!(s.try_advisory_xact_lock((1, 2)).await?);
        }
        s.rollback().await?;
        if kind == Kind::Postgres {
            let lock = db.advisory_lock(8).await?;
            lock.release().await?;
        }
        Ok(())
    })
    .await?;
    let spans = span_sql(&lines);
    let mut expected = vec![
        "BEGIN binds=0".to_string(),
        format!("SET LOCAL {name} = ? binds=1"),
        format!("SHOW {name} binds=0"),
        "DESCRIBE SELECT 1 AS one binds=0".to_string(),
    ];
    if kind == Kind::Postgres {
        expected.extend([
            format!("SET LOCAL {name} TO DEFAULT binds=0"),
            "NOTIFY jobs, ? binds=1".to_string(),
            "SELECT pg_advisory_xact_lock(7) binds=0".to_string(),
            "SELECT pg_try_advisory_xact_lock(1, 2) binds=0".to_string(),
            "ROLLBACK binds=0".to_string(),
            "SELECT pg_advisory_lock(8) binds=0".to_string(),
            "SELECT pg_advisory_unlock(8) binds=0".to_string(),
        ]);
    } else {
        expected.push("ROLLBACK binds=0".to_string());
    }
    assert_eq!(spans, expected);
    let done = lines.iter().filter(|l| l.contains("message=statement done")).count();
    assert_eq!(done, expected.len(), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains(SECRET) || l.contains("-4242")), "a value was logged: {lines:#?}");
    Ok(())
});

/// The SQL of every statement span in `lines`, in order.
fn span_sql(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("span statement: sql="))
        .collect()
}

both!(async fn transaction_control_and_savepoints_are_traced_in_order(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let lines = traced(async || {
        let mut s = db.session();
        s.raw("INSERT INTO users (name, karma) VALUES ($1, 1)").bind("ann").execute().await?;
        s.savepoint("before bob").await?;
        s.raw("INSERT INTO users (name, karma) VALUES ($1, 2)").bind("bob").execute().await?;
        s.rollback_to("before bob").await?;
        s.release("before bob").await?;
        s.commit().await?;
        let mut s = db.session_with(TxOptions::new().read_only());
        let names: Vec<(String,)> = s.raw("SELECT name FROM users").fetch_all().await?;
        assert_eq!(names, [("ann".to_string(),)]);
        s.rollback().await?;
        Ok(())
    })
    .await?;
    let (write_begin, read_begin) = match kind {
        Kind::Postgres => ("BEGIN", "BEGIN READ ONLY"),
        // SQLite: a writing transaction takes the write lock at BEGIN; a
        // read-only one is a plain BEGIN (and `PRAGMA query_only`).
        Kind::Sqlite => ("BEGIN IMMEDIATE", "BEGIN"),
    };
    assert_eq!(
        span_sql(&lines),
        [
            format!("{write_begin} binds=0"),
            "INSERT INTO users (name, karma) VALUES ($1, 1) binds=1".to_string(),
            "SAVEPOINT \"before bob\" binds=0".to_string(),
            "INSERT INTO users (name, karma) VALUES ($1, 2) binds=1".to_string(),
            "ROLLBACK TO SAVEPOINT \"before bob\" binds=0".to_string(),
            "RELEASE SAVEPOINT \"before bob\" binds=0".to_string(),
            "COMMIT binds=0".to_string(),
            format!("{read_begin} binds=0"),
            "SELECT name FROM users binds=0".to_string(),
            "ROLLBACK binds=0".to_string(),
        ]
    );
    let done = lines.iter().filter(|l| l.contains("message=statement done")).count();
    assert_eq!(done, 10, "{lines:#?}");
    Ok(())
});

both!(async fn an_autocommit_session_traces_begin_and_commit_only_around_an_operation_of_several_statements(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let lines = traced(async || {
        let mut s = db.autocommit();
        s.raw("INSERT INTO users (name, karma) VALUES ($1, 1)").bind("ann").execute().await?;
        s.batch("UPDATE users SET karma = 2; UPDATE users SET karma = 3").await?;
        s.commit().await?;
        Ok(())
    })
    .await?;
    let begin = match kind {
        Kind::Postgres => "BEGIN",
        Kind::Sqlite => "BEGIN IMMEDIATE",
    };
    assert_eq!(
        span_sql(&lines),
        [
            "INSERT INTO users (name, karma) VALUES ($1, 1) binds=1".to_string(),
            format!("{begin} binds=0"),
            "UPDATE users SET karma = 2; UPDATE users SET karma = 3 binds=0".to_string(),
            "COMMIT binds=0".to_string(),
        ]
    );
    Ok(())
});

both!(async fn a_session_dropped_in_a_transaction_logs_the_rollback_its_connection_runs(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let lines = traced(async || {
        {
            let mut s = db.session();
            s.raw("INSERT INTO users (name, karma) VALUES ($1, 1)").bind("ann").execute().await?;
            // Dropped here, its transaction open.
        }
        let mut s = db.session();
        s.raw("INSERT INTO users (name, karma) VALUES ($1, 2)").bind("bob").execute().await?;
        s.commit().await?;
        // Dropped with nothing open: nothing to log.
        drop(s);
        Ok(())
    })
    .await?;
    let dropped: Vec<&String> = lines.iter().filter(|l| l.contains("dropped with its transaction open")).collect();
    assert_eq!(dropped.len(), 1, "{lines:#?}");
    assert!(dropped[0].starts_with("event DEBUG orm::statement:"), "{}", dropped[0]);
    assert!(dropped[0].contains(" sql=ROLLBACK"), "{}", dropped[0]);
    let mut s = db.session();
    let names: Vec<(String,)> = s.raw("SELECT name FROM users").fetch_all().await?;
    assert_eq!(names, [("bob".to_string(),)], "the dropped session's insert was rolled back");
    s.rollback().await?;
    Ok(())
});

/// A two-phase transaction id, which is logged only as a bind.
const GID: &str = "orm-logging-gid-77";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_commit_is_traced_as_failed_and_a_two_phase_id_is_not_logged() {
    let test = TestDb::open(Kind::Postgres, "refused_commit").await;
    let db = test.db.clone();
    let mut setup = db.session();
    setup
        .batch("CREATE TABLE parents (id INT PRIMARY KEY); \
                CREATE TABLE children (parent INT REFERENCES parents DEFERRABLE INITIALLY DEFERRED)")
        .await
        .expect("tables");
    setup.commit().await.expect("tables committed");
    let lines = traced(async || {
        let mut s = db.session();
        s.raw("INSERT INTO children VALUES (7)")
            .execute()
            .await
            .expect("deferred check");
        let err = s.commit().await.unwrap_err();
        assert!(matches!(err, Error::ForeignKeyViolation(_)), "{err:?}");
        // Two-phase commit: the server may refuse it (max_prepared_transactions
        // = 0); logged either way, the id as a bind.
        let mut s = db.session();
        s.raw("INSERT INTO parents VALUES (1)")
            .execute()
            .await
            .expect("insert");
        match s.prepare(GID).await {
            Ok(()) => db.rollback_prepared(GID).await.expect("rolled back"),
            Err(Error::Unsupported { .. }) => {}
            Err(e) => panic!("prepare: {e:?}"),
        }
        Ok(())
    })
    .await
    .expect("traced");
    let spans = span_sql(&lines);
    assert!(
        spans.contains(&"PREPARE TRANSACTION ? binds=1"),
        "{spans:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains(GID)),
        "the id was logged: {lines:#?}"
    );
    let commit = lines
        .iter()
        .position(|l| l == "span statement: sql=COMMIT binds=0");
    let commit = commit.unwrap_or_else(|| panic!("no COMMIT span: {lines:#?}"));
    let failed = lines[commit..]
        .iter()
        .find(|l| l.contains("message=statement"));
    let failed = failed.unwrap_or_else(|| panic!("no COMMIT event: {lines:#?}"));
    assert!(failed.contains("message=statement failed"), "{failed}");
    test.cleanup().await;
}

/// The environment variable that makes this test binary the child that
/// echoes: it holds the URL to connect to.
const CHILD_URL: &str = "ORM_ECHO_CHILD_URL";

/// Runs [`echo_child`] in a child process connected to `url`; its stderr.
fn echo_from_child(url: &str) -> String {
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args(["echo_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, url)
        .output()
        .expect("the child test runs");
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// In the child: one bound query on a database opened with `echo=true`.
#[tokio::test]
async fn echo_child() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return; // only the parent's child process does anything here
    };
    let db = Database::connect(&url).await.expect("the child connects");
    let mut s = db.session();
    let rows: Vec<Record> = s.raw(QUERY).bind(SECRET).fetch_all().await.expect("query");
    assert_eq!(rows.len(), 1);
    s.rollback().await.expect("rollback");
}

async fn echo_lines(kind: Kind, params: &str) -> Vec<String> {
    let test = TestDb::open(kind, "echo").await;
    let sep = if test.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}{params}", test.url);
    let stderr = tokio::task::spawn_blocking(move || echo_from_child(&url))
        .await
        .expect("join");
    test.cleanup().await;
    stderr
        .lines()
        .filter(|l| l.starts_with("orm: "))
        .map(str::to_string)
        .collect()
}

fn assert_echoed_without_binds(lines: &[String]) {
    let line = lines
        .iter()
        .find(|l| l.contains(QUERY))
        .unwrap_or_else(|| panic!("no echo of the query: {lines:#?}"));
    assert!(
        line.starts_with(&format!("orm: {QUERY} -- 1 bind, 1 row, ")),
        "{line}"
    );
    assert!(line.ends_with(" ms"), "{line}");
    assert!(
        !lines.iter().any(|l| l.contains(SECRET)),
        "a bind value was echoed: {lines:#?}"
    );
    // The transaction around it is echoed too: BEGIN first, the
    // session's ROLLBACK last.
    let first = lines.first().map(String::as_str).unwrap_or_default();
    assert!(first.starts_with("orm: BEGIN"), "{lines:#?}");
    assert!(first.contains(" -- 0 binds, "), "{lines:#?}");
    let last = lines.last().map(String::as_str).unwrap_or_default();
    assert!(last.starts_with("orm: ROLLBACK -- 0 binds, "), "{lines:#?}");
    assert_eq!(lines.len(), 3, "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_prints_each_statement_to_stderr_without_bind_values_on_postgres() {
    assert_echoed_without_binds(&echo_lines(Kind::Postgres, "echo=true").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_prints_each_statement_to_stderr_without_bind_values_on_sqlite() {
    assert_echoed_without_binds(&echo_lines(Kind::Sqlite, "echo=true").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_marks_slow_statements_and_shows_binds_when_asked() {
    for kind in [Kind::Postgres, Kind::Sqlite] {
        let lines = echo_lines(kind, "echo=true&log_binds=true&slow_statement_ms=0").await;
        let line = lines
            .iter()
            .find(|l| l.contains(QUERY))
            .unwrap_or_else(|| panic!("{kind:?}: {lines:#?}"));
        assert!(
            line.starts_with(&format!(
                "orm: {QUERY} -- 1 bind [Text({SECRET:?})], 1 row, "
            )),
            "{kind:?}: {line}"
        );
        assert!(
            line.ends_with(" ms SLOW (threshold 0 ms)"),
            "{kind:?}: {line}"
        );
    }
}
