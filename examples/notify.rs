//! PostgreSQL's LISTEN/NOTIFY and advisory locks: a listener task, a
//! notification sent with a transaction (lost with a rollback, delivered on
//! commit), a session-level lock guard and a transaction-level lock.
//!
//! Needs a PostgreSQL server:
//!
//!     DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run --example notify
//!
//! (that URL is also the default).

use std::time::Duration;

use orm::prelude::*;
use orm::{ListenEvent, Notification};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Each run uses channels and keys of its own, so that two runs at once do
/// not hear each other.
fn own(name: &str) -> String {
    format!("orm_example_{name}_{}", std::process::id())
}

/// Receives notifications until one says "stop"; returns the payloads.
async fn worker(mut listener: orm::Listener) -> Vec<String> {
    let mut seen = Vec::new();
    while let Some(event) = listener.next().await {
        match event {
            ListenEvent::Notification(Notification {
                channel, payload, ..
            }) => {
                println!("worker: {channel}: {payload:?}");
                if payload == "stop" {
                    break;
                }
                seen.push(payload);
            }
            ListenEvent::Disconnected { error } => println!("worker: lost ({error}), reconnecting"),
            ListenEvent::Reconnected => println!("worker: listening again"),
            _ => {}
        }
    }
    // Dropping the listener closes its connection.
    seen
}

#[tokio::main]
async fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let db = Database::connect(&url).await?;
    let jobs = own("jobs");

    // LISTEN on a connection of its own; from here on nothing is missed.
    let listener = db.listen(&[&jobs]).await?;
    let worker = tokio::spawn(worker(listener));

    let mut s = db.session();
    s.notify(&jobs, "never sent").await?;
    s.rollback().await?; // a rolled-back notification is never delivered
    s.notify(&jobs, "resize image 7").await?;
    s.commit().await?; // delivered now, with the commit
    db.transaction(async |s| {
        s.notify(&jobs, "send mail 3").await?;
        s.notify(&jobs, "stop").await
    })
    .await?;

    let seen = tokio::time::timeout(Duration::from_secs(30), worker)
        .await
        .expect("the worker hears every committed notification")
        .expect("the worker task");
    assert_eq!(seen, ["resize image 7", "send mail 3"]);

    // A session-level advisory lock: one holder at a time, across processes.
    let report = own("nightly_report");
    let lock = db.advisory_lock(report.as_str()).await?;
    println!("locked {:?} ({report})", lock.key());
    let second = db.try_advisory_lock(report.as_str()).await?;
    println!(
        "a second try while it is held: {}",
        if second.is_some() { "got it" } else { "busy" }
    );
    assert!(second.is_none());
    lock.release().await?;
    let again = db.try_advisory_lock(report.as_str()).await?;
    println!(
        "after release: {}",
        if again.is_some() { "got it" } else { "busy" }
    );
    if let Some(again) = again {
        again.release().await?;
    }

    // A transaction-level lock: held until the transaction ends.
    let account = (1, 42);
    let mut a = db.session();
    a.advisory_xact_lock(account).await?;
    let mut b = db.session();
    println!(
        "b while a's transaction is open: {}",
        b.try_advisory_xact_lock(account).await?
    );
    a.commit().await?;
    println!(
        "b after a committed: {}",
        b.try_advisory_xact_lock(account).await?
    );
    b.commit().await?;

    db.close().await;
    Ok(())
}
