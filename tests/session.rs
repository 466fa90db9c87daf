//! The session state machine and its transaction guarantees, on both backends.
#![recursion_limit = "256"]

mod common;

use std::time::Duration;

use common::models::{seed_users, User};
use common::{Kind, TestDb};
use orm::prelude::*;

both!(async fn a_session_starts_lazily_on_its_first_statement(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let idle_before = db.pool_status().idle;
    let mut s = db.session();
    assert_eq!(s.state(), SessionState::NotStarted);
    assert_eq!(db.pool_status().idle, idle_before, "no connection is taken before a statement");
    s.select::<User>().count().await?;
    assert_eq!(s.state(), SessionState::Active);
    s.commit().await?;
    assert_eq!(s.state(), SessionState::Committed);
    Ok(())
});

both!(async fn start_opens_a_transaction_and_refuses_to_start_twice(db, kind) {
    let mut s = db.session();
    s.start().await?;
    assert_eq!(s.state(), SessionState::Active);
    let err = s.start().await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidState { state: SessionState::Active, operation: "start", .. }),
        "{err:?}"
    );
    s.rollback().await?;
    assert_eq!(s.state(), SessionState::RolledBack);
    Ok(())
});

both!(async fn committed_work_is_visible_and_the_session_is_reusable(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut writer = db.session();
    writer.add(&mut User::new("ann", None, 1)).await?;
    writer.commit().await?;
    let mut reader = db.session();
    assert_eq!(reader.select::<User>().count().await?, 1);
    reader.commit().await?;
    // The same session opens a new transaction for its next statement.
    writer.add(&mut User::new("bob", None, 1)).await?;
    assert_eq!(writer.state(), SessionState::Active);
    writer.commit().await?;
    assert_eq!(reader.select::<User>().count().await?, 2);
    Ok(())
});

both!(async fn rollback_discards_the_transaction(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("ann", None, 1)).await?;
    s.rollback().await?;
    assert_eq!(s.state(), SessionState::RolledBack);
    assert_eq!(s.select::<User>().count().await?, 0);
    Ok(())
});

both!(async fn a_closed_session_refuses_every_operation(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("ann", None, 1)).await?;
    s.close().await?;
    assert_eq!(s.state(), SessionState::Closed);
    let err = s.select::<User>().count().await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { state: SessionState::Closed, .. }), "{err:?}");
    assert!(matches!(s.start().await.unwrap_err(), Error::InvalidState { .. }));
    assert!(matches!(s.commit().await.unwrap_err(), Error::InvalidState { .. }));
    // Closing rolled back what was not committed.
    let mut other = db.session();
    assert_eq!(other.select::<User>().count().await?, 0);
    Ok(())
});

both!(async fn a_failed_statement_fails_the_session_and_commit_commits_nothing(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("ann", None, 1)).await?;
    let err = s.add(&mut User::new("ann", None, 2)).await.unwrap_err();
    assert!(matches!(err, Error::UniqueViolation(_)), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    let err = s.select::<User>().count().await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { state: SessionState::Failed, .. }), "{err:?}");
    let err = s.commit().await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { state: SessionState::Failed, operation: "commit", .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::RolledBack);
    // Nothing of the failed transaction was committed, and the session works again.
    assert_eq!(s.select::<User>().count().await?, 0);
    Ok(())
});

both!(async fn rollback_after_a_failure_makes_the_session_usable(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("ann", None, 1)).await?;
    s.commit().await?;
    assert!(s.add(&mut User::new("ann", None, 1)).await.is_err());
    s.rollback().await?;
    s.add(&mut User::new("bob", None, 1)).await?;
    s.commit().await?;
    assert_eq!(s.select::<User>().count().await?, 2);
    Ok(())
});

both!(async fn transaction_commits_on_ok(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let id = db
        .transaction(async |s| {
            let mut u = User::new("ann", None, 1);
            s.add(&mut u).await?;
            Ok::<_, Error>(u.id)
        })
        .await?;
    assert_eq!(id, 1);
    assert_eq!(db.session().select::<User>().count().await?, 1);
    Ok(())
});

