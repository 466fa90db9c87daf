//! `Database::transaction_with`: serialization failures and deadlocks are
//! retried, from the start, within the policy; nothing else is.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use orm::prelude::*;
use tokio::sync::{oneshot, Barrier};

use crate::models::{notes, Account, Entry};

fn quick(attempts: u32) -> TxOptions {
    TxOptions::serializable().retry(
        RetryPolicy::new(attempts)
            .base_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(20)),
    )
}

/// Doctors on call: each may leave only if another stays.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "on_call")]
struct OnCall {
    #[column(primary_key)]
    id: i64,
    on: bool,
}

faults!([postgres, sqlite], "", async fn serializable_write_skew_is_retried_into_a_serial_order(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[OnCall::table()]).await?;
    db.transaction(async |s| {
        s.insert::<OnCall>().values(&[OnCall { id: 1, on: true }, OnCall { id: 2, on: true }]).execute().await
    })
    .await?;
    // Both read before either writes; the second writes only after the
    // first committed, so exactly one of them must start over.
    let both_read = Arc::new(Barrier::new(2));
    let (first_done, first_committed) = oneshot::channel::<()>();
    let attempts = [Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0))];
    let leave = async |me: i64, attempts: Arc<AtomicU32>, gate: Option<oneshot::Receiver<()>>| {
        let mut gate = gate;
        db.transaction_with(quick(5), async |s| {
            attempts.store(s.attempt(), Ordering::SeqCst);
            let on = s.select::<OnCall>().filter(OnCall::on.eq(true)).count().await?;
            if s.attempt() == 1 {
                both_read.wait().await;
                if let Some(gate) = gate.take() {
                    let _ = gate.await;
                }
            }
            if on >= 2 {
                s.update::<OnCall>().set(OnCall::on, false).filter(OnCall::id.eq(me)).execute().await?;
            }
            Ok::<_, Error>(())
        })
        .await
    };
    let first = async {
        let result = leave(1, attempts[0].clone(), None).await;
        let _ = first_done.send(());
        result
    };
    let second = leave(2, attempts[1].clone(), Some(first_committed));
    let (a, b) = tokio::join!(first, second);
    a?;
    b?;
    assert_eq!(attempts[0].load(Ordering::SeqCst), 1);
    assert_eq!(attempts[1].load(Ordering::SeqCst), 2);
    let mut s = db.session();
    let rows = s.select::<OnCall>().order_by(OnCall::id.asc()).all().await?;
    s.commit().await?;
    assert_eq!(rows, [OnCall { id: 1, on: false }, OnCall { id: 2, on: true }]);
    Ok(())
});

faults!([postgres], "", async fn opposite_order_row_locks_deadlock_and_the_victim_is_retried(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Account::table()]).await?;
    db.transaction(async |s| {
        s.insert::<Account>().values(&[Account { id: 1, balance: 100 }, Account { id: 2, balance: 100 }]).execute().await
    })
    .await?;
    let both_locked = Arc::new(Barrier::new(2));
    let runs = Arc::new(AtomicU32::new(0));
    // Read committed: a serializable retry would fail again on the row the
    // other transaction changed meanwhile. A back-off long enough for the
    // survivor to take the victim's row first: a retry that came back at
    // once could take it again and deadlock again (which is what back-off
    // is for).
    let options = TxOptions::new().retry(RetryPolicy::new(5).base_delay(Duration::from_millis(100)));
    let transfer = async |from: i64, to: i64, amount: i64| {
        db.transaction_with(options, async |s| {
            runs.fetch_add(1, Ordering::SeqCst);
            s.raw("SET LOCAL deadlock_timeout = '50ms'").execute().await?;
            s.raw("UPDATE accounts SET balance = balance - $2 WHERE id = $1").bind(from).bind(amount).execute().await?;
            if s.attempt() == 1 {
                both_locked.wait().await;
            }
            s.raw("UPDATE accounts SET balance = balance + $2 WHERE id = $1").bind(to).bind(amount).execute().await?;
            Ok::<_, Error>(())
        })
        .await
    };
    let (a, b) = tokio::join!(transfer(1, 2, 10), transfer(2, 1, 30));
    a?;
    b?;
    // One of the two was chosen as the deadlock victim and ran again.
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    let mut s = db.session();
    let balances = s.select::<Account>().order_by(Account::id.asc()).all().await?;
    s.commit().await?;
    assert_eq!(balances, [Account { id: 1, balance: 120 }, Account { id: 2, balance: 80 }]);
    Ok(())
});

