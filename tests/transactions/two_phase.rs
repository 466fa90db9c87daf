//! Two-phase commit on PostgreSQL: prepare under a global id, finish from
//! any session, recover what is pending. On a cluster of our own with
//! `max_prepared_transactions` above 0; the shared server has it at 0,
//! which must be a clear error.

use orm::prelude::*;

use crate::cluster::two_phase_url;
use crate::common::{pg, unique_name};
use crate::models::{notes, Entry};

/// A database in a schema of its own on the two-phase cluster.
struct TwoPhase {
    db: Database,
    schema: String,
    base: String,
}

impl TwoPhase {
    async fn open(name: &str) -> TwoPhase {
        let base = two_phase_url().await;
        let schema = unique_name(name);
        pg::admin(&base, &format!("CREATE SCHEMA \"{schema}\"")).await;
        let url = format!("{base}?options=-csearch_path%3D{schema}&application_name={schema}");
        let db = Database::connect(&url)
            .await
            .expect("the two-phase cluster");
        db.create_tables(&[Entry::table()]).await.expect("entries");
        TwoPhase { db, schema, base }
    }

    async fn cleanup(self) {
        self.db.close().await;
        pg::admin(
            &self.base,
            &format!("DROP SCHEMA \"{}\" CASCADE", self.schema),
        )
        .await;
    }
}

async fn prepare_entry(db: &Database, note: &str, gid: &str) -> orm::Result<()> {
    let mut s = db.session();
    s.add(&mut Entry::new(note)).await?;
    s.prepare(gid).await?;
    assert_eq!(s.state(), SessionState::Prepared);
    // The session goes on with a new transaction.
    assert_eq!(
        s.select::<Entry>()
            .filter(Entry::note.eq(note))
            .count()
            .await?,
        0
    );
    s.commit().await?;
    Ok(())
}

fn pending_gids(list: &[orm::PreparedTransaction], prefix: &str) -> Vec<String> {
    list.iter()
        .filter(|p| p.gid.starts_with(prefix))
        .map(|p| p.gid.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepared_transaction_is_committed_or_rolled_back_from_another_session() {
    let t = TwoPhase::open("two_phase_finish").await;
    let committed_gid = format!("{}-commit", t.schema);
    let rolled_back_gid = format!("{}-it's 'quoted'", t.schema);
    prepare_entry(&t.db, "committed", &committed_gid)
        .await
        .unwrap();
    prepare_entry(&t.db, "rolled back", &rolled_back_gid)
        .await
        .unwrap();
    assert!(
        notes(&t.db).await.unwrap().is_empty(),
        "nothing visible before the second phase"
    );

    let pending = t.db.prepared_transactions().await.unwrap();
    let mine = pending_gids(&pending, &t.schema);
    assert_eq!(mine, [committed_gid.clone(), rolled_back_gid.clone()]);
    let first = pending.iter().find(|p| p.gid == committed_gid).unwrap();
    assert_eq!(
        (first.owner.as_str(), first.database.as_str()),
        ("postgres", "postgres")
    );

    // A database handle of its own: another pool, another session.
    let other = Database::connect(&format!("{}?options=-csearch_path%3D{}", t.base, t.schema))
        .await
        .unwrap();
    other.commit_prepared(&committed_gid).await.unwrap();
    other.rollback_prepared(&rolled_back_gid).await.unwrap();
    other.close().await;

    assert_eq!(notes(&t.db).await.unwrap(), ["committed"]);
    let pending = t.db.prepared_transactions().await.unwrap();
    assert!(pending_gids(&pending, &t.schema).is_empty());
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_global_id_is_a_typed_error() {
    let t = TwoPhase::open("two_phase_unknown").await;
    let err = t.db.commit_prepared("no such gid").await.unwrap_err();
    assert!(
        matches!(&err, Error::Database { code, .. } if code == "42704"),
        "{err:?}"
    );
    let err = t.db.rollback_prepared("no such gid").await.unwrap_err();
    assert!(
        matches!(&err, Error::Database { code, .. } if code == "42704"),
        "{err:?}"
    );
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_session_prepares_nothing() {
    let t = TwoPhase::open("two_phase_failed").await;
    let gid = format!("{}-failed", t.schema);
    let mut s = t.db.session();
    s.add(&mut Entry::new("dup")).await.unwrap();
    assert!(s.add(&mut Entry::new("dup")).await.is_err());
    let err = s.prepare(&gid).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidState {
                state: SessionState::Failed,
                operation: "prepare",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(s.state(), SessionState::RolledBack);
    let pending = t.db.prepared_transactions().await.unwrap();
    assert!(pending_gids(&pending, &t.schema).is_empty());
    t.cleanup().await;
}

faults!([postgres], "", async fn prepare_on_a_server_without_prepared_transactions_is_a_clear_error(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    s.add(&mut Entry::new("never")).await?;
    let err = s.prepare("orm-test-disabled").await.unwrap_err();
    let Error::Unsupported { backend, what } = &err else { panic!("{err:?}") };
    assert_eq!(*backend, "postgresql");
    assert!(what.contains("max_prepared_transactions"), "{what}");
    assert_eq!(s.state(), SessionState::RolledBack);
    assert!(notes(db).await?.is_empty());
    Ok(())
});

faults!([sqlite], "", async fn sqlite_has_no_two_phase_commit_and_says_so(ctx) {
    let db = &ctx.db;
    db.create_tables(&[Entry::table()]).await?;
    let mut s = db.session();
    s.add(&mut Entry::new("kept")).await?;
    let err = s.prepare("gid").await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { backend: "sqlite", .. }), "{err:?}");
    // Refused before anything was sent: the transaction goes on.
    assert_eq!(s.state(), SessionState::Active);
    s.commit().await?;
    assert_eq!(notes(db).await?, ["kept"]);
    let err = db.prepared_transactions().await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { backend: "sqlite", .. }), "{err:?}");
    Ok(())
});
