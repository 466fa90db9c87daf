//! `Vec<T>` columns: PostgreSQL arrays (`T[]`) of every scalar type, with
//! NULL elements, empty arrays and NULL arrays; array parameters in filters
//! and raw SQL; and SQLite's typed refusal, naming the column.
#![cfg(all(feature = "chrono", feature = "uuid", feature = "decimal"))]
#![recursion_limit = "256"]

mod common;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use common::Kind;
use orm::prelude::*;
use rust_decimal::Decimal;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "lists")]
struct Lists {
    #[column(primary_key)]
    id: i64,
    flags: Vec<bool>,
    smalls: Vec<i16>,
    ints: Vec<i32>,
    bigs: Vec<i64>,
    reals: Vec<f32>,
    doubles: Vec<f64>,
    words: Vec<String>,
    blobs: Vec<Vec<u8>>,
    days: Vec<NaiveDate>,
    times: Vec<NaiveTime>,
    moments: Vec<NaiveDateTime>,
    stamps: Vec<DateTime<Utc>>,
    ids: Vec<uuid::Uuid>,
    prices: Vec<Decimal>,
    holes: Vec<Option<i32>>,
    maybe_words: Option<Vec<Option<String>>>,
}

fn lists(id: i64) -> Lists {
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let time = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap();
    Lists {
        id,
        flags: vec![true, false],
        smalls: vec![i16::MIN, 0, i16::MAX],
        ints: vec![i32::MIN, -1, i32::MAX],
        bigs: vec![i64::MIN, i64::MAX],
        reals: vec![f32::INFINITY, -0.5, f32::NEG_INFINITY],
        doubles: vec![f64::MAX, f64::MIN_POSITIVE],
        words: vec![String::new(), "ünïcödé 🦀".into(), "a,b{c}\"d\\".into()],
        blobs: vec![vec![], (0..=255).collect()],
        days: vec![day, NaiveDate::from_ymd_opt(1, 1, 1).unwrap()],
        times: vec![time, NaiveTime::MIN],
        moments: vec![day.and_time(time)],
        stamps: vec![day.and_time(time).and_utc()],
        ids: vec![uuid::Uuid::from_u128(id as u128), uuid::Uuid::nil()],
        prices: vec![
            "0.0000000000000000000000000001".parse().unwrap(),
            Decimal::MAX,
        ],
        holes: vec![Some(1), None, Some(3), None],
        maybe_words: Some(vec![None, Some("x".into())]),
    }
}

fn empty(id: i64) -> Lists {
    Lists {
        id,
        flags: vec![],
        smalls: vec![],
        ints: vec![],
        bigs: vec![],
        reals: vec![],
        doubles: vec![],
        words: vec![],
        blobs: vec![],
        days: vec![],
        times: vec![],
        moments: vec![],
        stamps: vec![],
        ids: vec![],
        prices: vec![],
        holes: vec![],
        maybe_words: None,
    }
}