faults!([postgres, sqlite], "", async fn a_concurrent_update_at_every_attempt_exhausts_the_policy(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Account::table()]).await?;
    db.transaction(async |s| s.insert::<Account>().values(&[Account { id: 1, balance: 0 }]).execute().await)
        .await?;
    let runs = AtomicU32::new(0);
    let result = db
        .transaction_with(quick(3), async |s| {
            runs.fetch_add(1, Ordering::SeqCst);
            let account = s.select::<Account>().one().await?;
            // Someone else updates the row after we read it, every time.
            let other = s.database().clone();
            other
                .transaction(async |o| o.update::<Account>().set(Account::balance, Account::balance + 1).all_rows().execute().await)
                .await?;
            s.update::<Account>().set(Account::balance, account.balance + 100).all_rows().execute().await?;
            Ok::<_, Error>(())
        })
        .await;
    assert!(matches!(result, Err(Error::SerializationFailure { .. })), "{result:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    let mut s = db.session();
    assert_eq!(s.select::<Account>().one().await?.balance, 3);
    s.commit().await?;
    Ok(())
});

faults!([postgres, sqlite], "", async fn other_errors_are_not_retried(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Entry::table()]).await?;
    crate::models::add_entry(&db, "taken").await?;
    let runs = AtomicU32::new(0);
    let result = db
        .transaction_with(quick(5), async |s| {
            runs.fetch_add(1, Ordering::SeqCst);
            s.add(&mut Entry::new("new")).await?;
            s.add(&mut Entry::new("taken")).await
        })
        .await;
    assert!(matches!(result, Err(Error::UniqueViolation(_))), "{result:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(notes(&db).await?, ["taken"]);
    Ok(())
});

faults!([postgres], "", async fn a_commit_failing_with_a_serialization_failure_is_retried(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Entry::table()]).await?;
    // A deferred trigger makes the first COMMIT fail with 40001, and only
    // the first: a sequence does not roll back.
    let mut setup = db.session();
    setup
        .batch(
            "CREATE SEQUENCE commits; \
             CREATE FUNCTION fail_first_commit() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF nextval('commits') = 1 THEN \
             RAISE EXCEPTION 'refused at commit' USING ERRCODE = '40001'; END IF; RETURN NULL; END $$; \
             CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON entries \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_first_commit()",
        )
        .await?;
    setup.commit().await?;
    let runs = AtomicU32::new(0);
    db.transaction_with(quick(5), async |s| {
        runs.fetch_add(1, Ordering::SeqCst);
        s.add(&mut Entry::new("once")).await
    })
    .await?;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(notes(&db).await?, ["once"]);
    Ok(())
});

faults!([postgres, sqlite], "", async fn without_a_policy_a_transaction_runs_once(ctx) {
    let db = ctx.db.clone();
    db.create_tables(&[Account::table()]).await?;
    db.transaction(async |s| s.insert::<Account>().values(&[Account { id: 1, balance: 0 }]).execute().await)
        .await?;
    let runs = AtomicU32::new(0);
    let result = db
        .transaction_with(TxOptions::serializable(), async |s| {
            runs.fetch_add(1, Ordering::SeqCst);
            s.select::<Account>().one().await?;
            let other = s.database().clone();
            other
                .transaction(async |o| o.update::<Account>().set(Account::balance, 5).all_rows().execute().await)
                .await?;
            s.update::<Account>().set(Account::balance, 1).all_rows().execute().await?;
            Ok::<_, Error>(())
        })
        .await;
    assert!(matches!(result, Err(Error::SerializationFailure { .. })), "{result:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    Ok(())
});
