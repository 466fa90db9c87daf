//! Raw SQL with bound values, inside the session's transaction, on both backends.
#![recursion_limit = "256"]

mod common;

use common::models::{seed_users, User};
use orm::prelude::*;

both!(async fn raw_queries_bind_values_and_decode_tuples_and_models(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let rows: Vec<(i64, String)> = s
        .raw("SELECT id, name FROM users WHERE karma > $1 ORDER BY id")
        .bind(2)
        .fetch_all()
        .await?;
    assert_eq!(rows, [(1, "ann".to_string()), (3, "cid".to_string()), (4, "dee".to_string())]);
    let user: User = s
        .raw("SELECT id, name, email, karma FROM users WHERE name = $1")
        .bind("bob")
        .fetch_one()
        .await?;
    assert_eq!(user.email, None);
    let none: Option<(i64,)> = s.raw("SELECT id FROM users WHERE name = $1").bind("zed").fetch_optional().await?;
    assert_eq!(none, None);
    let err = s.raw("SELECT id FROM users WHERE name = $1").bind("zed").fetch_one::<(i64,)>().await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    Ok(())
});

both!(async fn raw_execute_counts_rows_and_binds_null(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let n = s
        .raw("UPDATE users SET email = $1 WHERE karma < $2")
        .bind(None::<String>)
        .bind(4)
        .execute()
        .await?;
    assert_eq!(n, 2);
    s.commit().await?;
    assert_eq!(s.select::<User>().filter(User::email.is_null()).count().await?, 3);
    Ok(())
});

both!(async fn raw_values_are_never_spliced(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let hostile = "'); DELETE FROM users; --";
    let rows: Vec<(i64,)> = s.raw("SELECT id FROM users WHERE name = $1").bind(hostile).fetch_all().await?;
    assert!(rows.is_empty());
    assert_eq!(s.select::<User>().count().await?, 4);
    Ok(())
});

both!(async fn a_failing_raw_statement_fails_the_session(db, kind) {
    let mut s = db.session();
    let err = s.raw("SELECT * FROM no_such_table").fetch_all::<(i64,)>().await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    let one: (i64,) = s.raw("SELECT 1").fetch_one().await?;
    assert_eq!(one, (1,));
    Ok(())
});

both!(async fn raw_stream_yields_rows(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let names: Vec<(String,)> = s
        .raw("SELECT name FROM users WHERE karma >= $1 ORDER BY name")
        .bind(3)
        .fetch_stream()
        .try_collect()
        .await?;
    assert_eq!(names, [("ann".to_string(),), ("cid".to_string(),), ("dee".to_string(),)]);
    Ok(())
});