both!(async fn arrays_of_every_scalar_type_round_trip_on_postgres(db, kind) {
    if kind == Kind::Sqlite {
        // SQLite has no arrays: the table cannot be created, and says why.
        let err = db.create_tables(&[Lists::table()]).await.unwrap_err();
        match err {
            Error::Unsupported { backend, what } => {
                assert_eq!(backend, "sqlite");
                assert_eq!(
                    what,
                    "array column `lists.flags`: sqlite has no array type; store the list as \
                     JSON with `#[column(json)]`"
                );
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
        return Ok(());
    }
    db.create_tables(&[Lists::table()]).await?;
    let mut s = db.session();
    let rows = vec![
        lists(1),
        empty(2),
        Lists { maybe_words: Some(vec![]), holes: vec![None], ..empty(3) },
    ];
    assert_eq!(s.insert::<Lists>().values(&rows).execute().await?, 3);
    s.commit().await?;
    let stored = s.select::<Lists>().order_by(Lists::id).all().await?;
    assert_eq!(stored, rows);
    // NaN inside an array survives too (compared by its bits: NaN != NaN).
    let mut nan = empty(4);
    nan.doubles = vec![f64::NAN, -0.0];
    s.add(&mut nan).await?;
    let got = s.select::<Lists>().filter(Lists::id.eq(4)).one().await?;
    assert!(got.doubles[0].is_nan());
    assert_eq!(got.doubles[1].to_bits(), (-0.0f64).to_bits());
    Ok(())
});

both!(async fn an_array_binds_as_one_parameter_in_filters_and_raw_sql(db, kind) {
    if kind == Kind::Sqlite {
        let mut s = db.session();
        let err = s.raw("SELECT $1").bind(vec![1i64, 2]).fetch_all::<(i64,)>().await.unwrap_err();
        match err {
            Error::Unsupported { backend, what } => {
                assert_eq!(backend, "sqlite");
                assert_eq!(
                    what,
                    "binding an array (parameter 1): SQLite has no array type; store the list \
                     as JSON with `#[column(json)]`"
                );
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
        return Ok(());
    }
    db.create_tables(&[Lists::table()]).await?;
    let mut s = db.session();
    s.insert::<Lists>().values(&[lists(1), lists(2), empty(3)]).execute().await?;
    // `= ANY($1)`: the whole list is one parameter.
    let ids: Vec<(i64,)> = s
        .raw("SELECT id FROM lists WHERE id = ANY($1) ORDER BY id")
        .bind(vec![3i64, 1, 99])
        .fetch_all()
        .await?;
    assert_eq!(ids, [(1,), (3,)]);
    // An owned Array, as a query tree holds one.
    let ids: Vec<(i64,)> = s
        .raw("SELECT id FROM lists WHERE id <> ALL($1) ORDER BY id")
        .bind(orm::Array::of([1i64]))
        .fetch_all()
        .await?;
    assert_eq!(ids, [(2,), (3,)]);
    // A typed filter compares whole arrays.
    assert_eq!(s.select::<Lists>().filter(Lists::ints.eq(Vec::<i32>::new())).count().await?, 1);
    assert_eq!(s.select::<Lists>().filter(Lists::holes.eq(lists(1).holes)).count().await?, 2);
    // Arrays come back from raw SQL too, NULL elements included.
    let (values,): (Vec<Option<i64>>,) =
        s.raw("SELECT ARRAY[1, NULL, 3]::int8[]").fetch_one().await?;
    assert_eq!(values, [Some(1), None, Some(3)]);
    Ok(())
});

both!(async fn a_null_element_in_a_vec_of_non_options_is_a_decode_error_naming_the_column(db, kind) {
    if kind == Kind::Sqlite {
        return Ok(()); // no arrays on SQLite: see the tests above
    }
    let mut s = db.session();
    let err = s
        .raw("SELECT ARRAY[1, NULL]::int4[] AS scores")
        .fetch_one::<(Vec<i32>,)>()
        .await
        .unwrap_err();
    match err {
        Error::Decode { column, expected, found } => {
            assert_eq!((column.as_str(), expected, found.as_str()), ("scores", "i32", "NULL"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    s.rollback().await?;
    let err = s
        .raw("SELECT ARRAY[[1, 2], [3, 4]]::int4[] AS grid")
        .fetch_one::<(Vec<i32>,)>()
        .await
        .unwrap_err();
    match err {
        Error::Decode { column, found, .. } => {
            assert_eq!(column, "grid");
            assert_eq!(
                found,
                "an invalid _int4 value (a 2-dimensional array, where Vec<T> holds one dimension)"
            );
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    Ok(())
});

both!(async fn a_record_reads_array_and_time_columns(db, kind) {
    let mut s = db.session();
    if kind == Kind::Sqlite {
        // Times are text on SQLite; a Record hands them back typed on request.
        let row: Record = s.raw("SELECT '23:59:59.5' AS t").fetch_one().await?;
        assert_eq!(
            row.get::<NaiveTime>("t")?,
            NaiveTime::from_hms_milli_opt(23, 59, 59, 500).unwrap()
        );
        return Ok(());
    }
    let row: Record = s
        .raw("SELECT ARRAY[1, NULL, 3]::int8[] AS a, ARRAY[]::text[] AS e, \
              NULL::int4[] AS n, TIME '23:59:59.5' AS t")
        .fetch_one()
        .await?;
    assert_eq!(row.get::<Vec<Option<i64>>>("a")?, [Some(1), None, Some(3)]);
    assert_eq!(row.get::<Vec<String>>("e")?, Vec::<String>::new());
    assert_eq!(row.get::<Option<Vec<i32>>>("n")?, None);
    assert_eq!(
        row.get::<NaiveTime>("t")?,
        NaiveTime::from_hms_milli_opt(23, 59, 59, 500).unwrap()
    );
    // A NULL element read into a Vec of non-options names the element.
    let err = row.get::<Vec<i64>>("a").unwrap_err();
    match err {
        Error::Decode { column, .. } => assert_eq!(column, "a[2]"),
        other => panic!("expected Decode, got {other:?}"),
    }
    Ok(())
});

/// A model with a time column, to be joined after another.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "slots")]
struct Slot {
    #[column(primary_key)]
    id: i64,
    list_id: i64,
    at: NaiveTime,
    late: Option<NaiveTime>,
}

both!(async fn joined_models_read_their_time_and_array_columns(db, kind) {
    let at = NaiveTime::from_hms_micro_opt(8, 30, 0, 250).unwrap();
    let slot = Slot { id: 7, list_id: 1, at, late: Some(NaiveTime::MIN) };
    if kind == Kind::Sqlite {
        // No arrays: a time column of the second model of a join, with a
        // model of plain columns first.
        seed_users_and_slot(&db, &slot).await?;
        let mut s = db.session();
        let rows: Vec<(common::models::User, Slot)> = s
            .select::<common::models::User>()
            .join::<Slot>(Slot::list_id.eq(common::models::User::id))
            .all()
            .await?;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].1, slot);
        return Ok(());
    }
    db.create_tables(&[Lists::table(), Slot::table()]).await?;
    let mut s = db.session();
    s.add(&mut lists(1)).await?;
    s.add(&mut slot.clone()).await?;
    // Arrays in the first model, times in the second; and the other way round.
    let rows: Vec<(Lists, Slot)> = s.select::<Lists>().join::<Slot>(Slot::list_id.eq(Lists::id)).all().await?;
    assert_eq!(rows, [(lists(1), slot.clone())]);
    let rows: Vec<(Slot, Option<Lists>)> = s.select::<Slot>().left_join::<Lists>(Lists::id.eq(Slot::list_id)).all().await?;
    assert_eq!(rows, [(slot, Some(lists(1)))]);
    Ok(())
});

async fn seed_users_and_slot(db: &Database, slot: &Slot) -> Result<()> {
    common::models::seed_users(db).await?;
    db.create_tables(&[Slot::table()]).await?;
    let mut s = db.session();
    s.add(&mut slot.clone()).await?;
    s.commit().await
}
