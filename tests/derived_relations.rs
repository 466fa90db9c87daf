//! `#[column(references = Model)]` declares the relation: eager loading and
//! join conditions work with no hand-written `BelongsTo` impl.
#![recursion_limit = "256"]

mod common;

use orm::prelude::*;
use orm::BelongsTo;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "authors")]
struct Author {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "books")]
struct Book {
    #[column(primary_key, auto)]
    id: i64,
    #[column(references = Author, on_delete = "cascade")]
    author_id: i64,
    title: String,
}

both!(async fn a_foreign_key_attribute_declares_the_relation(db, kind) {
    db.create_tables(&[Author::table(), Book::table()]).await?;
    let mut s = db.session();
    let mut ann = Author { id: 0, name: "ann".into() };
    let mut bob = Author { id: 0, name: "bob".into() };
    s.add(&mut ann).await?;
    s.add(&mut bob).await?;
    for title in ["b", "a"] {
        s.add(&mut Book { id: 0, author_id: ann.id, title: title.into() }).await?;
    }
    s.commit().await?;

    let before = s.statements_sent();
    let loaded: Vec<(Author, Vec<Book>)> =
        s.select::<Author>().order_by(Author::id).load_many::<Book>().all().await?;
    assert_eq!(s.statements_sent() - before, 2, "one query for authors, one for their books");
    let shape: Vec<(&str, Vec<&str>)> = loaded
        .iter()
        .map(|(a, books)| {
            let mut titles: Vec<&str> = books.iter().map(|b| b.title.as_str()).collect();
            titles.sort();
            (a.name.as_str(), titles)
        })
        .collect();
    assert_eq!(shape, [("ann", vec!["a", "b"]), ("bob", vec![])]);

    let joined: Vec<(Author, Book)> = s
        .select::<Author>()
        .join::<Book>(<Book as BelongsTo<Author>>::on())
        .filter(Book::title.eq("a"))
        .all()
        .await?;
    assert_eq!(joined.len(), 1);
    assert_eq!(joined[0].0, ann);
    Ok(())
});
