//! Autocommit sessions (`db.autocommit()`): each statement commits when it
//! returns, an operation of several statements is still all or nothing
//! (even when its future is dropped half way), and what needs a
//! transaction is refused with a typed error that leaves the session usable.

use orm::prelude::*;
use orm::CopyFormat;

use crate::common::Kind;
use crate::models::{notes, Entry};
use crate::support::poll_times;

/// Rows enough for several INSERT statements on either backend (SQLite
/// binds 32 766 values a statement, PostgreSQL 65 535), the last of them a
/// duplicate of the first.
fn rows_ending_in_a_duplicate(prefix: &str) -> Vec<Entry> {
    let mut rows: Vec<Entry> = (0..40_000)
        .map(|i| Entry::new(format!("{prefix} {i}")))
        .collect();
    rows.push(Entry::new(format!("{prefix} 0")));
    rows
}

faults!([postgres, sqlite], "pool_size=2", async fn each_statement_of_an_autocommit_session_is_committed_when_it_returns(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.autocommit();
    assert!(s.is_autocommit());
    s.add(&mut Entry::new("first")).await?;
    // Seen from another connection before the session commits: no
    // transaction holds it back.
    assert_eq!(notes(db).await?, ["first"]);
    assert_eq!(s.state(), SessionState::NotStarted);

    // A failing statement fails alone: nothing to roll back, the session
    // goes on.
    let duplicate = s.add(&mut Entry::new("first")).await;
    assert!(
        matches!(duplicate, Err(Error::UniqueViolation { .. })),
        "{duplicate:?}"
    );
    assert_eq!(s.state(), SessionState::NotStarted);
    s.add(&mut Entry::new("second")).await?;
    let changed = s
        .update::<Entry>()
        .set(Entry::note, "second, changed")
        .filter(Entry::note.eq("second"))
        .execute()
        .await?;
    assert_eq!(changed, 1);

    // Nothing is undone by a rollback: each statement committed already.
    s.rollback().await?;
    assert_eq!(notes(db).await?, ["first", "second, changed"]);
    assert_eq!(s.state(), SessionState::NotStarted);
    s.close().await?;
    assert_eq!(s.state(), SessionState::Closed);
    let closed = s.select::<Entry>().all().await;
    assert!(matches!(closed, Err(Error::InvalidState { state: SessionState::Closed, .. })), "{closed:?}");
    Ok(())
});

faults!([postgres], "pool_size=1", async fn postgres_runs_each_statement_of_an_autocommit_session_in_a_transaction_of_its_own(ctx) {
    let mut s = ctx.db.autocommit();
    let (a,): (i64,) = s.raw("SELECT txid_current()").fetch_one().await?;
    let (b,): (i64,) = s.raw("SELECT txid_current()").fetch_one().await?;
    assert_eq!(b, a + 1, "one transaction per statement");
    s.commit().await?;

    // A transactional session, for contrast: one transaction for both.
    let mut t = ctx.db.session();
    let (c,): (i64,) = t.raw("SELECT txid_current()").fetch_one().await?;
    let (d,): (i64,) = t.raw("SELECT txid_current()").fetch_one().await?;
    assert_eq!(c, d);
    t.commit().await?;
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1&acquire_timeout=300ms", async fn commit_and_rollback_give_an_autocommit_sessions_connection_back(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.autocommit();
    s.add(&mut Entry::new("kept")).await?;
    // The session holds the pool's only connection between its statements.
    let mut other = db.session();
    let waited = other.select::<Entry>().all().await;
    assert!(matches!(waited, Err(Error::PoolTimeout { .. })), "{waited:?}");
    assert_eq!(other.state(), SessionState::NotStarted);
    s.commit().await?;
    assert_eq!(other.select::<Entry>().count().await?, 1);
    other.commit().await?;

    s.add(&mut Entry::new("also kept")).await?;
    s.rollback().await?;
    assert_eq!(notes(db).await?, ["kept", "also kept"]);
    Ok(())
});

