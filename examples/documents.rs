//! Schemaless document tables and streamed blob files (htables on orm).
//!
//! Runs on an embedded SQLite database by default:
//!
//!     cargo run --example documents --features documents
//!
//! and on PostgreSQL when `DATABASE_URL` names one:
//!
//!     DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example documents --features documents

use std::time::Instant;

use orm::prelude::*;
use orm::{Allowed, Document};
use serde_json::json;
use tokio::io::AsyncReadExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_string());
    let db = Database::connect(&url).await?;
    println!(
        "connected to {} ({})",
        db.backend_name(),
        orm::error::redact_url(&url)
    );
    let mut s = db.session();

    // A document table: an id and a JSON object per row.
    let mut people = s.documents("example_people");
    people.drop_table_if_exists().await?;
    people.create_table().await?;
    let mut ann = people
        .insert(json!({"name": "ann", "city": "Oslo", "age": 31}))
        .await?;
    people
        .insert([
            ("name", "bob"),
            ("city", "Rome"),
            ("nick", "\"bobby\" \\o/"),
        ])
        .await?;
    people
        .insert(json!({"name": "cid", "city": "Oslo", "age": 27, "tags": ["x", "y"]}))
        .await?;
    println!("inserted ann with id {}", ann.id());

    let in_oslo: Vec<Document> = people.find([("city", "Oslo")]).try_collect().await?;
    println!(
        "in Oslo: {:?}",
        in_oslo
            .iter()
            .map(|d| d.get("name").and_then(|n| n.as_str()).unwrap_or("?"))
            .collect::<Vec<_>>()
    );
    let bob = people.find_single([("name", "bob")]).await?;
    println!("bob's nick round-trips: {}", bob["nick"]);
    let youngest = people
        .query()
        .filter([("city", "Oslo")])
        .order_by("age")
        .limit(1)
        .all()
        .await?;
    if let Some(youngest) = youngest.first() {
        println!("youngest in Oslo: {}", youngest["name"]);
    }
    let with_tags = people
        .query()
        .filter(json!({"tags": ["x", "y"]}))
        .count()
        .await?;
    println!("{with_tags} person with tags [\"x\", \"y\"]");
    match people.find_first([("city", "Paris")]).await {
        Err(Error::NotFound { table }) => println!("nobody in Paris ({table})"),
        other => println!("unexpected: {other:?}"),
    }

    // A row saves its whole map: a removed key is gone from the database.
    ann.remove("age");
    ann.insert("city".into(), json!("Bergen"));
    ann.save(&mut s).await?;
    let stored = s.documents("example_people").get(ann.id()).await?;
    println!(
        "ann is now {}",
        serde_json::Value::Object(stored.into_data())
    );
    bob.delete(&mut s).await?;
    s.commit().await?;

    // Debug mode checks keys and values before anything is sent.
    let refused = s
        .documents("example_people")
        .debug(Allowed::Strings)
        .insert(json!({"name": "dee", "age": 40}))
        .await;
    if let Err(e) = refused {
        println!("debug mode refused: {e}");
    }

    // A blob file: written from any AsyncRead, read back in chunks.
    let size = 8 * 1024 * 1024;
    let file = s.create_blob().await?;
    let started = Instant::now();
    let data = tokio::io::repeat(0x5a).take(size);
    let written = file.save_from(&mut s, data).await?;
    s.commit().await?;
    println!(
        "saved {written} bytes as blob {} in {:?}",
        file.id(),
        started.elapsed()
    );

    let file = s.open_blob(file.id()).await?;
    let (mut n, mut read) = (0, 0);
    let mut chunks = file.chunks(&mut s);
    while let Some(chunk) = chunks.try_next().await? {
        n += 1;
        read += chunk.len();
    }
    drop(chunks); // the stream borrows the session
    println!(
        "read it back in {n} chunks of at most {} bytes: {read} bytes",
        orm::blobs::CHUNK_SIZE
    );

    s.delete_blob(file.id()).await?;
    s.rollback().await?;
    println!(
        "deleted and rolled back: blob {} is still there",
        s.open_blob(file.id()).await?.id()
    );
    s.delete_blob(file.id()).await?;
    s.documents("example_people").drop_table().await?;
    s.commit().await?;
    match s.open_blob(file.id()).await {
        Err(Error::NotFound { table }) => println!("deleted for good: {table} not found"),
        other => println!("unexpected: {other:?}"),
    }
    s.close().await?;
    Ok(())
}
