//! Server-side cursors: declared from a select or raw SQL with bound
//! values, fetched a batch at a time, moved both ways on a scroll cursor,
//! closed by `close` or by the end of the transaction (PostgreSQL); SQLite
//! has none and says so, sending nothing.
#![recursion_limit = "256"]

mod common;

use common::models::User;
use common::Kind;
use orm::prelude::*;

/// 25 users `u01` .. `u25`, karma 1 .. 25, ids 1 .. 25; committed.
async fn seed(db: &Database) -> Result<()> {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let rows: Vec<User> = (1..=25)
        .map(|i| User::new(&format!("u{i:02}"), None, i))
        .collect();
    s.insert::<User>().values(&rows).execute().await?;
    s.commit().await
}

fn karmas(rows: &[User]) -> Vec<i32> {
    rows.iter().map(|u| u.karma).collect()
}

/// On SQLite, `declare` is `Unsupported` and nothing was sent.
fn refused_on_sqlite<T: std::fmt::Debug>(declared: Result<T>, s: &Session) {
    let err = declared.unwrap_err();
    let Error::Unsupported { backend, what } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*backend, "sqlite");
    assert!(what.starts_with("server-side cursors"), "{what}");
    assert_eq!(
        s.state(),
        SessionState::NotStarted,
        "no transaction was opened"
    );
    assert_eq!(s.statements_sent(), 0);
}

both!(async fn a_select_cursor_fetches_batches_in_order_with_bound_values(db, kind) {
    seed(&db).await?;
    let mut s = db.session();
    let declared = s
        .select::<User>()
        .filter(User::karma.gt(2))
        .order_by(User::karma)
        .cursor()
        .await;
    if kind == Kind::Sqlite {
        refused_on_sqlite(declared, &s);
        return Ok(());
    }
    let cursor = declared?;
    assert!(!cursor.is_scroll());
    assert_eq!(karmas(&cursor.fetch(&mut s, 10).await?), (3..=12).collect::<Vec<_>>());
    // Other statements may run between fetches.
    assert_eq!(s.select::<User>().count().await?, 25);
    assert_eq!(karmas(&cursor.fetch(&mut s, 10).await?), (13..=22).collect::<Vec<_>>());
    assert_eq!(karmas(&cursor.fetch(&mut s, 10).await?), [23, 24, 25]);
    assert!(cursor.fetch(&mut s, 10).await?.is_empty());
    cursor.close(&mut s).await?;
    s.commit().await?;
    Ok(())
});

both!(async fn a_scroll_cursor_moves_both_ways_and_to_positions(db, kind) {
    seed(&db).await?;
    let mut s = db.session();
    let declared = s.select::<User>().order_by(User::id).scroll_cursor().await;
    if kind == Kind::Sqlite {
        refused_on_sqlite(declared, &s);
        return Ok(());
    }
    let cursor = declared?;
    assert!(cursor.is_scroll());
    assert_eq!(cursor.fetch_absolute(&mut s, 3).await?.map(|u| u.name), Some("u03".to_string()));
    assert_eq!(karmas(&cursor.fetch_backward(&mut s, 5).await?), [2, 1], "nearest first, stops at the start");
    assert_eq!(cursor.move_absolute(&mut s, 0).await?, 0, "before the first row");
    assert_eq!(karmas(&cursor.fetch(&mut s, 1).await?), [1]);
    assert_eq!(cursor.move_forward(&mut s, 5).await?, 5);
    assert_eq!(karmas(&cursor.fetch(&mut s, 1).await?), [7]);
    assert_eq!(cursor.move_by(&mut s, Direction::Relative(-2)).await?, 1);
    assert_eq!(karmas(&cursor.fetch(&mut s, 2).await?), [6, 7]);
    assert_eq!(cursor.move_backward(&mut s, 3).await?, 3);
    assert_eq!(karmas(&cursor.fetch_in(&mut s, Direction::Forward(1)).await?), [5]);
    assert_eq!(cursor.fetch_absolute(&mut s, -1).await?.map(|u| u.karma), Some(25), "counted from the end");
    assert_eq!(cursor.fetch_absolute(&mut s, 26).await?, None, "past the end");
    assert_eq!(cursor.move_forward(&mut s, 100).await?, 0, "already past the end");
    Ok(())
});

both!(async fn a_forward_only_cursor_refuses_to_go_back_before_sending(db, kind) {
    seed(&db).await?;
    let mut s = db.session();
    let declared = s.select::<User>().order_by(User::id).cursor().await;
    if kind == Kind::Sqlite {
        refused_on_sqlite(declared, &s);
        return Ok(());
    }
    let cursor = declared?;
    assert_eq!(karmas(&cursor.fetch(&mut s, 2).await?), [1, 2]);
    let sent = s.statements_sent();
    for err in [
        cursor.fetch_backward(&mut s, 1).await.unwrap_err(),
        cursor.move_absolute(&mut s, 1).await.unwrap_err(),
        cursor.move_by(&mut s, Direction::Relative(-1)).await.unwrap_err(),
    ] {
        let Error::InvalidQuery { table, reason } = &err else { panic!("{err:?}") };
        assert_eq!(*table, "cursor");
        assert!(reason.contains("declared without SCROLL"), "{reason}");
    }
    assert_eq!(s.statements_sent(), sent, "nothing was sent");
    assert_eq!(s.state(), SessionState::Active);
    assert_eq!(karmas(&cursor.fetch(&mut s, 1).await?), [3], "the cursor is still usable");
    Ok(())
});

