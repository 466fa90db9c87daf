//! Document tables: create, insert, get, find, query, save, delete, on both backends.
#![cfg(feature = "documents")]
#![recursion_limit = "256"]

mod common;

use common::Kind;
use orm::prelude::*;
use orm::{Allowed, Document};
use serde_json::{json, Map, Value as Json};

/// The data of `docs`, in order.
fn data(docs: &[Document]) -> Vec<Json> {
    docs.iter()
        .map(|d| Json::Object(d.data().clone()))
        .collect()
}

/// The ids of `docs`, in order.
fn ids(docs: &[Document]) -> Vec<i64> {
    docs.iter().map(Document::id).collect()
}

both!(async fn insert_returns_the_row_with_its_generated_id_and_get_reads_it(db, kind) {
    let mut s = db.session();
    let mut people = s.documents("people");
    people.create_table().await?;
    let ann = people.insert(json!({"name": "ann", "age": 31})).await?;
    let bob = people.insert([("name", "bob")]).await?;
    assert_eq!((ann.id(), bob.id()), (1, 2));
    assert_eq!(ann.table(), "people");
    assert_eq!(Json::Object(ann.data().clone()), json!({"name": "ann", "age": 31}));
    assert_eq!(people.get(1).await?, ann);
    assert_eq!(people.get(2).await?["name"], json!("bob"));
    let err = people.get(3).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { table } if table == "people"), "{err:?}");
    assert_eq!(s.state(), SessionState::Active, "NotFound leaves the session usable");
    s.commit().await?;
    Ok(())
});

both!(async fn data_is_jsonb_with_a_gin_index_on_postgres_and_text_on_sqlite(db, kind) {
    let mut s = db.session();
    s.documents("people").create_table().await?;
    match kind {
        Kind::Postgres => {
            let (ty,): (String,) = s
                .raw("SELECT data_type::text FROM information_schema.columns \
                      WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'data'")
                .bind("people")
                .fetch_one()
                .await?;
            assert_eq!(ty, "jsonb");
            let (index,): (String,) = s
                .raw("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1")
                .bind("people_data_idx")
                .fetch_one()
                .await?;
            assert!(index.ends_with("USING gin (data jsonb_path_ops)"), "{index}");
        }
        Kind::Sqlite => {
            let (ty,): (String,) = s
                .raw("SELECT type FROM pragma_table_info('people') WHERE name = 'data'")
                .fetch_one()
                .await?;
            assert_eq!(ty, "TEXT");
        }
    }
    Ok(())
});

both!(async fn create_and_drop_report_existing_and_missing_tables(db, kind) {
    let mut s = db.session();
    s.documents("people").create_table().await?;
    s.documents("people").create_table_if_not_exists().await?;
    s.commit().await?;
    let err = s.documents("people").create_table().await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    s.rollback().await?;
    s.documents("people").drop_table().await?;
    s.documents("people").drop_table_if_exists().await?;
    s.commit().await?;
    let err = s.documents("people").drop_table().await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    s.rollback().await?;
    Ok(())
});

both!(async fn find_streams_the_rows_matching_every_key_in_id_order(db, kind) {
    let mut s = db.session();
    let mut people = s.documents("people");
    people.create_table().await?;
    people.insert(json!({"name": "ann", "city": "Oslo", "role": "dev"})).await?;
    people.insert(json!({"name": "bob", "city": "Rome", "role": "dev"})).await?;
    people.insert(json!({"name": "cid", "city": "Oslo", "role": "ops"})).await?;
    people.insert(json!({"name": "dee", "city": "Oslo", "role": "dev"})).await?;
    let oslo_devs: Vec<Document> = people.find([("city", "Oslo"), ("role", "dev")]).try_collect().await?;
    assert_eq!(ids(&oslo_devs), [1, 4]);
    let everyone: Vec<Document> = people.find(Map::new()).try_collect().await?;
    assert_eq!(ids(&everyone), [1, 2, 3, 4]);
    let nobody: Vec<Document> = people.find([("city", "Paris")]).try_collect().await?;
    assert!(nobody.is_empty());
    Ok(())
});

