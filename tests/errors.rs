//! Bad input gets a typed error naming what is wrong, on both backends.
#![recursion_limit = "256"]

mod common;

use std::time::Duration;

use common::models::{LooseUser, User};
use common::{Kind, TestDb};
use orm::prelude::*;

/// The same `users` table seen with a wrongly typed column.
#[derive(Table, Debug)]
#[table(name = "users")]
struct MistypedUser {
    #[column(primary_key, auto)]
    id: i64,
    name: i64,
    email: Option<String>,
    karma: i32,
}

#[derive(Table, Debug)]
#[table(name = "checked")]
struct Checked {
    #[column(primary_key)]
    id: i32,
    amount: i32,
}

both!(async fn unique_violation_names_table_and_constraint(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("ann", None, 1)).await?;
    s.commit().await?;
    let err = s.add(&mut User::new("ann", None, 2)).await.unwrap_err();
    let Error::UniqueViolation(v) = &err else { panic!("{err:?}") };
    assert_eq!(v.table.as_deref(), Some("users"));
    match kind {
        Kind::Postgres => assert_eq!(v.constraint.as_deref(), Some("users_name_key")),
        Kind::Sqlite => assert_eq!(v.column.as_deref(), Some("name")),
    }
    s.rollback().await?;
    assert_eq!(s.select::<User>().count().await?, 1, "the first row is not lost");
    Ok(())
});

both!(async fn null_into_not_null_names_the_column(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut loose = LooseUser { id: 0, name: None, email: None, karma: 0 };
    let err = s.add(&mut loose).await.unwrap_err();
    let Error::NotNullViolation(v) = &err else { panic!("{err:?}") };
    assert_eq!(v.column.as_deref(), Some("name"));
    assert_eq!(v.table.as_deref(), Some("users"));
    Ok(())
});

both!(async fn a_decode_mismatch_names_the_column(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("ann", None, 1)).await?;
    let err = s.select::<MistypedUser>().all().await.unwrap_err();
    let Error::Decode { column, expected, .. } = &err else { panic!("{err:?}") };
    assert_eq!(column, "name");
    assert_eq!(*expected, "i64");
    Ok(())
});

both!(async fn a_select_whose_rows_do_not_decode_loses_nothing_of_the_transaction(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut ann = User::new("ann", None, 1);
    s.add(&mut ann).await?;
    // The read fails in the program, not in the database: the write before
    // it is still there to commit, and the session goes on.
    let err = s.select::<MistypedUser>().all().await.unwrap_err();
    assert!(matches!(&err, Error::Decode { column, .. } if column == "name"), "{err:?}");
    assert_eq!(s.state(), SessionState::Active);
    let mut streamed = s.select::<MistypedUser>().stream();
    let err = streamed.next().await.expect("one row").unwrap_err();
    assert!(matches!(&err, Error::Decode { column, .. } if column == "name"), "{err:?}");
    drop(streamed);
    assert_eq!(s.state(), SessionState::Active);
    let mut bob = User::new("bob", None, 2);
    s.add(&mut bob).await?;
    s.commit().await?;
    let mut names: Vec<String> = db.session().select::<User>().all().await?.into_iter().map(|u| u.name).collect();
    names.sort();
    assert_eq!(names, ["ann", "bob"]);
    // Raw SQL may have written before its rows failed to decode: that still
    // fails the transaction.
    let mut s = db.session();
    let err = s.raw("SELECT name FROM users").fetch_all::<(i64,)>().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    Ok(())
});

both!(async fn a_null_into_a_non_option_field_is_a_decode_error(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("ann", None, 1)).await?;
    #[derive(Table, Debug)]
    #[table(name = "users")]
    struct StrictEmail {
        #[column(primary_key, auto)]
        id: i64,
        name: String,
        email: String,
        karma: i32,
    }
    let err = s.select::<StrictEmail>().all().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { column, found, .. } if column == "email" && found == "NULL"),
        "{err:?}"
    );
    Ok(())
});

both!(async fn check_and_foreign_key_violations_are_typed(db, kind) {
    let mut s = db.session();
    s.batch(
        "CREATE TABLE checked (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL CONSTRAINT amount_positive CHECK (amount > 0)); \
         CREATE TABLE parent (id INTEGER PRIMARY KEY); \
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
    )
    .await?;
    s.commit().await?;
    let err = s.add(&mut Checked { id: 1, amount: -5 }).await.unwrap_err();
    let Error::CheckViolation(v) = &err else { panic!("{err:?}") };
    assert_eq!(v.constraint.as_deref(), Some("amount_positive"));
    s.rollback().await?;
    let err = s.batch("INSERT INTO child (id, parent_id) VALUES (1, 42)").await.unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation(_)), "{err:?}");
    Ok(())
});

#[tokio::test]
async fn bad_urls_are_typed_errors_naming_the_problem() {
    for (url, needle) in [
        ("mysql://localhost/db", "mysql"),
        ("localhost:5432", "scheme"),
        ("sqlite::memory:?pool_size=many", "pool_size"),
        (
            "postgres://localhost/db?acquire_timeout=soon",
            "acquire_timeout",
        ),
        ("postgres://localhost:notaport/db", ""),
    ] {
        match Database::connect(url).await {
            Err(Error::InvalidUrl { reason, .. }) => {
                assert!(reason.contains(needle), "{url}: {reason}")
            }
            other => panic!("{url}: expected InvalidUrl, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_password_never_appears_in_an_error() {
    let err = Database::connect("postgres://bob:hunter2@127.0.0.1:1/db?bogus_option=1")
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[tokio::test]
async fn an_unreachable_server_is_connection_lost() {
    let err = Database::connect("postgres://postgres@127.0.0.1:1/test?acquire_timeout=5")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unopenable_sqlite_path_is_a_typed_error() {
    let err = Database::connect("sqlite:///no/such/directory/app.db")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ConnectionLost { .. } | Error::Database { .. }),
        "{err:?}"
    );
}

async fn pool_timeout(kind: Kind) {
    let t = TestDb::open_with(kind, "pool_timeout", "pool_size=1&acquire_timeout=300ms").await;
    let mut holder = t.db.session();
    holder.start().await.unwrap();
    let mut waiter = t.db.session();
    let started = std::time::Instant::now();
    let err = waiter.start().await.unwrap_err();
    assert!(
        matches!(err, Error::PoolTimeout { timeout } if timeout == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a timeout, not a hang"
    );
    holder.rollback().await.unwrap();
    waiter.start().await.unwrap();
    waiter.rollback().await.unwrap();
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_timeout_postgres() {
    pool_timeout(Kind::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_timeout_sqlite() {
    pool_timeout(Kind::Sqlite).await
}