both!(async fn a_raw_sql_cursor_binds_its_values(db, kind) {
    let mut s = db.session();
    let declared = s
        .raw("SELECT g, 'row ' || g FROM generate_series($1::int8, $2::int8) g")
        .bind(5i64)
        .bind(9i64)
        .cursor::<(i64, String)>()
        .await;
    if kind == Kind::Sqlite {
        refused_on_sqlite(declared, &s);
        return Ok(());
    }
    let cursor = declared?;
    assert_eq!(
        cursor.fetch(&mut s, 3).await?,
        [(5, "row 5".to_string()), (6, "row 6".to_string()), (7, "row 7".to_string())]
    );
    assert_eq!(cursor.fetch(&mut s, 3).await?, [(8, "row 8".to_string()), (9, "row 9".to_string())]);
    Ok(())
});

both!(async fn a_cursor_used_after_its_transaction_ended_is_closed(db, kind) {
    seed(&db).await?;
    let mut s = db.session();
    if kind == Kind::Sqlite {
        let declared = s.select::<User>().cursor().await;
        refused_on_sqlite(declared, &s);
        return Ok(());
    }
    let committed = s.select::<User>().order_by(User::id).cursor().await?;
    assert_eq!(committed.fetch(&mut s, 1).await?.len(), 1);
    s.commit().await?;
    let err = committed.fetch(&mut s, 1).await.unwrap_err();
    let Error::CursorClosed { name, .. } = &err else { panic!("{err:?}") };
    assert_eq!(name, committed.name());
    assert_eq!(s.state(), SessionState::Committed, "nothing was sent");

    let rolled_back = s.raw("SELECT 1").cursor::<(i32,)>().await?;
    s.rollback().await?;
    // A new transaction does not bring it back.
    assert_eq!(s.select::<User>().count().await?, 25);
    let err = rolled_back.move_forward(&mut s, 1).await.unwrap_err();
    assert!(matches!(err, Error::CursorClosed { .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::Active, "the open transaction is untouched");
    let err = rolled_back.close(&mut s).await.unwrap_err();
    assert!(matches!(err, Error::CursorClosed { .. }), "{err:?}");
    Ok(())
});

both!(async fn closing_a_cursor_frees_it_on_the_server(db, kind) {
    let mut s = db.session();
    let declared = s.raw("SELECT 1").cursor::<(i32,)>().await;
    if kind == Kind::Sqlite {
        refused_on_sqlite(declared, &s);
        return Ok(());
    }
    let cursor = declared?;
    let name = cursor.name().to_string();
    let open = "SELECT count(*) FROM pg_cursors WHERE name = $1";
    let (before,): (i64,) = s.raw(open).bind(name.as_str()).fetch_one().await?;
    assert_eq!(before, 1);
    cursor.close(&mut s).await?;
    let (after,): (i64,) = s.raw(open).bind(name.as_str()).fetch_one().await?;
    assert_eq!(after, 0);
    Ok(())
});

both!(async fn a_failing_cursor_query_fails_the_transaction_like_any_statement(db, kind) {
    let mut s = db.session();
    let declared = s
        .raw("SELECT 10 / (g - $1::int4) FROM generate_series(1, 5) g")
        .bind(3)
        .cursor::<(i32,)>()
        .await;
    if kind == Kind::Sqlite {
        refused_on_sqlite(declared, &s);
        return Ok(());
    }
    // The division by zero happens when the third row is fetched.
    let cursor = declared?;
    assert_eq!(cursor.fetch(&mut s, 2).await?, [(-5,), (-10,)]);
    let err = cursor.fetch(&mut s, 1).await.unwrap_err();
    let Error::Database { code, .. } = &err else { panic!("{err:?}") };
    assert_eq!(code, "22012");
    assert_eq!(s.state(), SessionState::Failed);
    let err = cursor.fetch(&mut s, 1).await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { state: SessionState::Failed, .. }), "{err:?}");
    s.rollback().await?;
    Ok(())
});

both!(params = "pool_size=1", async fn a_cursor_whose_query_changes_a_setting_does_not_leak_it(db, kind) {
    let before = match kind {
        Kind::Postgres => db.session().setting("application_name").await?,
        Kind::Sqlite => String::new(),
    };
    let mut s = db.session();
    let declared = s
        .raw("SELECT set_config('application_name', 'leaky', false)")
        .cursor::<(String,)>()
        .await;
    if kind == Kind::Sqlite {
        refused_on_sqlite(declared, &s);
        return Ok(());
    }
    let cursor = declared?;
    // The query runs as the cursor is fetched: the setting changes then.
    assert_eq!(cursor.fetch(&mut s, 1).await?, [("leaky".to_string(),)]);
    s.commit().await?;
    assert_eq!(db.session().setting("application_name").await?, before);
    Ok(())
});