both!(async fn find_compares_values_by_json_type_and_whole_arrays_and_objects(db, kind) {
    let mut s = db.session();
    let mut t = s.documents("values");
    t.create_table().await?;
    let rows = [
        json!({"v": 1}),                       // 1
        json!({"v": "1"}),                     // 2
        json!({"v": true}),                    // 3
        json!({"v": null}),                    // 4
        json!({"w": 1}),                       // 5: no "v"
        json!({"v": [1, 2]}),                  // 6
        json!({"v": [1]}),                     // 7
        json!({"v": {"a": 1, "b": [2]}}),      // 8
        json!({"v": {"a": 1}}),                // 9
        json!({"v": 1.5}),                     // 10
        json!({"v": false}),                   // 11
    ];
    for row in rows {
        t.insert(row).await?;
    }
    let mut found = Vec::new();
    for value in [json!(1), json!(1.0), json!("1"), json!(true), json!(null), json!([1]),
                  json!([1, 2]), json!({"a": 1}), json!({"b": [2], "a": 1}), json!(1.5), json!(false)] {
        let rows: Vec<Document> = t.find(json!({ "v": value })).try_collect().await?;
        found.push(ids(&rows));
    }
    assert_eq!(
        found,
        [vec![1], vec![1], vec![2], vec![3], vec![4], vec![7], vec![6], vec![9], vec![8], vec![10], vec![11]]
    );
    Ok(())
});

both!(async fn find_first_and_find_single_report_none_and_many(db, kind) {
    let mut s = db.session();
    let mut people = s.documents("people");
    people.create_table().await?;
    people.insert(json!({"name": "ann", "city": "Oslo"})).await?;
    people.insert(json!({"name": "bob", "city": "Oslo"})).await?;
    assert_eq!(people.find_first([("city", "Oslo")]).await?.id(), 1);
    assert_eq!(people.find_single([("name", "bob")]).await?.id(), 2);
    let none = people.find_first([("city", "Rome")]).await.unwrap_err();
    assert!(matches!(&none, Error::NotFound { table } if table == "people"), "{none:?}");
    let none = people.find_single([("city", "Rome")]).await.unwrap_err();
    assert!(matches!(none, Error::NotFound { .. }), "{none:?}");
    let many = people.find_single([("city", "Oslo")]).await.unwrap_err();
    assert!(matches!(&many, Error::MultipleRowsFound { table } if table == "people"), "{many:?}");
    Ok(())
});

both!(async fn query_filters_sorts_skips_limits_and_counts(db, kind) {
    let mut s = db.session();
    let mut people = s.documents("people");
    people.create_table().await?;
    for (name, city, age) in [("ann", "Oslo", 31), ("bob", "Rome", 45), ("cid", "Oslo", 27),
                              ("dee", "Oslo", 52), ("eve", "Oslo", 27)] {
        people.insert(json!({"name": name, "city": city, "age": age})).await?;
    }
    let by_age = people.query().filter([("city", "Oslo")]).order_by("age").all().await?;
    assert_eq!(ids(&by_age), [3, 5, 1, 4], "ties go by id");
    let page = people.query().filter([("city", "Oslo")]).order_by_desc("age").offset(1).limit(2).all().await?;
    assert_eq!(ids(&page), [1, 3]);
    let skipped = people.query().offset(3).all().await?;
    assert_eq!(ids(&skipped), [4, 5]);
    let by_name = people.query().order_by_desc("name").limit(2).all().await?;
    assert_eq!(data(&by_name)[0]["name"], json!("eve"));
    assert_eq!(people.query().filter([("city", "Oslo")]).count().await?, 4);
    assert_eq!(people.query().filter([("city", "Oslo")]).offset(1).limit(2).count().await?, 2);
    assert_eq!(people.query().count().await?, 5);
    let first = people.query().filter([("age", 27)]).first().await?;
    assert_eq!(first.map(|d| d.id()), Some(3));
    let err = people.query().filter(json!("not a map")).all().await.unwrap_err();
    assert!(matches!(err, Error::InvalidDocument { key: None, .. }), "{err:?}");
    Ok(())
});

both!(async fn sorting_goes_by_type_then_value_with_missing_keys_last(db, kind) {
    let mut s = db.session();
    let mut t = s.documents("mixed");
    t.create_table().await?;
    for v in [json!({"k": "b"}), json!({"k": 10}), json!({}), json!({"k": true}), json!({"k": "B"}),
              json!({"k": 9.5}), json!({"k": null}), json!({"k": false}), json!({"k": "é"})] {
        t.insert(v).await?;
    }
    let asc = t.query().order_by("k").all().await?;
    assert_eq!(ids(&asc), [7, 5, 1, 9, 6, 2, 8, 4, 3]);
    let desc = t.query().order_by_desc("k").all().await?;
    assert_eq!(ids(&desc), [4, 8, 2, 6, 9, 1, 5, 7, 3]);
    Ok(())
});

