//! Values are bound and identifiers quoted: hostile names and values round-trip.
#![recursion_limit = "256"]

mod common;

use orm::prelude::*;

/// Table and column names with quotes, spaces, unicode and reserved words.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "select \"odd\" täble")]
struct Odd {
    #[column(primary_key, auto, name = "order")]
    id: i64,
    #[column(name = "user name \"quoted\"")]
    user_name: String,
    #[column(name = "group", unique)]
    group: Option<String>,
    #[column(name = "ünïcödé ✓", index)]
    unicode: i32,
    #[column(name = "from")]
    blob: Vec<u8>,
}

both!(async fn hostile_identifiers_work_everywhere(db, kind) {
    db.create_tables(&[Odd::table()]).await?;
    db.create_tables_if_not_exists(&[Odd::table()]).await?;
    let mut s = db.session();
    let mut row = Odd { id: 0, user_name: "a".into(), group: Some("g".into()), unicode: 1, blob: vec![1] };
    s.add(&mut row).await?;
    assert_eq!(row.id, 1);
    row.unicode = 2;
    s.update_now(&row).await?;
    s.merge(&row).await?;
    let n = s.update::<Odd>().set(Odd::unicode, Odd::unicode + 1).filter(Odd::group.eq("g")).execute().await?;
    assert_eq!(n, 1);
    let got = s
        .select::<Odd>()
        .filter(Odd::user_name.like("a%"))
        .order_by(Odd::unicode.desc())
        .limit(1)
        .one()
        .await?;
    assert_eq!(got.unicode, 3);
    s.truncate::<Odd>().await?;
    s.commit().await?;
    assert_eq!(s.select::<Odd>().count().await?, 0);
    s.rollback().await?;
    db.drop_tables(&[Odd::table()]).await?;
    db.drop_tables_if_exists(&[Odd::table()]).await?;
    Ok(())
});

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "notes")]
struct Note {
    #[column(primary_key, auto)]
    id: i64,
    body: String,
    data: Vec<u8>,
}

both!(async fn hostile_values_round_trip_unchanged(db, kind) {
    db.create_tables(&[Note::table()]).await?;
    let mut s = db.session();
    let control: String = (1u8..32).map(char::from).collect();
    let values = [
        "'); DROP TABLE notes; --".to_string(),
        "\\'\\\\\"".to_string(),
        "$1 ? :name @p1 %s".to_string(),
        control,
        "ünïcödé ✓ 😀 中文".to_string(),
        String::new(),
        "x".repeat(1 << 20),
    ];
    for body in &values {
        let mut note = Note { id: 0, body: body.clone(), data: body.as_bytes().to_vec() };
        s.add(&mut note).await?;
        let got = s.select::<Note>().filter(Note::id.eq(note.id)).one().await?;
        assert_eq!(got, note);
        // The same value works as a filter operand.
        assert_eq!(s.select::<Note>().filter(Note::body.eq(body.as_str())).count().await?, 1);
    }
    let big = Note { id: 0, body: String::new(), data: (0..=255u8).cycle().take(1 << 20).collect() };
    let stored = s.insert::<Note>().values(std::slice::from_ref(&big)).returning().await?;
    assert_eq!(stored[0].data, big.data);
    s.commit().await?;
    assert_eq!(s.select::<Note>().count().await?, values.len() as i64 + 1);
    Ok(())
});