faults!([postgres, sqlite], "pool_size=2", async fn an_insert_of_several_statements_in_an_autocommit_session_is_all_or_nothing(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.autocommit();

    let rows = rows_ending_in_a_duplicate("returning");
    let refused = s.insert::<Entry>().values(&rows).returning().await;
    assert!(matches!(refused, Err(Error::UniqueViolation { .. })), "{refused:?}");
    assert_eq!(s.state(), SessionState::NotStarted);
    assert_eq!(s.select::<Entry>().count().await?, 0, "no statement of it committed");

    // PostgreSQL sends this one as COPY, SQLite as three INSERTs.
    let rows = rows_ending_in_a_duplicate("execute");
    let refused = s.insert::<Entry>().values(&rows).execute().await;
    assert!(matches!(refused, Err(Error::UniqueViolation { .. })), "{refused:?}");
    assert_eq!(s.select::<Entry>().count().await?, 0);

    let inserted = s.insert::<Entry>().values(&rows[..40_000]).execute().await?;
    assert_eq!(inserted, 40_000);
    let stored = s.insert::<Entry>().values(&rows_ending_in_a_duplicate("more")[..40_000]).returning().await?;
    assert_eq!(stored.len(), 40_000);
    assert!(stored.iter().all(|e| e.id > 0), "generated keys came back");
    assert_eq!(s.state(), SessionState::NotStarted);
    s.commit().await?;
    let mut t = db.session();
    assert_eq!(t.select::<Entry>().count().await?, 80_000);
    t.commit().await?;

    // The implicit transaction was committed: the table can be emptied
    // from the autocommit session too (SQLite does it in two statements).
    s.truncate::<Entry>().await?;
    assert_eq!(s.select::<Entry>().count().await?, 0);
    s.commit().await?;
    Ok(())
});

faults!([postgres, sqlite], "pool_size=2", async fn an_insert_dropped_half_way_in_an_autocommit_session_commits_all_or_nothing(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    // Two INSERT statements on either backend.
    let n = if ctx.kind == Kind::Postgres { 40_000 } else { 20_000 };
    let rows: Vec<Entry> = (0..n).map(|i| Entry::new(format!("row {i}"))).collect();
    let mut s = db.autocommit();
    // Dropped after ever more polls, up to a number that finishes it.
    let mut rolled_back = 0;
    let mut polls = 1;
    loop {
        let insert = s.insert::<Entry>().values(&rows).returning();
        let outcome = poll_times(insert, polls).await;
        // Whatever was sent is rolled back before the next statement; only
        // a COMMIT already on the wire may have landed.
        let count = s.select::<Entry>().count().await?;
        assert_eq!(s.state(), SessionState::NotStarted);
        match outcome {
            Some(stored) => {
                assert_eq!(stored?.len(), n);
                assert_eq!(count as usize, n);
                break;
            }
            None if count == 0 => rolled_back += 1,
            None => {
                assert_eq!(count as usize, n, "dropped after {polls} polls: part of it committed");
                s.delete::<Entry>().all_rows().execute().await?;
            }
        }
        // Every count at first, then further apart: the sqlx executor
        // takes hundreds of polls for the rows coming back.
        polls += 1 + polls / 8;
        assert!(polls < 100_000, "the insert never finished");
    }
    // The rusqlite executor runs it on the caller's thread: it finishes
    // at its first poll, with nothing to drop half way.
    assert!(rolled_back >= 1 || polls == 1, "never dropped before its COMMIT");
    s.commit().await?;
    assert_eq!(notes(db).await?.len(), n);
    Ok(())
});

faults!([postgres, sqlite], "pool_size=2", async fn an_autocommit_session_refuses_what_needs_a_transaction_and_goes_on(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.autocommit();
    let refused = |r: orm::Result<()>, what: &str| match r {
        Err(Error::InvalidState { state: SessionState::NotStarted, operation, hint }) => {
            assert_eq!(operation, what);
            assert!(hint.contains("db.session()"), "{hint}");
        }
        other => panic!("{what}: {other:?}"),
    };
    refused(s.start().await, "start");
    refused(s.savepoint("sp").await, "create a savepoint");
    refused(s.nested().await.map(|_| ()), "create a savepoint");
    refused(s.set_setting("statement_timeout", "5s").await, "change a setting");
    refused(s.create_blob().await.map(|_| ()), "use a blob file");
    refused(s.reset_setting("statement_timeout").await, "reset a setting");
    refused(s.prepare("autocommit-gid").await, "prepare");
    if ctx.kind == Kind::Postgres {
        refused(s.advisory_xact_lock(42_i64).await, "take an advisory lock");
        let cursor = s.raw("SELECT note FROM entries").cursor::<(String,)>().await;
        refused(cursor.map(|_| ()), "declare a cursor");
    }
    assert_eq!(s.state(), SessionState::NotStarted);
    // Reads of settings need no transaction.
    if ctx.kind == Kind::Sqlite {
        assert_eq!(s.setting("foreign_keys").await?, "1");
    }
    s.add(&mut Entry::new("after the refusals")).await?;
    s.commit().await?;
    assert_eq!(notes(db).await?, ["after the refusals"]);
    Ok(())
});