both!(async fn transaction_rolls_back_on_err(db, kind) {
    db.create_tables(&[User::table()]).await?;
    #[derive(Debug)]
    #[allow(dead_code)]
    enum AppError {
        Orm(Error),
        ChangedMyMind,
    }
    impl From<Error> for AppError {
        fn from(e: Error) -> Self {
            AppError::Orm(e)
        }
    }
    let result: Result<(), AppError> = db
        .transaction(async |s| {
            s.add(&mut User::new("ann", None, 1)).await?;
            Err(AppError::ChangedMyMind)
        })
        .await;
    assert!(matches!(result, Err(AppError::ChangedMyMind)), "{result:?}");
    assert_eq!(db.session().select::<User>().count().await?, 0);
    Ok(())
});

both!(async fn transaction_rolls_back_on_panic(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let db2 = db.clone();
    let joined = tokio::spawn(async move {
        db2.transaction(async |s| {
            s.add(&mut User::new("ann", None, 1)).await?;
            panic!("boom");
            #[allow(unreachable_code)]
            Ok::<_, Error>(())
        })
        .await
    })
    .await;
    assert!(joined.unwrap_err().is_panic());
    assert_eq!(db.session().select::<User>().count().await?, 0);
    Ok(())
});

/// A session dropped mid-transaction is rolled back, and the pool's only
/// connection comes back outside any transaction.
async fn dropped_session_rolls_back(kind: Kind) {
    let t = TestDb::open_with(kind, "dropped_session", "pool_size=1").await;
    let db = t.db.clone();
    db.create_tables(&[User::table()]).await.unwrap();
    {
        let mut s = db.session();
        s.add(&mut User::new("ann", None, 1)).await.unwrap();
        assert_eq!(s.state(), SessionState::Active);
    } // dropped here, transaction open
    let mut s = db.session();
    // Same single connection: were it still in the old transaction, ann would be visible.
    let n = tokio::time::timeout(Duration::from_secs(10), s.select::<User>().count())
        .await
        .expect("the pool's connection came back")
        .unwrap();
    assert_eq!(n, 0);
    s.add(&mut User::new("bob", None, 1)).await.unwrap();
    s.commit().await.unwrap();
    assert_eq!(db.session().select::<User>().count().await.unwrap(), 1);
    assert!(db.pool_status().size <= 1);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_session_rolls_back_postgres() {
    dropped_session_rolls_back(Kind::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_session_rolls_back_sqlite() {
    dropped_session_rolls_back(Kind::Sqlite).await
}

both!(async fn a_write_cancelled_mid_flight_fails_the_session(db, kind) {
    seed_users(&db).await?;
    // Another session holds a write lock, so our write is still waiting when it is cancelled.
    let mut blocker = db.session();
    blocker.update::<User>().set(User::karma, 5).filter(User::id.eq(1)).execute().await?;
    let mut s = db.session();
    s.start().await?;
    let write = s.update::<User>().set(User::karma, 100).all_rows().execute();
    let timed_out = tokio::time::timeout(Duration::from_millis(300), write).await;
    assert!(timed_out.is_err(), "the write was blocked and its future dropped");
    let err = s.select::<User>().count().await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { state: SessionState::Failed, .. }), "{err:?}");
    blocker.rollback().await?;
    let err = s.commit().await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { operation: "commit", .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::RolledBack);
    let mut other = db.session();
    assert_eq!(other.select::<User>().filter(User::karma.eq(100)).count().await?, 0);
    Ok(())
});

both!(async fn pool_status_reports_its_bounds(db, kind) {
    let status = db.pool_status();
    assert!(status.max_size >= 1);
    assert!(status.size <= status.max_size);
    assert!(status.idle <= status.size);
    Ok(())
});
