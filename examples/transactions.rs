//! Transactions: `db.transaction`, savepoints and nested blocks, read-only
//! and serializable transactions, retry under contention, what a cancelled
//! transaction leaves behind, two-phase commit where the server has it, and
//! an autocommit session.
//!
//! Runs on a SQLite file in the temp directory by default:
//!
//!     cargo run --example transactions
//!
//! and on PostgreSQL when `DATABASE_URL` names one:
//!
//!     DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example transactions

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use orm::prelude::*;

/// An account of the example's little bank.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "example_accounts")]
pub struct Account {
    /// Chosen by the bank.
    #[column(primary_key)]
    pub id: i64,
    /// Never below zero.
    pub balance: i64,
}

/// Moves `amount` from one account to another, unless the payer is short.
async fn transfer(s: &mut Session, from: i64, to: i64, amount: i64) -> orm::Result<bool> {
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
}

async fn balances(db: &Database) -> orm::Result<Vec<i64>> {
    let mut s = db.session_with(TxOptions::new().read_only());
    let accounts = s
        .select::<Account>()
        .order_by(Account::id.asc())
        .all()
        .await?;
    s.commit().await?;
    Ok(accounts.into_iter().map(|a| a.balance).collect())
}

#[tokio::main]
async fn main() -> orm::Result<()> {
    let file = std::env::temp_dir().join(format!("orm-example-{}.db", std::process::id()));
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", file.display()));
    let db = Database::connect(&url).await?;
    println!("connected to {}", db.backend_name());
    db.drop_tables_if_exists(&[Account::table()]).await?;
    db.create_tables(&[Account::table()]).await?;

    // 1. A transaction: committed when the closure returns Ok.
    db.transaction(async |s| {
        let accounts: Vec<Account> = (1..=4).map(|id| Account { id, balance: 100 }).collect();
        s.insert::<Account>().values(&accounts).execute().await
    })
    .await?;
    println!("opened four accounts: {:?}", balances(&db).await?);

    // 2. Nested transactions: a failing inner block undoes only itself.
    let mut s = db.session();
    transfer(&mut s, 1, 2, 10).await?;
    let inner: orm::Result<()> = s
        .transaction(async |s| {
            transfer(s, 2, 3, 5).await?;
            // A duplicate key: the block fails, and with it the transfer above.
            s.insert::<Account>()
                .values(&[Account { id: 1, balance: 0 }])
                .execute()
                .await?;
            Ok(())
        })
        .await;
    println!(
        "inner block: {}",
        inner.map_or_else(|e| e.to_string(), |()| "ok".into())
    );
    s.savepoint("before the big one").await?;
    transfer(&mut s, 4, 1, 50).await?;
    s.rollback_to("before the big one").await?;
    s.commit().await?;
    println!("after nested blocks: {:?}", balances(&db).await?);

    // 3. A read-only transaction refuses writes with a typed error.
    let mut reader = db.session_with(TxOptions::new().read_only());
    match transfer(&mut reader, 1, 2, 1).await {
        Err(Error::ReadOnlyTransaction { .. }) => println!("read-only: the write was refused"),
        other => println!("read-only: unexpected {other:?}"),
    }
    reader.rollback().await?;

    // 4. Serializable transfers under contention, retried on conflict.
    let retries = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for task in 0..8i64 {
        let (db, retries) = (db.clone(), retries.clone());
        tasks.push(tokio::spawn(async move {
            for round in 0..10i64 {
                let (from, to) = (1 + (task + round) % 4, 1 + (task + round + 1) % 4);
                let retries = retries.clone();
                // `async move`: a closure that may run again owns what it uses.
                db.transaction_with(
                    TxOptions::serializable().retry(RetryPolicy::new(50)),
                    async move |s| {
                        if s.attempt() > 1 {
                            retries.fetch_add(1, Ordering::Relaxed);
                        }
                        transfer(s, from, to, 1).await
                    },
                )
                .await?;
            }
            Ok::<_, Error>(())
        }));
    }
    for task in tasks {
        task.await.expect("a transfer task")?;
    }
    let after = balances(&db).await?;
    println!(
        "80 concurrent transfers, {} retries; balances {after:?}, total {}",
        retries.load(Ordering::Relaxed),
        after.iter().sum::<i64>()
    );

    // 5. A transaction abandoned mid-way (its future dropped) commits nothing.
    let abandoned = tokio::time::timeout(
        Duration::from_millis(50),
        db.transaction(async |s| {
            transfer(s, 1, 2, 1).await?;
            std::future::pending::<()>().await;
            Ok::<_, Error>(())
        }),
    )
    .await;
    assert!(abandoned.is_err());
    println!("after an abandoned transaction: {:?}", balances(&db).await?);

    // 6. Two-phase commit, where the server has it.
    let mut s = db.session();
    transfer(&mut s, 1, 2, 1).await?;
    match s.prepare("example-transfer").await {
        Ok(()) => {
            println!(
                "prepared: {:?}",
                db.prepared_transactions()
                    .await?
                    .iter()
                    .map(|p| &p.gid)
                    .collect::<Vec<_>>()
            );
            db.commit_prepared("example-transfer").await?;
            println!(
                "committed the prepared transaction: {:?}",
                balances(&db).await?
            );
        }
        Err(Error::Unsupported { what, .. }) => {
            println!("no two-phase commit here: {what}");
            s.rollback().await?;
        }
        Err(e) => return Err(e),
    }

    // 7. Autocommit: each statement commits on its own, with no BEGIN or
    // COMMIT sent; what needs a transaction is refused, and the session goes on.
    let before = balances(&db).await?;
    let mut s = db.autocommit();
    s.update::<Account>()
        .set(Account::balance, Account::balance + 1)
        .filter(Account::id.eq(4))
        .execute()
        .await?;
    let seen = balances(&db).await?; // from another connection, before any commit
    assert_eq!(seen[3], before[3] + 1);
    assert!(matches!(
        s.savepoint("no").await,
        Err(Error::InvalidState { .. })
    ));
    s.rollback().await?; // nothing to undo: the update stays
    assert_eq!(balances(&db).await?, seen);
    assert_eq!(s.state(), SessionState::NotStarted);
    println!("autocommit: the update was committed as it returned: {seen:?}");

    db.drop_tables(&[Account::table()]).await?;
    db.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(())
}
