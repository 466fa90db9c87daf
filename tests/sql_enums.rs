//! `#[derive(SqlEnum)]`: fieldless enums stored as text labels or as a
//! PostgreSQL enum type, with renames, a CHECK on text storage, and a Decode
//! error naming the column and the label when a stored label is unknown.
#![recursion_limit = "256"]

mod common;

use common::Kind;
use orm::prelude::*;

#[derive(SqlEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[sql_enum(pg_type = "mood")]
enum Mood {
    Happy,
    #[sql_enum(rename = "blue")]
    Sad,
    Meh,
}

#[derive(SqlEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[sql_enum(rename_all = "snake_case")]
enum Status {
    Active,
    OnHold,
    ClosedForGood,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "people")]
struct Person {
    #[column(primary_key)]
    id: i64,
    mood: Mood,
    status: Status,
    maybe_mood: Option<Mood>,
    maybe_status: Option<Status>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "diaries")]
struct Diary {
    #[column(primary_key)]
    id: i64,
    mood: Mood,
}

both!(async fn enums_round_trip_as_labels_and_filter_by_variant(db, kind) {
    db.create_tables(&[Person::table(), Diary::table()]).await?;
    let mut s = db.session();
    let rows = vec![
        Person { id: 1, mood: Mood::Happy, status: Status::Active, maybe_mood: None, maybe_status: None },
        Person { id: 2, mood: Mood::Sad, status: Status::OnHold, maybe_mood: Some(Mood::Meh), maybe_status: Some(Status::ClosedForGood) },
    ];
    s.insert::<Person>().values(&rows).execute().await?;
    s.commit().await?;
    assert_eq!(s.select::<Person>().order_by(Person::id).all().await?, rows);
    assert_eq!(s.select::<Person>().filter(Person::mood.eq(Mood::Sad)).one().await?.id, 2);
    assert_eq!(s.select::<Person>().filter(Person::maybe_status.eq(Status::ClosedForGood)).count().await?, 1);
    // The labels stored: renamed as asked.
    let sql = match kind {
        Kind::Postgres => "SELECT mood::text, status FROM people ORDER BY id",
        Kind::Sqlite => "SELECT mood, status FROM people ORDER BY id",
    };
    let stored: Vec<(String, String)> = s
        .raw(sql)
        .fetch_all()
        .await?;
    assert_eq!(stored, [("Happy".into(), "active".into()), ("blue".into(), "on_hold".into())]);
    // The column type: the enum type on PostgreSQL, TEXT on SQLite.
    let declared: Vec<(String,)> = match kind {
        Kind::Postgres => s.raw("SELECT udt_name::text FROM information_schema.columns \
                                 WHERE table_schema = current_schema() AND table_name = 'people' \
                                 ORDER BY ordinal_position").fetch_all().await?,
        Kind::Sqlite => s.raw("SELECT type FROM pragma_table_info('people') ORDER BY cid")
            .fetch_all().await?,
    };
    let declared: Vec<&str> = declared.iter().map(|(t,)| t.as_str()).collect();
    match kind {
        Kind::Postgres => assert_eq!(declared, ["int8", "mood", "text", "mood", "text"]),
        Kind::Sqlite => assert_eq!(declared, ["INTEGER", "TEXT", "TEXT", "TEXT", "TEXT"]),
    }
    // Two tables share the type: it is created once, and dropped after both.
    s.commit().await?;
    db.drop_tables(&[Person::table(), Diary::table()]).await?;
    if kind == Kind::Postgres {
        let (types,): (i64,) = s.raw("SELECT count(*) FROM pg_type t JOIN pg_namespace n \
                                      ON n.oid = t.typnamespace WHERE t.typname = 'mood' \
                                      AND n.nspname = current_schema()").fetch_one().await?;
        assert_eq!(types, 0);
    }
    Ok(())
});

both!(async fn the_database_refuses_a_label_the_enum_does_not_have(db, kind) {
    db.create_tables(&[Person::table()]).await?;
    let mut s = db.session();
    let err = s
        .raw("INSERT INTO people (id, mood, status) VALUES (1, 'Happy', 'gone')")
        .execute()
        .await
        .unwrap_err();
    // A CHECK on the text column (both backends).
    assert!(matches!(err, Error::CheckViolation(_)), "{err:?}");
    Ok(())
});

both!(async fn an_unknown_stored_label_is_a_decode_error_naming_the_column_and_the_label(db, kind) {
    let mut s = db.session();
    let err = s
        .raw("SELECT 'Grumpy' AS mood")
        .fetch_one::<(Mood,)>()
        .await
        .unwrap_err();
    match err {
        Error::Decode { column, expected, found } => {
            assert_eq!(column, "mood");
            assert_eq!(expected, "Mood");
            assert_eq!(found, "the label \"Grumpy\", which is none of Happy, blue, Meh");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    Ok(())
});

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "moods")]
struct MoodLog {
    #[column(primary_key)]
    id: i64,
    moods: Vec<Mood>,
}

both!(async fn a_vec_of_an_enum_is_an_array_of_its_enum_type_on_postgres(db, kind) {
    if kind == Kind::Sqlite {
        // No arrays on SQLite (tests/arrays.rs); the refusal names the column.
        let err = db.create_tables(&[MoodLog::table()]).await.unwrap_err();
        assert!(matches!(err, Error::Unsupported { backend: "sqlite", .. }), "{err:?}");
        return Ok(());
    }
    db.create_tables(&[MoodLog::table()]).await?;
    let mut s = db.session();
    let rows = [
        MoodLog { id: 1, moods: vec![Mood::Sad, Mood::Happy, Mood::Sad] },
        MoodLog { id: 2, moods: vec![] },
    ];
    s.insert::<MoodLog>().values(&rows).execute().await?;
    assert_eq!(s.select::<MoodLog>().order_by(MoodLog::id).all().await?, rows);
    let (declared,): (String,) = s
        .raw("SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
              WHERE attrelid = 'moods'::regclass AND attname = 'moods'")
        .fetch_one()
        .await?;
    assert_eq!(declared, "mood[]");
    let ids: Vec<(i64,)> = s
        .raw("SELECT id FROM moods WHERE $1 = ANY(moods)")
        .bind(Mood::Happy)
        .fetch_all()
        .await?;
    assert_eq!(ids, [(1,)]);
    Ok(())
});
