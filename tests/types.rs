//! Every column type round-trips, NULL and edge values included.
#![recursion_limit = "256"]

mod common;

use common::models::Sample;
use orm::prelude::*;

fn sample(i: i32) -> Sample {
    Sample {
        id: 0,
        flag: i % 2 == 1,
        small: i as i16,
        int: i,
        big: i as i64 * 1_000_000_000,
        real: i as f32 / 4.0,
        double: i as f64 / 8.0,
        text: format!("row {i}"),
        bytes: vec![i as u8; 3],
        maybe_text: Some(format!("maybe {i}")),
        maybe_big: Some(-(i as i64)),
        maybe_bytes: Some(vec![]),
        maybe_flag: Some(true),
    }
}

both!(async fn base_types_round_trip_with_extremes_and_nulls(db, kind) {
    db.create_tables(&[Sample::table()]).await?;
    let mut s = db.session();
    let mut rows = vec![
        sample(1),
        Sample {
            flag: false,
            small: i16::MIN,
            int: i32::MIN,
            big: i64::MIN,
            real: f32::MIN_POSITIVE,
            double: f64::MAX,
            text: String::new(),
            bytes: vec![],
            maybe_text: None,
            maybe_big: None,
            maybe_bytes: None,
            maybe_flag: None,
            ..sample(2)
        },
        Sample {
            small: i16::MAX,
            int: i32::MAX,
            big: i64::MAX,
            real: -1.5,
            double: f64::MIN,
            maybe_big: Some(i64::MIN),
            maybe_flag: Some(false),
            ..sample(3)
        },
    ];
    for row in &mut rows {
        s.add(row).await?;
    }
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 2, 3]);
    s.commit().await?;
    let stored = s.select::<Sample>().order_by(Sample::id).all().await?;
    assert_eq!(stored, rows);
    // Typed filters on each type.
    assert_eq!(s.select::<Sample>().filter(Sample::big.eq(i64::MIN)).count().await?, 1);
    assert_eq!(s.select::<Sample>().filter(Sample::small.eq(i16::MAX)).count().await?, 1);
    assert_eq!(s.select::<Sample>().filter(Sample::flag.eq(false)).count().await?, 1);
    assert_eq!(s.select::<Sample>().filter(Sample::maybe_flag.eq(None)).count().await?, 1);
    assert_eq!(s.select::<Sample>().filter(Sample::double.gt(0.0)).count().await?, 2);
    assert_eq!(s.select::<Sample>().filter(Sample::bytes.eq(vec![1u8; 3])).count().await?, 1);
    Ok(())
});
