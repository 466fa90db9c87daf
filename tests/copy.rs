//! COPY: model rows in (binary COPY on PostgreSQL, multi-row INSERT on
//! SQLite), a table or a query out as CSV or text (PostgreSQL; SQLite says
//! it cannot), errors abort a copy whole, and large inserts take the COPY
//! path with the INSERT path's results.
#![recursion_limit = "256"]

mod common;

use common::models::{seed_users, LooseUser, User};
use common::Kind;
use orm::prelude::*;

fn users(n: usize, prefix: &str) -> Vec<User> {
    (0..n)
        .map(|i| {
            User::new(
                &format!("{prefix}{i:05}"),
                (i % 2 == 0).then_some("e@x"),
                i as i32,
            )
        })
        .collect()
}

/// Every user, by id.
async fn stored(s: &mut Session) -> Result<Vec<User>> {
    s.select::<User>().order_by(User::id).all().await
}

both!(async fn copy_in_writes_the_rows_with_generated_keys(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let rows = users(3, "u");
    assert_eq!(s.copy_in(&rows).await?, 3);
    s.commit().await?;
    let expected: Vec<User> = rows
        .into_iter()
        .zip(1..)
        .map(|(u, id)| User { id, ..u })
        .collect();
    assert_eq!(stored(&mut s).await?, expected);
    Ok(())
});

both!(async fn copy_in_writes_keys_the_rows_carry(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let rows: Vec<User> = users(2, "k")
        .into_iter()
        .zip([10, 20])
        .map(|(u, id)| User { id, ..u })
        .collect();
    assert_eq!(s.copy_in(&rows).await?, 2);
    assert_eq!(stored(&mut s).await?, rows);
    Ok(())
});

both!(async fn copy_in_of_no_rows_sends_nothing(db, kind) {
    let mut s = db.session();
    assert_eq!(s.copy_in::<User>(&[]).await?, 0);
    assert_eq!(s.statements_sent(), 0);
    assert_eq!(s.state(), SessionState::NotStarted);
    Ok(())
});

both!(async fn copy_in_stream_copies_owned_rows_as_they_come(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let rows = futures_util::stream::iter((0..10_000).map(|i| Ok(User::new(&format!("s{i}"), None, i % 7))));
    assert_eq!(s.copy_in_stream(rows).await?, 10_000);
    s.commit().await?;
    assert_eq!(s.select::<User>().count().await?, 10_000);
    assert_eq!(s.select::<User>().filter(User::karma.eq(6)).count().await?, 1_428);
    Ok(())
});

both!(async fn a_unique_violation_aborts_the_whole_copy(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let mut rows = users(100, "v");
    rows[50].name = "cid".to_string();
    let err = s.copy_in(&rows).await.unwrap_err();
    let Error::UniqueViolation(v) = &err else { panic!("{err:?}") };
    assert_eq!(v.table.as_deref(), Some("users"));
    match kind {
        Kind::Postgres => assert_eq!(v.constraint.as_deref(), Some("users_name_key")),
        Kind::Sqlite => assert_eq!(v.column.as_deref(), Some("name")),
    }
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    assert_eq!(s.select::<User>().count().await?, 4, "none of the copied rows is visible");
    Ok(())
});

both!(async fn a_null_into_not_null_aborts_the_whole_copy_naming_the_column(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let rows: Vec<LooseUser> = (0..10)
        .map(|i| LooseUser { id: 0, name: (i != 7).then(|| format!("n{i}")), email: None, karma: i })
        .collect();
    let err = s.copy_in(&rows).await.unwrap_err();
    let Error::NotNullViolation(v) = &err else { panic!("{err:?}") };
    assert_eq!(v.table.as_deref(), Some("users"));
    assert_eq!(v.column.as_deref(), Some("name"));
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    assert_eq!(s.select::<User>().count().await?, 0);
    // Failed, not poisoned: the same session copies again after the rollback.
    assert_eq!(s.copy_in(&users(3, "again")).await?, 3);
    s.commit().await?;
    assert_eq!(s.select::<User>().count().await?, 3);
    Ok(())
});

both!(async fn an_error_from_the_stream_aborts_the_whole_copy(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("kept", None, 1)).await?;
    let rows = futures_util::stream::iter((0..20_000).map(|i| {
        if i == 15_000 {
            Err(Error::InvalidQuery { table: "users", reason: "the source ran dry".into() })
        } else {
            Ok(User::new(&format!("r{i}"), None, 0))
        }
    }));
    let err = s.copy_in_stream(rows).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidQuery { reason, .. } if reason == "the source ran dry"), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    s.add(&mut User::new("after", None, 2)).await?;
    s.commit().await?;
    let names: Vec<String> = stored(&mut s).await?.into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["after"], "the session works again after a rollback");
    Ok(())
});

both!(async fn a_copy_of_rows_with_and_without_keys_is_refused(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut rows = users(3, "m");
    rows[2].id = 99;
    let err = s.copy_in(&rows).await.unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { table: "users", .. }), "{err:?}");
    s.rollback().await?;
    assert_eq!(s.select::<User>().count().await?, 0);
    Ok(())
});

