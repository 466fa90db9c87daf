//! Isolation levels and access modes.

use orm::prelude::*;
use orm::{IsolationLevel, LockMode};

use crate::common::{pg, Kind};
use crate::models::{add_entry, notes, Entry};

faults!([postgres, sqlite], "pool_size=1", async fn a_write_in_a_read_only_transaction_is_a_typed_error(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    add_entry(db, "before").await?;
    let mut s = db.session_with(TxOptions::new().read_only());
    assert_eq!(s.select::<Entry>().count().await?, 1);
    let err = s.add(&mut Entry::new("refused")).await.unwrap_err();
    assert!(matches!(err, Error::ReadOnlyTransaction { .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    // Read-only stays with the session, and never with the pooled connection.
    let err = s.add(&mut Entry::new("refused again")).await.unwrap_err();
    assert!(matches!(err, Error::ReadOnlyTransaction { .. }), "{err:?}");
    s.rollback().await?;
    add_entry(db, "after").await?;
    assert_eq!(notes(db).await?, ["before", "after"]);
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn a_read_only_session_dropped_open_leaves_its_connection_writable(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    {
        let mut s = db.session_with(TxOptions::new().read_only());
        assert_eq!(s.select::<Entry>().count().await?, 0);
    }
    // The pool's one connection, rolled back and writable again.
    add_entry(db, "written").await?;
    assert_eq!(notes(db).await?, ["written"]);
    Ok(())
});

faults!([postgres], "", async fn each_isolation_level_and_mode_is_what_the_server_runs(ctx) {
    let db = &ctx.db;
    for (level, name) in [
        (IsolationLevel::ReadCommitted, "read committed"),
        (IsolationLevel::RepeatableRead, "repeatable read"),
        (IsolationLevel::Serializable, "serializable"),
    ] {
        let mut s = db.session_with(level);
        let (isolation,): (String,) = s.raw("SHOW transaction_isolation").fetch_one().await?;
        assert_eq!(isolation, name);
        let (read_only,): (String,) = s.raw("SHOW transaction_read_only").fetch_one().await?;
        assert_eq!(read_only, "off");
        s.commit().await?;
    }
    let mut s = db.session_with(TxOptions::serializable().read_only().deferrable());
    let (isolation,): (String,) = s.raw("SHOW transaction_isolation").fetch_one().await?;
    let (read_only,): (String,) = s.raw("SHOW transaction_read_only").fetch_one().await?;
    let (deferrable,): (String,) = s.raw("SHOW transaction_deferrable").fetch_one().await?;
    assert_eq!((isolation.as_str(), read_only.as_str(), deferrable.as_str()), ("serializable", "on", "on"));
    s.commit().await?;
    // The next transaction of the same connection is back to the defaults.
    let mut s = db.session();
    let (isolation,): (String,) = s.raw("SHOW transaction_isolation").fetch_one().await?;
    assert_eq!(isolation, "read committed");
    s.commit().await?;
    Ok(())
});

faults!([postgres, sqlite], "", async fn repeatable_read_sees_one_snapshot_and_read_committed_does_not(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    add_entry(db, "first").await?;
    let mut repeatable = db.session_with(IsolationLevel::RepeatableRead);
    let mut committed = db.session_with(IsolationLevel::ReadCommitted);
    assert_eq!(repeatable.select::<Entry>().count().await?, 1);
    assert_eq!(committed.select::<Entry>().count().await?, 1);
    add_entry(db, "second").await?;
    // SQLite is serializable at every level: both keep their snapshot.
    let read_committed_sees = match ctx.kind {
        Kind::Postgres => 2,
        Kind::Sqlite => 1,
    };
    assert_eq!(repeatable.select::<Entry>().count().await?, 1);
    assert_eq!(committed.select::<Entry>().count().await?, read_committed_sees);
    repeatable.commit().await?;
    committed.commit().await?;
    Ok(())
});

faults!([sqlite], "", async fn sqlite_lock_modes_are_spelled_out(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    for mode in [LockMode::Deferred, LockMode::Immediate, LockMode::Exclusive] {
        let mut s = db.session_with(TxOptions::new().lock(mode));
        s.add(&mut Entry::new(format!("{mode:?}"))).await?;
        s.commit().await?;
    }
    assert_eq!(notes(db).await?, ["Deferred", "Immediate", "Exclusive"]);
    Ok(())
});

faults!([postgres], "pool_size=1", async fn a_session_that_only_reads_opens_no_transaction_on_the_server(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    add_entry(db, "first").await?;
    let base = pg::base_url().await;
    let open_transactions = format!(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE application_name = '{}' AND state = 'idle in transaction'",
        ctx.tag
    );
    // Through the facade (orm::Database), as users run it: selects, a
    // stream and a get run ahead of the BEGIN at READ COMMITTED.
    let mut s = db.session();
    assert_eq!(s.select::<Entry>().count().await?, 1);
    let streamed: Vec<Entry> = s.select::<Entry>().stream().try_collect().await?;
    assert_eq!(streamed.len(), 1);
    assert!(s.get::<Entry>(streamed[0].id).await?.is_some());
    assert_eq!(s.state(), SessionState::Active);
    assert_eq!(pg::admin_i64(&base, &open_transactions).await, 0);
    // The first write carries the BEGIN: the transaction is open from here.
    s.add(&mut Entry::new("second")).await?;
    assert_eq!(pg::admin_i64(&base, &open_transactions).await, 1);
    s.commit().await?;
    // Under REPEATABLE READ the first read takes the transaction's snapshot.
    let mut s = db.session_with(IsolationLevel::RepeatableRead);
    assert_eq!(s.select::<Entry>().count().await?, 2);
    assert_eq!(pg::admin_i64(&base, &open_transactions).await, 1);
    s.commit().await?;
    Ok(())
});
