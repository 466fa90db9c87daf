//! SQLite's file lock: writing transactions begin IMMEDIATE, the busy
//! timeout is honoured and only then is Busy returned, two writers on one
//! WAL file lose no update, and a dropped transaction releases the lock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use orm::prelude::*;

use crate::models::{notes, Account, Entry};

/// `url` with one more query parameter.
fn with(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

/// Another pool on the same file, as another process would have.
async fn another_pool(url: &str, busy_timeout: &str) -> orm::Result<Database> {
    Database::connect(&with(url, &format!("busy_timeout={busy_timeout}"))).await
}

faults!([sqlite], "", async fn writing_transactions_begin_immediate_and_others_get_busy_only_after_the_timeout(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let other = another_pool(&ctx.url, "200ms").await?;
    // Its first statement writes: BEGIN IMMEDIATE takes the write lock now.
    let mut writer = db.session();
    writer.add(&mut Entry::new("first")).await?;
    let mut blocked = other.session();
    let started = Instant::now();
    let err = blocked.add(&mut Entry::new("blocked")).await.unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(waited >= Duration::from_millis(150), "Busy before the busy timeout: {waited:?}");
    assert!(waited < Duration::from_secs(5), "hang guard: {waited:?}");
    assert_eq!(blocked.state(), SessionState::NotStarted);
    writer.commit().await?;
    blocked.add(&mut Entry::new("second")).await?;
    blocked.commit().await?;
    // A transaction whose first statement reads takes no write lock.
    let mut reader = db.session();
    assert_eq!(reader.select::<Entry>().count().await?, 2);
    let mut third = other.session();
    third.add(&mut Entry::new("third")).await?;
    third.commit().await?;
    reader.commit().await?;
    assert_eq!(notes(db).await?, ["first", "second", "third"]);
    other.close().await;
    Ok(())
});

faults!([sqlite], "", async fn a_stream_whose_begin_immediate_is_refused_leaves_the_session_not_started(ctx) {
    use futures_util::StreamExt;
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let other = another_pool(&ctx.url, "100ms").await?;
    let mut writer = db.session();
    writer.add(&mut Entry::new("holder")).await?;
    // BEGIN IMMEDIATE with a stream as the transaction's first statement.
    let mut blocked = other.session_with(TxOptions::new().immediate());
    let first = {
        let mut rows = blocked.select::<Entry>().stream();
        rows.next().await
    };
    assert!(matches!(first, Some(Err(Error::Busy { .. }))), "{first:?}");
    assert_eq!(blocked.state(), SessionState::NotStarted, "nothing of the transaction exists");
    writer.commit().await?;
    let rows: Vec<Entry> = blocked.select::<Entry>().all().await?;
    assert_eq!(rows.len(), 1);
    blocked.commit().await?;
    other.close().await;
    Ok(())
});

faults!([sqlite], "", async fn the_busy_timeout_waits_for_a_lock_that_frees_in_time(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Entry::table()]).await?;
    let other = another_pool(&ctx.url, "10s").await?;
    let mut writer = db.session();
    writer.add(&mut Entry::new("holder")).await?;
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        writer.commit().await
    });
    let mut waiter = other.session();
    waiter.add(&mut Entry::new("waiter")).await?;
    waiter.commit().await?;
    release.await.expect("the holder")?;
    assert_eq!(notes(&db).await?, ["holder", "waiter"]);
    other.close().await;
    Ok(())
});

faults!([sqlite], "pool_size=4", async fn two_writers_on_one_wal_file_lose_no_update(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Account::table()]).await?;
    db.transaction(async |s| s.insert::<Account>().values(&[Account { id: 1, balance: 0 }]).execute().await)
        .await?;
    let other = Database::connect(&ctx.url).await?;
    let retries = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for (i, pool) in [db.clone(), other.clone()].into_iter().cycle().take(8).enumerate() {
        let retries = retries.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                // Read, then write: a deferred transaction whose snapshot
                // may be stale by the time it writes, and is then retried.
                let retries = retries.clone();
                pool.transaction_with(RetryPolicy::new(100), async move |s| {
                    if s.attempt() > 1 {
                        retries.fetch_add(1, Ordering::Relaxed);
                    }
                    let account = s.select::<Account>().one().await?;
                    s.update::<Account>()
                        .set(Account::balance, account.balance + 1)
                        .filter(Account::id.eq(1))
                        .execute()
                        .await?;
                    Ok::<_, Error>(())
                })
                .await?;
            }
            Ok::<_, Error>(i)
        }));
    }
    for task in tasks {
        task.await.expect("a writer")?;
    }
    let mut s = db.session();
    assert_eq!(s.select::<Account>().one().await?.balance, 200);
    s.commit().await?;
    eprintln!("two pools, 200 increments, {} retries", retries.load(Ordering::Relaxed));
    other.close().await;
    Ok(())
});

faults!([sqlite], "", async fn a_dropped_transaction_future_releases_the_file_lock(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Entry::table()]).await?;
    let other = another_pool(&ctx.url, "10s").await?;
    let hung = tokio::time::timeout(
        Duration::from_millis(100),
        db.transaction(async |s| {
            s.add(&mut Entry::new("abandoned")).await?;
            std::future::pending::<()>().await;
            Ok::<_, Error>(())
        }),
    )
    .await;
    assert!(hung.is_err(), "the transaction was dropped while holding the write lock");
    let started = Instant::now();
    let mut s = other.session();
    s.add(&mut Entry::new("after")).await?;
    s.commit().await?;
    assert!(started.elapsed() < Duration::from_secs(5), "hang guard: {:?}", started.elapsed());
    assert_eq!(notes(&db).await?, ["after"]);
    other.close().await;
    Ok(())
});
