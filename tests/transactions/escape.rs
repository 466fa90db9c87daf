//! The escape hatches: transaction control sent as raw SQL can neither
//! poison the pool nor slip past a session.

use orm::prelude::*;
use orm::{AnyConnection, TxStatus};
use orm::{Backend, Connection};

use crate::models::{notes, Entry};

async fn lease(db: &Database) -> orm::Result<AnyConnection> {
    db.backend().acquire().await
}

faults!([postgres, sqlite], "pool_size=1", async fn a_raw_begin_abandoned_on_a_leased_connection_cannot_poison_the_pool(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    // Every way raw SQL reaches a connection.
    let ways: [&str; 4] = [
        "batch: BEGIN",
        "batch: SELECT; BEGIN",
        "execute: BEGIN",
        "batch: comment then begin",
    ];
    for way in ways {
        let mut conn = lease(db).await?;
        match way {
            "batch: BEGIN" => conn.batch("BEGIN").await?,
            "batch: SELECT; BEGIN" => conn.batch("SELECT 1; BEGIN").await?,
            "execute: BEGIN" => {
                conn.execute("BEGIN", &[]).await?;
            }
            _ => conn.batch("/* a migration */ -- step 1\n begin").await?,
        }
        assert_eq!(conn.tx_status(), TxStatus::Unknown, "{way}");
        conn.execute("INSERT INTO entries (note) VALUES ($1)", &[orm::ValueRef::Text(way)])
            .await?;
        drop(conn); // abandoned inside the transaction it opened
        let mut conn = lease(db).await?;
        assert!(!crate::support::in_transaction(ctx.kind, &mut conn).await, "{way}");
    }
    assert!(notes(db).await?.is_empty());
    Ok(())
});

faults!([postgres, sqlite], "pool_size=1", async fn tracked_transaction_control_on_a_leased_connection_costs_nothing_when_idle(ctx) {
    let db = &ctx.db;
    let mut conn = lease(db).await?;
    conn.begin(&TxOptions::new()).await?;
    assert_eq!(conn.tx_status(), TxStatus::InTransaction);
    conn.commit().await?;
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    // Statements without transaction control leave the status alone.
    conn.execute("SELECT 1", &[]).await?;
    conn.batch("SELECT 'BEGIN; COMMIT'; SELECT 2 -- ROLLBACK").await?;
    assert_eq!(conn.tx_status(), TxStatus::Idle);
    drop(conn);
    if ctx.kind == crate::common::Kind::Postgres {
        // Straight back to the pool: idle at once, no rollback in between.
        assert_eq!(db.pool_status().idle, 1);
    }
    Ok(())
});

faults!([postgres, sqlite], "", async fn a_session_refuses_transaction_control_in_raw_sql_before_sending_it(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    s.add(&mut Entry::new("kept")).await?;
    for sql in ["COMMIT", "ROLLBACK", "BEGIN", "SAVEPOINT x", "RELEASE x", "end", "INSERT INTO entries (note) VALUES ('x'); COMMIT"] {
        let err = s.batch(sql).await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { table: "raw SQL", .. }), "{sql}: {err:?}");
        let err = s.raw(sql).execute().await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{sql}: {err:?}");
        let err = s.raw(sql).fetch_all::<(i64,)>().await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{sql}: {err:?}");
    }
    // Nothing was sent: the transaction is as it was.
    assert_eq!(s.state(), SessionState::Active);
    s.rollback().await?;
    assert!(notes(db).await?.is_empty());
    Ok(())
});
