//! `#[column(json)]` and `Json<T>`: any serde type in a JSON column (jsonb
//! on PostgreSQL, TEXT on SQLite), and a Decode error naming the column when
//! the stored document does not fit the type.
#![cfg(feature = "json")]
#![recursion_limit = "256"]

mod common;

use std::collections::BTreeMap;

use common::Kind;
use orm::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Settings {
    theme: String,
    font_size: u8,
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
    Dot,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "profiles")]
struct Profile {
    #[column(primary_key)]
    id: i64,
    #[column(json)]
    settings: Settings,
    #[column(json)]
    shape: Shape,
    #[column(json)]
    counts: BTreeMap<String, i64>,
    #[column(json)]
    nickname: Option<Settings>,
    history: Json<Vec<Shape>>,
}

fn profile(id: i64) -> Profile {
    Profile {
        id,
        settings: Settings {
            theme: "dark ☾ 🦀".into(),
            font_size: 14,
            tags: vec!["a".into(), String::new()],
        },
        shape: Shape::Circle { radius: 1.5 },
        counts: BTreeMap::from([("x".to_string(), i64::MAX), ("ü".to_string(), -1)]),
        nickname: None,
        history: Json(vec![Shape::Dot, Shape::Square { side: 2.0 }]),
    }
}

both!(async fn serde_types_round_trip_through_json_columns(db, kind) {
    db.create_tables(&[Profile::table()]).await?;
    let mut s = db.session();
    let rows = vec![
        profile(1),
        Profile {
            shape: Shape::Dot,
            counts: BTreeMap::new(),
            nickname: Some(Settings { theme: String::new(), font_size: 0, tags: vec![] }),
            history: Json(vec![]),
            ..profile(2)
        },
    ];
    assert_eq!(s.insert::<Profile>().values(&rows).execute().await?, 2);
    s.commit().await?;
    assert_eq!(s.select::<Profile>().order_by(Profile::id).all().await?, rows);
    // The column's SQL type: jsonb on PostgreSQL, TEXT on SQLite.
    let declared: Vec<(String,)> = match kind {
        Kind::Postgres => s.raw("SELECT data_type::text FROM information_schema.columns \
                                 WHERE table_schema = current_schema() AND table_name = 'profiles' \
                                 AND column_name = 'shape'").fetch_all().await?,
        Kind::Sqlite => s.raw("SELECT type FROM pragma_table_info('profiles') WHERE name = 'shape'")
            .fetch_all().await?,
    };
    let expected = if kind == Kind::Postgres { "jsonb" } else { "TEXT" };
    assert_eq!(declared, [(expected.to_string(),)]);
    // NULL only where the field is an Option.
    assert_eq!(s.select::<Profile>().filter(Profile::nickname.eq(None)).count().await?, 1);
    Ok(())
});

both!(async fn a_stored_document_that_does_not_fit_the_type_is_a_decode_error_naming_the_column(db, kind) {
    db.create_tables(&[Profile::table()]).await?;
    let mut s = db.session();
    s.add(&mut profile(1)).await?;
    let sql = match kind {
        Kind::Postgres => "UPDATE profiles SET settings = '{\"theme\": 7}'::jsonb",
        Kind::Sqlite => "UPDATE profiles SET settings = '{\"theme\": 7}'",
    };
    s.raw(sql).execute().await?;
    let err = s.select::<Profile>().one().await.unwrap_err();
    match err {
        Error::Decode { column, expected, found } => {
            assert_eq!(column, "settings");
            assert_eq!(expected, "json_columns::Settings");
            assert_eq!(
                found,
                "a JSON document that does not fit: invalid type: integer `7`, expected a string"
            );
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    Ok(())
});

both!(async fn a_value_that_cannot_be_serialized_is_a_bind_error(db, kind) {
    #[derive(Table, Debug)]
    #[table(name = "keyed")]
    struct Keyed {
        #[column(primary_key)]
        id: i64,
        // JSON object keys are strings: a map keyed by tuples cannot be serialized.
        #[column(json)]
        by_pair: BTreeMap<(i32, i32), String>,
    }
    db.create_tables(&[Keyed::table()]).await?;
    let mut s = db.session();
    let mut row = Keyed { id: 1, by_pair: BTreeMap::from([((1, 2), "x".to_string())]) };
    let err = s.add(&mut row).await.unwrap_err();
    match err {
        Error::InvalidBind { parameter, reason } => {
            assert_eq!(parameter, 2);
            assert_eq!(reason, "the value cannot be serialized to JSON: key must be a string");
        }
        other => panic!("expected InvalidBind, got {other:?}"),
    }
    Ok(())
});
