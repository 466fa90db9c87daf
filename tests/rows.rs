//! Row helpers: get, add, insert_now, update_now, delete_now, remove, merge.
#![recursion_limit = "256"]

mod common;

use common::models::{Membership, User};
use orm::prelude::*;

both!(async fn add_inserts_a_new_row_and_fills_its_key(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut ann = User::new("ann", None, 3);
    let mut bob = User::new("bob", Some("b@x"), 4);
    s.add(&mut ann).await?;
    s.add(&mut bob).await?;
    assert_eq!((ann.id, bob.id), (1, 2));
    s.commit().await?;
    let stored = s.select::<User>().order_by(User::id).all().await?;
    assert_eq!(stored, vec![ann, bob]);
    Ok(())
});

both!(async fn add_updates_a_row_that_has_its_key(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut ann = User::new("ann", None, 3);
    s.add(&mut ann).await?;
    ann.karma = 30;
    ann.email = Some("ann@x".into());
    s.add(&mut ann).await?;
    s.commit().await?;
    assert_eq!(s.select::<User>().all().await?, vec![ann]);
    Ok(())
});

both!(async fn update_now_and_delete_now_need_an_existing_key(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut ghost = User::new("ghost", None, 0);
    ghost.id = 99;
    let err = s.update_now(&ghost).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { table } if table == "users"), "{err:?}");
    let err = s.delete_now(&ghost).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { table } if table == "users"), "{err:?}");
    Ok(())
});

both!(async fn row_helpers_refuse_a_row_without_its_key(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    s.add(&mut User::new("keep", None, 1)).await?;
    let unsaved = User::new("unsaved", None, 0);
    for err in [
        s.update_now(&unsaved).await.unwrap_err(),
        s.delete_now(&unsaved).await.unwrap_err(),
        s.remove(&unsaved).await.unwrap_err(),
        s.merge(&unsaved).await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::MissingPrimaryKey { table: "users" }), "{err:?}");
    }
    // Nothing was updated or deleted, and the session is still usable.
    assert_eq!(s.select::<User>().count().await?, 1);
    s.commit().await?;
    Ok(())
});

both!(async fn remove_deletes_by_key(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut ann = User::new("ann", None, 3);
    let mut bob = User::new("bob", None, 4);
    s.add(&mut ann).await?;
    s.add(&mut bob).await?;
    s.remove(&ann).await?;
    s.commit().await?;
    assert_eq!(s.select::<User>().all().await?, vec![bob]);
    Ok(())
});

both!(async fn insert_now_writes_an_explicit_key(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut u = User::new("explicit", None, 1);
    u.id = 42;
    s.insert_now(&mut u).await?;
    assert_eq!(u.id, 42);
    assert_eq!(s.select::<User>().filter(User::id.eq(42)).one().await?.name, "explicit");
    Ok(())
});

both!(async fn merge_inserts_then_updates_on_the_key(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut u = User::new("merged", None, 1);
    u.id = 7;
    s.merge(&u).await?;
    u.karma = 2;
    u.email = Some("m@x".into());
    s.merge(&u).await?;
    s.commit().await?;
    assert_eq!(s.select::<User>().all().await?, vec![u]);
    Ok(())
});

both!(async fn composite_keys_work_with_every_row_helper(db, kind) {
    db.create_tables(&[Membership::table()]).await?;
    let mut s = db.session();
    let mut a = Membership { group_id: 1, user_id: 10, role: "member".into() };
    let mut b = Membership { group_id: 1, user_id: 11, role: "owner".into() };
    s.add(&mut a).await?;
    s.add(&mut b).await?;
    a.role = "admin".into();
    s.update_now(&a).await?;
    b.role = "guest".into();
    s.add(&mut b).await?; // no generated key: add merges
    s.commit().await?;
    let rows = s.select::<Membership>().order_by(Membership::user_id).all().await?;
    assert_eq!(rows, vec![a.clone(), b.clone()]);
    s.delete_now(&a).await?;
    s.commit().await?;
    assert_eq!(s.select::<Membership>().all().await?, vec![b]);
    Ok(())
});

both!(async fn get_finds_a_row_by_its_key_in_one_statement_or_says_none(db, kind) {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut ann = User::new("ann", Some("a@x"), 3);
    let mut bob = User::new("bob", None, 4);
    s.add(&mut ann).await?;
    s.add(&mut bob).await?;
    s.commit().await?;

    let before = s.statements_sent();
    assert_eq!(s.get::<User>(bob.id).await?, Some(bob.clone()));
    assert_eq!(s.statements_sent(), before + 1);
    assert_eq!(s.get::<User>(ann.id).await?, Some(ann));
    assert_eq!(s.get::<User>(999).await?, None);
    // Inside a transaction it sees the transaction's own writes.
    s.remove(&bob).await?;
    assert_eq!(s.get::<User>(bob.id).await?, None);
    s.rollback().await?;
    assert_eq!(s.get::<User>(bob.id).await?, Some(bob));
    s.commit().await?;
    Ok(())
});

both!(async fn get_takes_every_part_of_a_composite_key_in_declaration_order(db, kind) {
    db.create_tables(&[Membership::table()]).await?;
    let mut s = db.session();
    let rows = [(1, 10, "owner"), (1, 20, "member"), (2, 10, "member")];
    for (group_id, user_id, role) in rows {
        let member = Membership { group_id, user_id, role: role.into() };
        s.merge(&member).await?;
    }
    s.commit().await?;
    let found = s.get::<Membership>((1, 20)).await?;
    assert_eq!(found.map(|m| m.role), Some("member".to_string()));
    assert_eq!(s.get::<Membership>((2, 10)).await?.map(|m| m.role), Some("member".into()));
    assert_eq!(s.get::<Membership>((2, 20)).await?, None);
    s.commit().await?;
    Ok(())
});
