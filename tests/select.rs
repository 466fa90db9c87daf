//! SELECT: filters, ordering, limit/offset and the terminal methods, on both backends.
#![recursion_limit = "256"]

mod common;

use common::models::{names, seed_users, User};
use orm::prelude::*;

both!(async fn comparison_operators_select_exact_rows(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let q = async |s: &mut Session, f: orm::Expr<User, bool>| -> orm::Result<Vec<String>> {
        let rows = s.select::<User>().filter(f).order_by(User::name).all().await?;
        Ok(rows.into_iter().map(|u| u.name).collect())
    };
    assert_eq!(q(&mut s, User::karma.eq(3)).await?, ["ann"]);
    assert_eq!(q(&mut s, User::karma.ne(3)).await?, ["bob", "cid", "dee"]);
    assert_eq!(q(&mut s, User::karma.lt(5)).await?, ["ann", "bob"]);
    assert_eq!(q(&mut s, User::karma.le(5)).await?, ["ann", "bob", "dee"]);
    assert_eq!(q(&mut s, User::karma.gt(5)).await?, ["cid"]);
    assert_eq!(q(&mut s, User::karma.ge(5)).await?, ["cid", "dee"]);
    assert_eq!(q(&mut s, User::name.eq("bob")).await?, ["bob"]);
    Ok(())
});

both!(async fn and_or_not_combine_filters(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let rows = s
        .select::<User>()
        .filter(User::karma.gt(1).and(User::email.is_null()))
        .all()
        .await?;
    assert_eq!(names(&rows), ["cid"]);
    let rows = s
        .select::<User>()
        .filter(User::name.eq("ann").or(User::karma.ge(7)))
        .order_by(User::id)
        .all()
        .await?;
    assert_eq!(names(&rows), ["ann", "cid"]);
    let rows = s
        .select::<User>()
        .filter(User::name.eq("ann").or(User::name.eq("bob")).not())
        .order_by(User::id)
        .all()
        .await?;
    assert_eq!(names(&rows), ["cid", "dee"]);
    // Two filter calls are ANDed.
    let rows = s
        .select::<User>()
        .filter(User::karma.gt(2))
        .filter(User::karma.lt(6))
        .order_by(User::id)
        .all()
        .await?;
    assert_eq!(names(&rows), ["ann", "dee"]);
    Ok(())
});

both!(async fn comparing_with_none_becomes_is_null(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let rows = s.select::<User>().filter(User::email.eq(None)).order_by(User::id).all().await?;
    assert_eq!(names(&rows), ["bob", "cid"]);
    let rows = s.select::<User>().filter(User::email.ne(None)).order_by(User::id).all().await?;
    assert_eq!(names(&rows), ["ann", "dee"]);
    let rows = s.select::<User>().filter(User::email.is_not_null()).order_by(User::id).all().await?;
    assert_eq!(names(&rows), ["ann", "dee"]);
    let rows = s.select::<User>().filter(User::email.eq("ann@example.com")).all().await?;
    assert_eq!(names(&rows), ["ann"]);
    Ok(())
});

both!(async fn like_in_list_and_between(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let rows = s.select::<User>().filter(User::email.like("%@example.com")).order_by(User::id).all().await?;
    assert_eq!(names(&rows), ["ann", "dee"]);
    let rows = s.select::<User>().filter(User::name.not_like("_e%")).order_by(User::id).all().await?;
    assert_eq!(names(&rows), ["ann", "bob", "cid"]);
    let rows = s.select::<User>().filter(User::name.in_list(["bob", "dee", "zed"])).order_by(User::id).all().await?;
    assert_eq!(names(&rows), ["bob", "dee"]);
    let rows = s.select::<User>().filter(User::karma.between(3, 5)).order_by(User::id).all().await?;
    assert_eq!(names(&rows), ["ann", "dee"]);
    Ok(())
});

both!(async fn an_empty_in_list_matches_nothing(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let none: Vec<i64> = Vec::new();
    assert_eq!(s.select::<User>().filter(User::id.in_list(none.clone())).count().await?, 0);
    assert_eq!(s.select::<User>().filter(User::id.not_in_list(none)).count().await?, 4);
    Ok(())
});

