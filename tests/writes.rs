//! INSERT, bulk UPDATE, bulk DELETE and TRUNCATE, on both backends.
#![recursion_limit = "256"]

mod common;

use common::models::{names, seed_users, User};
use orm::prelude::*;

#[derive(Table, Debug)]
#[table(name = "posts")]
struct Post {
    #[column(primary_key)]
    id: i32,
    user_id: i64,
}

#[derive(Table, Debug)]
#[table(name = "comments")]
struct Comment {
    #[column(primary_key)]
    id: i32,
    post_id: i32,
}

both!(async fn insert_many_rows_in_one_statement(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let rows: Vec<User> = (0..50).map(|i| User::new(&format!("u{i:02}"), None, i)).collect();
    assert_eq!(s.insert::<User>().values(&rows).execute().await?, 50);
    s.commit().await?;
    let stored = s.select::<User>().order_by(User::name).all().await?;
    assert_eq!(stored.len(), 50);
    assert_eq!(stored[49].name, "u49");
    assert_eq!(stored[49].karma, 49);
    let mut ids: Vec<i64> = stored.iter().map(|u| u.id).collect();
    ids.sort();
    assert_eq!(ids, (1..=50).collect::<Vec<i64>>());
    Ok(())
});

both!(async fn insert_splits_below_the_bind_parameter_limit(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    // 3 bound columns a row: 70 000 rows need 210 000 binds, several statements on both backends.
    let rows: Vec<User> = (0..70_000).map(|i| User::new(&format!("user-{i}"), None, i % 10)).collect();
    assert_eq!(s.insert::<User>().values(&rows).execute().await?, 70_000);
    s.commit().await?;
    assert_eq!(s.select::<User>().count().await?, 70_000);
    assert_eq!(s.select::<User>().filter(User::karma.eq(9)).count().await?, 7_000);
    Ok(())
});

both!(async fn insert_returning_gives_generated_keys(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let rows = vec![User::new("a", None, 1), User::new("b", Some("b@x"), 2)];
    let stored = s.insert::<User>().values(&rows).returning().await?;
    let mut by_name: Vec<(String, i64)> = stored.iter().map(|u| (u.name.clone(), u.id)).collect();
    by_name.sort();
    assert_eq!(by_name, [("a".to_string(), 1), ("b".to_string(), 2)]);
    assert_eq!(stored.iter().find(|u| u.name == "b").and_then(|u| u.email.clone()), Some("b@x".into()));
    Ok(())
});

both!(async fn insert_of_no_rows_does_nothing(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    assert_eq!(s.insert::<User>().values(&[]).execute().await?, 0);
    assert_eq!(s.select::<User>().count().await?, 0);
    Ok(())
});

both!(async fn bulk_update_sets_values_and_expressions(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let n = s.update::<User>().set(User::karma, User::karma + 10).filter(User::karma.lt(5)).execute().await?;
    assert_eq!(n, 2);
    let n = s
        .update::<User>()
        .set(User::email, "new@example.com")
        .set(User::karma, 0)
        .filter(User::name.eq("cid"))
        .execute()
        .await?;
    assert_eq!(n, 1);
    let n = s.update::<User>().set(User::email, None).filter(User::name.eq("ann")).execute().await?;
    assert_eq!(n, 1);
    s.commit().await?;
    let rows = s.select::<User>().order_by(User::id).all().await?;
    let got: Vec<(&str, Option<&str>, i32)> =
        rows.iter().map(|u| (u.name.as_str(), u.email.as_deref(), u.karma)).collect();
    assert_eq!(
        got,
        [
            ("ann", None, 13),
            ("bob", None, 11),
            ("cid", Some("new@example.com"), 0),
            ("dee", Some("dee@example.com"), 5)
        ]
    );
    Ok(())
});

both!(async fn updating_every_row_must_be_asked_for(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let n = s.update::<User>().set(User::karma, 1).all_rows().execute().await?;
    assert_eq!(n, 4);
    assert_eq!(s.select::<User>().filter(User::karma.eq(1)).count().await?, 4);
    Ok(())
});

both!(async fn an_update_with_nothing_to_set_is_a_typed_error(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let err = s.update::<User>().filter(User::id.eq(1)).execute().await.unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { table: "users", .. }), "{err:?}");
    Ok(())
});

both!(async fn bulk_delete_removes_filtered_rows(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    assert_eq!(s.delete::<User>().filter(User::email.is_null()).execute().await?, 2);
    s.commit().await?;
    let rest = s.select::<User>().order_by(User::id).all().await?;
    assert_eq!(names(&rest), ["ann", "dee"]);
    assert_eq!(s.delete::<User>().all_rows().execute().await?, 2);
    assert_eq!(s.select::<User>().count().await?, 0);
    Ok(())
});

both!(async fn truncate_empties_and_restarts_the_key(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    s.truncate::<User>().await?;
    assert_eq!(s.select::<User>().count().await?, 0);
    let mut u = User::new("again", None, 0);
    s.add(&mut u).await?;
    assert_eq!(u.id, 1);
    s.commit().await?;
    Ok(())
});

both!(async fn truncate_can_keep_the_key_counter(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    s.truncate::<User>().continue_identity().await?;
    let mut u = User::new("again", None, 0);
    s.add(&mut u).await?;
    assert_eq!(u.id, 5);
    Ok(())
});

both!(async fn truncate_cascade_empties_referencing_tables(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    s.batch(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id)); \
         CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts (id)); \
         INSERT INTO posts (id, user_id) VALUES (1, 1), (2, 2); \
         INSERT INTO comments (id, post_id) VALUES (1, 1)",
    )
    .await?;
    s.commit().await?;

    // Without cascade a referenced table cannot be emptied, and nothing is lost.
    let err = s.truncate::<User>().await.unwrap_err();
    assert!(
        matches!(err, Error::ForeignKeyViolation(_) | Error::Database { .. }),
        "{err:?}"
    );
    s.rollback().await?;
    assert_eq!(s.select::<User>().count().await?, 4);

    s.truncate::<User>().cascade().await?;
    s.commit().await?;
    assert_eq!(s.select::<User>().count().await?, 0);
    assert_eq!(s.select::<Post>().count().await?, 0);
    assert_eq!(s.select::<Comment>().count().await?, 0);
    Ok(())
});
