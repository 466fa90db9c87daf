//! The pool under pressure: exhausted, acquires cancelled at random, closed
//! or left behind by its runtime with connections checked out.

use std::time::{Duration, Instant};

use orm::prelude::*;

use crate::common::Kind;
use crate::models::{add_entry, notes, Entry};
use crate::support::{wait_all_idle, Rng, Tagged};

faults!([postgres, sqlite], "pool_size=2&acquire_timeout=200ms", async fn an_exhausted_pool_is_a_pool_timeout_not_a_hang(ctx) {
    let db = &ctx.db;
    let mut a = db.session();
    a.start().await?;
    let mut b = db.session();
    b.start().await?;
    let started = Instant::now();
    let err = db.session().start().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "hang guard: {:?}", started.elapsed());
    assert!(
        matches!(err, Error::PoolTimeout { timeout } if timeout == Duration::from_millis(200)),
        "{err:?}"
    );
    a.commit().await?;
    let mut c = db.session();
    c.start().await?;
    c.commit().await?;
    b.rollback().await?;
    assert_eq!(db.pool_status().max_size, 2);
    Ok(())
});

faults!([postgres, sqlite], "pool_size=2&acquire_timeout=10s", async fn acquires_cancelled_at_random_never_leak_a_slot(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Entry::table()]).await?;
    // One of the two connections is held all along.
    let mut held = db.session();
    held.start().await?;
    let mut rng = Rng::new(3);
    let mut tasks = Vec::new();
    for i in 0..256 {
        let db = db.clone();
        let delay = Duration::from_micros(rng.below(2000));
        tasks.push(tokio::spawn(async move {
            let mut s = db.session();
            let outcome = tokio::time::timeout(delay, async {
                s.add(&mut Entry::new(format!("racer {i}"))).await?;
                s.commit().await
            })
            .await;
            match outcome {
                Ok(result) => result.map(|()| 1),
                Err(_) => Ok(0),
            }
        }));
    }
    let mut finished = 0;
    for task in tasks {
        finished += task.await.expect("a racer")?;
    }
    held.rollback().await?;
    // Both slots are free again: two sessions at once, promptly.
    let mut a = db.session();
    let mut b = db.session();
    tokio::time::timeout(Duration::from_secs(10), async {
        a.start().await?;
        b.start().await
    })
    .await
    .expect("hang guard: both slots are free")?;
    a.commit().await?;
    b.commit().await?;
    let status = db.pool_status();
    assert!(status.size <= 2, "{status:?}");
    assert!(notes(&db).await?.len() >= finished);
    Ok(())
});

faults!([postgres, sqlite], "pool_size=2", async fn closing_the_pool_with_a_transaction_open_commits_nothing(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    // A second pool on the same database, closed under a leased connection.
    let other = Database::connect(&ctx.url).await?;
    let mut s = other.session();
    s.add(&mut Entry::new("never")).await?;
    tokio::time::timeout(Duration::from_secs(10), other.close())
        .await
        .expect("hang guard: close does not wait for leased connections");
    drop(s);
    let err = other.session().start().await.unwrap_err();
    assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
    add_entry(db, "after").await?;
    assert_eq!(notes(db).await?, ["after"]);
    Ok(())
});

/// A runtime dropped while a session holds a connection inside a
/// transaction: no panic, the transaction is rolled back, nothing is left.
fn runtime_dropped_under_a_transaction(kind: Kind) {
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime")
    };
    let first = runtime();
    let tagged = first.block_on(Tagged::open(kind, "runtime_dropped", "pool_size=2"));
    let db = tagged.db().clone();
    let session = first.block_on(async {
        db.create_tables(&[Entry::table()]).await?;
        let mut s = db.session();
        s.add(&mut Entry::new("never")).await?;
        Ok::<_, Error>(s)
    });
    let session = session.expect("a session with an open transaction");
    drop(first);
    // Outside any runtime now.
    drop(session);
    drop(db);
    let second = runtime();
    second.block_on(async {
        if kind == Kind::Postgres {
            wait_all_idle(&tagged.tag).await;
        }
        add_entry(tagged.db(), "after")
            .await
            .expect("the database is writable");
        assert_eq!(notes(tagged.db()).await.expect("notes"), ["after"]);
        tagged.t.cleanup().await;
    });
}

#[test]
fn postgres_runtime_dropped_under_a_transaction_rolls_back_and_leaks_nothing() {
    runtime_dropped_under_a_transaction(Kind::Postgres);
}

#[test]
fn sqlite_runtime_dropped_under_a_transaction_rolls_back_and_leaks_nothing() {
    runtime_dropped_under_a_transaction(Kind::Sqlite);
}