faults!([postgres, sqlite], "pool_size=2", async fn copy_in_and_copy_out_work_in_an_autocommit_session_and_a_copy_in_is_all_or_nothing(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.autocommit();
    let refused = s.copy_in(&[Entry::new("a"), Entry::new("b"), Entry::new("a")]).await;
    assert!(matches!(refused, Err(Error::UniqueViolation { .. })), "{refused:?}");
    assert_eq!(s.state(), SessionState::NotStarted);
    assert_eq!(notes(db).await?, Vec::<String>::new(), "nothing of the refused copy was committed");

    // A stream that fails after more rows than one SQLite INSERT binds:
    // the rows sent before the failure are not committed either.
    let rows = (0..20_000)
        .map(|i| Ok(Entry::new(format!("streamed {i}"))))
        .chain([Err(Error::InvalidQuery { table: "entries", reason: "the source failed".to_string() })]);
    let failed = s.copy_in_stream(futures_util::stream::iter(rows)).await;
    assert!(matches!(failed, Err(Error::InvalidQuery { .. })), "{failed:?}");
    assert_eq!(notes(db).await?, Vec::<String>::new(), "nothing of the failed stream was committed");

    assert_eq!(s.copy_in(&[Entry::new("e"), Entry::new("f")]).await?, 2);
    // Committed as the copy returned: another connection sees it.
    assert_eq!(notes(db).await?, ["e", "f"]);
    if ctx.kind == Kind::Postgres {
        let mut out = Vec::new();
        s.raw("SELECT note FROM entries ORDER BY note").copy_out(&mut out, CopyFormat::Text).await?;
        assert_eq!(out, b"e\nf\n");
    }
    assert_eq!(s.state(), SessionState::NotStarted);
    s.commit().await?;
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn an_autocommit_batch_of_several_statements_is_all_or_nothing(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.autocommit();
    let refused = s
        .batch("INSERT INTO entries (note) VALUES ('a'); INSERT INTO entries (note) VALUES ('a')")
        .await;
    assert!(matches!(refused, Err(Error::UniqueViolation { .. })), "{refused:?}");
    assert_eq!(s.state(), SessionState::NotStarted);
    assert_eq!(s.select::<Entry>().count().await?, 0, "the first INSERT was not committed");
    s.batch("INSERT INTO entries (note) VALUES ('a'); INSERT INTO entries (note) VALUES ('b')")
        .await?;
    s.commit().await?;
    assert_eq!(notes(db).await?, ["a", "b"]);
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn an_autocommit_session_streams_and_survives_a_cancelled_write(ctx) {
    use futures_util::TryStreamExt;
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.autocommit();
    s.insert::<Entry>()
        .values(&(0..300).map(|i| Entry::new(format!("n{i:03}"))).collect::<Vec<_>>())
        .execute()
        .await?;
    let streamed: Vec<Entry> = s
        .select::<Entry>()
        .order_by(Entry::id.asc())
        .stream()
        .try_collect()
        .await?;
    assert_eq!(streamed.len(), 300);
    assert_eq!(streamed[299].note, "n299");

    // A write dropped after its first poll: it may or may not have
    // happened, as on a bare connection, and the session goes on.
    let mut late = Entry::new("maybe");
    let outcome = poll_times(s.add(&mut late), 1).await;
    let count = s.select::<Entry>().count().await?;
    match outcome {
        None => assert!(count == 300 || count == 301, "{count}"),
        Some(added) => {
            added?;
            assert_eq!(count, 301);
        }
    }
    assert_eq!(s.state(), SessionState::NotStarted);
    s.add(&mut Entry::new("surely")).await?;
    s.commit().await?;
    assert!(notes(db).await?.contains(&"surely".to_string()));
    Ok(())
});

faults!([postgres], "pool_size=2", async fn an_autocommit_session_whose_connection_died_leases_a_new_one_for_its_next_statement(ctx) {
    use crate::support::{backend_pid, wait_gone};
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.autocommit();
    s.add(&mut Entry::new("before")).await?;
    let pid = backend_pid(&mut s).await?;
    crate::common::pg::admin(&crate::common::pg::base_url().await, &format!("SELECT pg_terminate_backend({pid})")).await;
    wait_gone(&format!("pid = {pid}")).await;
    let err = s.add(&mut Entry::new("lost")).await.unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::NotStarted);
    // The dead connection went back to the pool, which drops it.
    s.add(&mut Entry::new("after")).await?;
    assert_ne!(backend_pid(&mut s).await?, pid);
    s.commit().await?;
    assert_eq!(notes(db).await?, ["before", "after"]);
    Ok(())
});
