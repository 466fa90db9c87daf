//! The bank-transfer load: 32 tasks move money among 100 accounts under
//! serializable isolation with retry, while an auditor checks the total. The
//! total never changes, and every error that escapes is typed. Reports
//! transfers per second and retries (see them with `--nocapture`). The long
//! form runs for a minute per backend: `cargo test --test transactions
//! bank -- --ignored --nocapture`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::IsolationLevel;

use crate::common::{Kind, TestDb};
use crate::models::Account;
use crate::support::Rng;

const ACCOUNTS: i64 = 100;
const OPENING_BALANCE: i64 = 1_000;
const TASKS: u64 = 32;

/// How long the load runs.
#[derive(Clone, Copy)]
enum Length {
    /// This many transfers per task.
    Transfers(u64),
    /// Transfers until this much time has passed.
    For(Duration),
}

#[derive(Default)]
struct Counters {
    transfers: AtomicU64,
    refused: AtomicU64,
    retries: AtomicU64,
    escaped: AtomicU64,
}

/// One transfer; `Ok(false)` when the payer's balance is too low.
///
/// The closure owns what it captures (`async move`, an `Arc`): a closure
/// run more than once that borrows from its surroundings makes the
/// compiler unable to prove the future `Send`, which `tokio::spawn` needs.
async fn transfer(
    db: &Database,
    counters: Arc<Counters>,
    from: i64,
    to: i64,
    amount: i64,
) -> orm::Result<bool> {
    let options = TxOptions::serializable().retry(RetryPolicy::new(50));
    db.transaction_with(options, async move |s| {
        if s.attempt() > 1 {
            counters.retries.fetch_add(1, Ordering::Relaxed);
        }
        let payer = s
            .select::<Account>()
            .filter(Account::id.eq(from))
            .one()
            .await?;
        if payer.balance < amount {
            return Ok(false);
        }
        s.update::<Account>()
            .set(Account::balance, Account::balance - amount)
            .filter(Account::id.eq(from))
            .execute()
            .await?;
        s.update::<Account>()
            .set(Account::balance, Account::balance + amount)
            .filter(Account::id.eq(to))
            .execute()
            .await?;
        Ok(true)
    })
    .await
}

/// The sum of every balance, read in one snapshot.
async fn total(db: &Database) -> orm::Result<i64> {
    let mut s = db.session_with(
        TxOptions::new()
            .isolation(IsolationLevel::RepeatableRead)
            .read_only(),
    );
    let (sum,): (i64,) = s
        .raw("SELECT CAST(sum(balance) AS BIGINT) FROM accounts")
        .fetch_one()
        .await?;
    s.commit().await?;
    Ok(sum)
}

async fn load(kind: Kind, length: Length) {
    let t = TestDb::open_with(kind, "bank", "pool_size=16&acquire_timeout=60s").await;
    let db = t.db.clone();
    db.create_tables(&[Account::table()])
        .await
        .expect("accounts");
    let accounts: Vec<Account> = (1..=ACCOUNTS)
        .map(|id| Account {
            id,
            balance: OPENING_BALANCE,
        })
        .collect();
    db.transaction(async |s| s.insert::<Account>().values(&accounts).execute().await)
        .await
        .expect("opening balances");
    let expected = ACCOUNTS * OPENING_BALANCE;

    let counters = Arc::new(Counters::default());
    let done = Arc::new(AtomicBool::new(false));
    let auditor = tokio::spawn({
        let (db, done) = (db.clone(), done.clone());
        async move {
            let mut audits = 0u64;
            while !done.load(Ordering::SeqCst) {
                assert_eq!(
                    total(&db).await.expect("an audit"),
                    expected,
                    "money appeared or vanished"
                );
                audits += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            audits
        }
    });
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (db, counters) = (db.clone(), counters.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(task + 1);
            let mut n = 0;
            loop {
                match length {
                    Length::Transfers(max) if n >= max => break,
                    Length::For(limit) if started.elapsed() >= limit => break,
                    _ => {}
                }
                n += 1;
                let from = 1 + rng.below(ACCOUNTS as u64) as i64;
                let to = 1 + (from + rng.below(ACCOUNTS as u64 - 1) as i64) % ACCOUNTS;
                let amount = 1 + rng.below(200) as i64;
                match transfer(&db, counters.clone(), from, to, amount).await {
                    Ok(true) => counters.transfers.fetch_add(1, Ordering::Relaxed),
                    Ok(false) => counters.refused.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        // Retries exhausted, or a lock waited on too long: typed.
                        assert!(
                            matches!(
                                e,
                                Error::SerializationFailure { .. }
                                    | Error::Deadlock { .. }
                                    | Error::Busy { .. }
                            ),
                            "an unexpected error escaped: {e:?}"
                        );
                        counters.escaped.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }));
    }
    for task in tasks {
        task.await.expect("a transfer task");
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let audits = auditor.await.expect("the auditor");
    assert_eq!(total(&db).await.expect("the final audit"), expected);
    let transfers = counters.transfers.load(Ordering::Relaxed);
    let refused = counters.refused.load(Ordering::Relaxed);
    let escaped = counters.escaped.load(Ordering::Relaxed);
    if let Length::Transfers(per_task) = length {
        assert_eq!(transfers + refused + escaped, per_task * TASKS);
    }
    assert!(transfers > 0);
    println!(
        "bank {kind:?}: {transfers} transfers in {:.2}s = {:.0}/s; {} retries; {refused} refused for funds; \
         {escaped} escaped errors; {audits} audits, total constant at {expected}",
        elapsed.as_secs_f64(),
        transfers as f64 / elapsed.as_secs_f64(),
        counters.retries.load(Ordering::Relaxed),
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_transfers_keep_the_total_on_postgres() {
    load(Kind::Postgres, Length::Transfers(20)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_transfers_keep_the_total_on_sqlite() {
    load(Kind::Sqlite, Length::Transfers(8)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the long form: a minute of load"]
async fn bank_transfers_keep_the_total_on_postgres_for_a_minute() {
    load(Kind::Postgres, Length::For(Duration::from_secs(60))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the long form: a minute of load"]
async fn bank_transfers_keep_the_total_on_sqlite_for_a_minute() {
    load(Kind::Sqlite, Length::For(Duration::from_secs(60))).await;
}