both!(async fn in_lists_of_any_length_and_not_in_lists_match_exactly(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    // On PostgreSQL each list is one array parameter (`= ANY($1)`), so the
    // three lengths below run one prepared statement; the rows are the same.
    for (ids, expected) in [
        (vec![2i64], vec!["bob"]),
        (vec![4, 1], vec!["ann", "dee"]),
        (vec![1, 2, 3, 99], vec!["ann", "bob", "cid"]),
    ] {
        let rows = s.select::<User>().filter(User::id.in_list(ids.clone())).order_by(User::id).all().await?;
        assert_eq!(names(&rows), expected);
        let rows = s.select::<User>().filter(User::id.not_in_list(ids)).order_by(User::id).all().await?;
        assert_eq!(rows.len(), 4 - expected.len());
    }
    // NULL in a list stays a plain IN list (NULL matches nothing).
    let rows = s.select::<User>().filter(User::email.in_list([None, Some("ann@example.com".to_string())])).all().await?;
    assert_eq!(names(&rows), ["ann"]);
    // Lists combine with other filters and with the same list twice.
    let rows = s
        .select::<User>()
        .filter(User::id.in_list([1i64, 2, 3]).and(User::name.not_in_list(["bob"])))
        .order_by(User::id)
        .all()
        .await?;
    assert_eq!(names(&rows), ["ann", "cid"]);
    Ok(())
});

both!(async fn order_by_several_keys_in_both_directions(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    s.add(&mut User::new("eve", None, 5)).await?;
    let rows = s
        .select::<User>()
        .order_by(User::karma.desc())
        .order_by(User::name.asc())
        .all()
        .await?;
    assert_eq!(names(&rows), ["cid", "dee", "eve", "ann", "bob"]);
    Ok(())
});

both!(async fn limit_and_offset_page_through_rows(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let page = s.select::<User>().order_by(User::id).limit(2).offset(1).all().await?;
    assert_eq!(names(&page), ["bob", "cid"]);
    let rest = s.select::<User>().order_by(User::id).offset(3).all().await?;
    assert_eq!(names(&rest), ["dee"]);
    let nothing = s.select::<User>().limit(0).all().await?;
    assert!(nothing.is_empty());
    assert_eq!(s.select::<User>().limit(3).count().await?, 3);
    assert_eq!(s.select::<User>().offset(1).count().await?, 3);
    Ok(())
});

both!(async fn first_one_count_and_exists(db, kind) {
    let users = seed_users(&db).await?;
    let mut s = db.session();
    let first = s.select::<User>().order_by(User::karma.desc()).first().await?;
    assert_eq!(first.as_ref().map(|u| u.name.as_str()), Some("cid"));
    assert_eq!(s.select::<User>().filter(User::karma.gt(100)).first().await?, None);
    let one = s.select::<User>().filter(User::name.eq("dee")).one().await?;
    assert_eq!(one, users[3]);
    assert_eq!(s.select::<User>().count().await?, 4);
    assert_eq!(s.select::<User>().filter(User::email.is_null()).count().await?, 2);
    assert!(s.select::<User>().filter(User::name.eq("bob")).exists().await?);
    assert!(!s.select::<User>().filter(User::name.eq("nobody")).exists().await?);
    Ok(())
});

both!(async fn one_reports_none_and_many_as_typed_errors(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let err = s.select::<User>().filter(User::karma.gt(100)).one().await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { table } if table == "users"), "{err:?}");
    let err = s.select::<User>().filter(User::email.is_null()).one().await.unwrap_err();
    assert!(matches!(&err, Error::MultipleRowsFound { table } if table == "users"), "{err:?}");
    // Neither is a database error: the session is still usable.
    assert_eq!(s.state(), SessionState::Active);
    assert_eq!(s.select::<User>().count().await?, 4);
    Ok(())
});

both!(async fn stream_yields_every_row_in_order(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let mut stream = s.select::<User>().order_by(User::id).stream();
    let mut seen = Vec::new();
    while let Some(user) = stream.try_next().await? {
        seen.push(user.name);
    }
    drop(stream);
    assert_eq!(seen, ["ann", "bob", "cid", "dee"]);
    // A stream dropped halfway leaves the session usable.
    let mut stream = s.select::<User>().order_by(User::id).stream();
    let first = stream.try_next().await?;
    assert_eq!(first.map(|u| u.name), Some("ann".to_string()));
    drop(stream);
    assert_eq!(s.select::<User>().count().await?, 4);
    Ok(())
});