both!(async fn save_replaces_the_whole_map_and_delete_removes_the_row(db, kind) {
    let mut s = db.session();
    s.documents("people").create_table().await?;
    let mut ann = s.documents("people").insert(json!({"name": "ann", "tmp": 1, "city": "Oslo"})).await?;
    ann.remove("tmp");
    ann.insert("city".into(), json!("Bergen"));
    ann.data_mut().insert("pets".into(), json!(["cat"]));
    ann.save(&mut s).await?;
    s.commit().await?;
    let stored = s.documents("people").get(ann.id()).await?;
    assert_eq!(Json::Object(stored.into_data()), json!({"name": "ann", "city": "Bergen", "pets": ["cat"]}));
    ann.delete(&mut s).await?;
    let err = s.documents("people").get(ann.id()).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = ann.save(&mut s).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { table } if table == "people"), "{err:?}");
    let err = ann.delete(&mut s).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    s.commit().await?;
    Ok(())
});

both!(async fn awkward_keys_and_values_round_trip_and_match(db, kind) {
    let awkward = [
        "", "\"", "'", "\\", "a\"b", "a\\\"b", "a.b", "$.x", "[0]", "é", "日本", "😀",
        "tab\tnew\nline", "\u{7f}\u{1}", "--", "' OR 1=1 --",
    ];
    let mut s = db.session();
    let mut t = s.documents("awk\"ward table");
    t.create_table().await?;
    let doc: Map<String, Json> = awkward.iter().map(|k| (k.to_string(), json!(k))).collect();
    let stored = t.insert(doc.clone()).await?;
    assert_eq!(t.get(stored.id()).await?.into_data(), doc);
    t.insert(json!({"other": 1})).await?;
    for key in awkward {
        let found: Vec<Document> = t.find([(key, key)]).try_collect().await?;
        assert_eq!(ids(&found), [stored.id()], "key {key:?}");
        let sorted = t.query().order_by(key).all().await?;
        assert_eq!(ids(&sorted), [1, 2], "key {key:?}");
    }
    let all: Map<String, Json> = doc.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    assert_eq!(t.find_single(all).await?.id(), 1);
    Ok(())
});

both!(async fn debug_mode_refuses_a_document_before_sending_it(db, kind) {
    let mut s = db.session();
    s.documents("people").create_table().await?;
    s.commit().await?;
    let mut strict = s.documents("people").debug(Allowed::Strings);
    let err = strict.insert(json!({"name": "ann", "age": 31})).await.unwrap_err();
    match err {
        Error::InvalidDocument { table, key, reason } => {
            assert_eq!((table.as_str(), key.as_deref()), ("people", Some("age")));
            assert_eq!(reason, "the value is a number, and this table allows only strings");
        }
        other => panic!("{other:?}"),
    }
    let mut ann = strict.insert([("name", "ann")]).await?;
    ann.insert("age".into(), json!(31));
    let err = ann.save(&mut s).await.unwrap_err();
    assert!(matches!(err, Error::InvalidDocument { .. }), "rows keep their table's check: {err:?}");
    let err = s.documents("people").debug(Allowed::Json)
        .insert(json!({"nested": ["ok", "nul\u{0}"]})).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidDocument { key: Some(k), .. } if k == "nested"), "{err:?}");
    assert_eq!(s.state(), SessionState::Active, "nothing was sent, nothing failed");
    s.documents("people").debug(Allowed::Json).insert(json!({"age": 31, "ok": [true, null]})).await?;
    assert_eq!(s.documents("people").query().count().await?, 2);
    let err = s.documents("people").insert(json!([1, 2])).await.unwrap_err();
    assert!(matches!(err, Error::InvalidDocument { key: None, .. }), "{err:?}");
    Ok(())
});

both!(async fn documents_live_in_the_session_transaction(db, kind) {
    let mut s = db.session();
    s.documents("people").create_table().await?;
    s.commit().await?;
    let ann = s.documents("people").insert([("name", "ann")]).await?;
    s.rollback().await?;
    assert!(matches!(s.documents("people").get(ann.id()).await, Err(Error::NotFound { .. })));
    let bob = s.documents("people").insert([("name", "bob")]).await?;
    s.commit().await?;
    bob.delete(&mut s).await?;
    s.rollback().await?;
    assert_eq!(s.documents("people").get(bob.id()).await?, bob);
    Ok(())
});
