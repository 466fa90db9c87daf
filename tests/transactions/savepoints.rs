//! Nested transactions: savepoints by name, guards and closures.

use orm::prelude::*;

use crate::models::{notes, Entry};

/// An application's own error type.
#[derive(Debug)]
enum Oops {
    #[allow(dead_code)]
    Orm(Error),
    ChangedMyMind,
}

impl From<Error> for Oops {
    fn from(e: Error) -> Self {
        Oops::Orm(e)
    }
}

async fn add(s: &mut Session, note: &str) -> orm::Result<()> {
    s.add(&mut Entry::new(note)).await
}

both!(async fn a_failing_nested_block_rolls_back_only_itself_and_the_outer_work_commits(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    add(&mut s, "outer").await?;
    let inner: orm::Result<()> = s
        .transaction(async |s| {
            add(s, "inner").await?;
            add(s, "outer").await // a duplicate note: the block fails
        })
        .await;
    assert!(matches!(inner, Err(Error::UniqueViolation(_))), "{inner:?}");
    assert_eq!(s.state(), SessionState::Active);
    add(&mut s, "after").await?;
    s.commit().await?;
    assert_eq!(notes(&db).await?, ["outer", "after"]);
    Ok(())
});

both!(async fn sibling_savepoints_survive_a_failing_one(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    db.transaction(async |s| {
        s.transaction(async |s| add(s, "first").await).await?;
        let second: Result<(), Oops> = s
            .transaction(async |s| {
                add(s, "second").await?;
                Err(Oops::ChangedMyMind)
            })
            .await;
        assert!(matches!(second, Err(Oops::ChangedMyMind)), "{second:?}");
        s.transaction(async |s| add(s, "third").await).await?;
        Ok::<_, Error>(())
    })
    .await?;
    assert_eq!(notes(&db).await?, ["first", "third"]);
    Ok(())
});

both!(async fn rollback_to_a_named_checkpoint_keeps_it_and_the_work_before_it(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    add(&mut s, "before").await?;
    s.savepoint("checkpoint").await?;
    add(&mut s, "undone once").await?;
    s.rollback_to("checkpoint").await?;
    add(&mut s, "undone twice").await?;
    // The savepoint is still there after a rollback to it.
    s.rollback_to("checkpoint").await?;
    add(&mut s, "kept").await?;
    s.release("checkpoint").await?;
    s.commit().await?;
    assert_eq!(notes(&db).await?, ["before", "kept"]);
    Ok(())
});

both!(async fn savepoint_names_are_quoted(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let names = ["it's \"quoted\"", "with spaces; and a semicolon", "ünïcödé ✓", "select"];
    let mut s = db.session();
    for name in names {
        s.savepoint(name).await?;
        add(&mut s, name).await?;
    }
    // Back to the second: the last two are undone.
    s.rollback_to(names[1]).await?;
    s.release(names[0]).await?;
    s.commit().await?;
    assert_eq!(notes(&db).await?, [names[0]]);
    Ok(())
});

both!(async fn rolling_back_to_a_savepoint_makes_a_failed_session_active_again(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    add(&mut s, "ann").await?;
    s.savepoint("s").await?;
    let err = add(&mut s, "ann").await.unwrap_err();
    assert!(matches!(err, Error::UniqueViolation(_)), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    let err = s.release("s").await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { state: SessionState::Failed, .. }), "{err:?}");
    s.rollback_to("s").await?;
    assert_eq!(s.state(), SessionState::Active);
    add(&mut s, "bob").await?;
    s.commit().await?;
    assert_eq!(notes(&db).await?, ["ann", "bob"]);
    Ok(())
});

both!(async fn a_nested_guard_dropped_open_is_rolled_back_before_the_next_statement(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    add(&mut s, "outer").await?;
    {
        let mut inner = s.nested().await?;
        add(&mut inner, "abandoned").await?;
    }
    add(&mut s, "next").await?;
    {
        let mut inner = s.nested().await?;
        add(&mut inner, "committed inner").await?;
        inner.commit().await?;
    }
    {
        let mut inner = s.nested().await?;
        add(&mut inner, "rolled back inner").await?;
        inner.rollback().await?;
    }
    s.commit().await?;
    assert_eq!(notes(&db).await?, ["outer", "next", "committed inner"]);
    Ok(())
});

both!(async fn a_cancelled_write_inside_a_nested_guard_is_undone_with_it(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    add(&mut s, "outer").await?;
    {
        let mut inner = s.nested().await?;
        // Polled once and dropped: the write may have run.
        let _ = crate::support::poll_times(add(&mut inner, "cancelled"), 1).await;
    }
    // The guard's savepoint undoes it, whatever it did: the session goes on.
    add(&mut s, "after").await?;
    s.commit().await?;
    assert_eq!(notes(&db).await?, ["outer", "after"]);
    Ok(())
});

both!(async fn unknown_savepoints_are_a_typed_error_that_changes_nothing(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    let err = s.rollback_to("nowhere").await.unwrap_err();
    assert!(matches!(&err, Error::UnknownSavepoint { name } if name == "nowhere"), "{err:?}");
    add(&mut s, "ann").await?;
    s.savepoint("a").await?;
    s.savepoint("b").await?;
    // Releasing a releases b, which came after it.
    s.release("a").await?;
    let err = s.rollback_to("b").await.unwrap_err();
    assert!(matches!(&err, Error::UnknownSavepoint { name } if name == "b"), "{err:?}");
    assert_eq!(s.state(), SessionState::Active);
    s.commit().await?;
    assert_eq!(notes(&db).await?, ["ann"]);
    Ok(())
});

both!(async fn commit_and_rollback_end_every_open_savepoint(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    s.savepoint("a").await?;
    add(&mut s, "one").await?;
    s.savepoint("b").await?;
    add(&mut s, "two").await?;
    s.commit().await?;
    let err = s.rollback_to("a").await.unwrap_err();
    assert!(matches!(err, Error::UnknownSavepoint { .. }), "{err:?}");
    s.savepoint("c").await?;
    add(&mut s, "three").await?;
    s.rollback().await?;
    assert_eq!(notes(&db).await?, ["one", "two"]);
    Ok(())
});

both!(async fn a_nested_block_that_swallowed_an_error_is_rolled_back_and_says_so(db, kind) {
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    add(&mut s, "outer").await?;
    let inner: orm::Result<()> = s
        .transaction(async |s| {
            add(s, "inner").await?;
            let _ = add(s, "outer").await; // the duplicate's error is dropped
            Ok(())
        })
        .await;
    assert!(
        matches!(inner, Err(Error::InvalidState { state: SessionState::Failed, operation: "commit a nested transaction", .. })),
        "{inner:?}"
    );
    assert_eq!(s.state(), SessionState::Active);
    s.commit().await?;
    assert_eq!(notes(&db).await?, ["outer"]);
    Ok(())
});