both!(async fn a_large_insert_goes_through_copy_with_the_insert_paths_results(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    // 20 000 rows of 4 columns: 80 000 values, two INSERTs' worth on PostgreSQL.
    let rows = users(20_000, "big");
    let before = s.statements_sent();
    assert_eq!(s.insert::<User>().values(&rows).execute().await?, 20_000);
    let statements = s.statements_sent() - before;
    match kind {
        Kind::Postgres => assert_eq!(statements, 1, "one COPY"),
        // 32 766 binds a statement: 8 191 rows, so three INSERTs.
        Kind::Sqlite => assert_eq!(statements, 3),
    }
    // A small insert takes the INSERT path; both give the same rows.
    let small = users(2, "small");
    s.insert::<User>().values(&small).execute().await?;
    s.commit().await?;
    let all = stored(&mut s).await?;
    let expected: Vec<User> = rows
        .into_iter()
        .chain(small)
        .zip(1..)
        .map(|(u, id)| User { id, ..u })
        .collect();
    assert_eq!(all, expected);
    Ok(())
});

both!(async fn a_large_insert_with_a_duplicate_is_a_typed_unique_violation(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let mut rows = users(20_000, "d");
    rows[19_999].name = "ann".to_string();
    let err = s.insert::<User>().values(&rows).execute().await.unwrap_err();
    let Error::UniqueViolation(v) = &err else { panic!("{err:?}") };
    assert_eq!(v.table.as_deref(), Some("users"));
    s.rollback().await?;
    assert_eq!(s.select::<User>().count().await?, 4);
    Ok(())
});

both!(async fn copy_out_writes_a_table_as_csv_with_a_header(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let mut out = Vec::new();
    let result = s.copy_out::<User, _>(&mut out, CopyFormat::Csv { header: true }).await;
    match kind {
        Kind::Postgres => {
            let csv = String::from_utf8(out).expect("utf-8");
            assert_eq!(result?, csv.len() as u64);
            assert_eq!(
                csv,
                "id,name,email,karma\n1,ann,ann@example.com,3\n2,bob,,1\n3,cid,,7\n4,dee,dee@example.com,5\n"
            );
        }
        Kind::Sqlite => {
            let err = result.unwrap_err();
            assert!(matches!(err, Error::Unsupported { backend: "sqlite", .. }), "{err:?}");
            assert!(out.is_empty());
            assert_eq!(s.state(), SessionState::NotStarted, "nothing was sent");
        }
    }
    Ok(())
});

both!(async fn copy_out_of_a_select_with_values_keeps_its_order(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let mut out = Vec::new();
    let result = s
        .select::<User>()
        .filter(User::karma.gt(2))
        .order_by(User::karma.desc())
        .limit(2)
        .copy_out(&mut out, CopyFormat::Text)
        .await;
    if kind == Kind::Sqlite {
        assert!(matches!(result, Err(Error::Unsupported { backend: "sqlite", .. })), "{result:?}");
        return Ok(());
    }
    result?;
    assert_eq!(String::from_utf8(out).expect("utf-8"), "3\tcid\t\\N\t7\n4\tdee\tdee@example.com\t5\n");
    // The temporary table it went through is gone.
    let temps: (i64,) = s
        .raw("SELECT count(*) FROM pg_class WHERE relname LIKE 'orm_copy_%' AND relpersistence = 't'")
        .fetch_one()
        .await?;
    assert_eq!(temps.0, 0);
    Ok(())
});

both!(async fn copy_out_of_raw_sql_as_csv_without_a_header(db, kind) {
    let mut s = db.session();
    let mut out = Vec::new();
    let result = s
        .raw("SELECT g AS n, 'a,b' AS quoted FROM generate_series(1, 3) g ORDER BY g DESC")
        .copy_out(&mut out, CopyFormat::Csv { header: false })
        .await;
    if kind == Kind::Sqlite {
        assert!(matches!(result, Err(Error::Unsupported { backend: "sqlite", .. })), "{result:?}");
        return Ok(());
    }
    assert_eq!(result?, 24);
    assert_eq!(String::from_utf8(out).expect("utf-8"), "3,\"a,b\"\n2,\"a,b\"\n1,\"a,b\"\n");
    Ok(())
});

both!(async fn a_row_postgres_cannot_store_aborts_the_copy_naming_row_and_column(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut rows = users(10, "b");
    rows[6].name = "nul\0inside".to_string();
    let result = s.copy_in(&rows).await;
    match kind {
        Kind::Postgres => {
            let err = result.unwrap_err();
            let Error::InvalidBind { parameter, reason } = &err else { panic!("{err:?}") };
            assert_eq!(*parameter, 1);
            assert!(reason.starts_with("row 6 of the COPY into `users`, column `name`: "), "{reason}");
            assert_eq!(s.state(), SessionState::Failed, "the COPY was under way");
            s.rollback().await?;
            assert_eq!(s.select::<User>().count().await?, 0);
        }
        // SQLite stores text with NUL characters.
        Kind::Sqlite => assert_eq!(result?, 10),
    }
    Ok(())
});
