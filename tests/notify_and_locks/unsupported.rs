//! SQLite has neither LISTEN/NOTIFY nor advisory locks: each call says so,
//! naming the feature and the backend, and sends nothing.

use orm::prelude::*;
use orm::AdvisoryKey;

use crate::common::{run, Kind};

fn assert_unsupported<T: std::fmt::Debug>(result: orm::Result<T>, feature: &str) {
    match result {
        Err(Error::Unsupported { backend, what }) => {
            assert_eq!(backend, "sqlite");
            assert!(what.starts_with(feature), "{what}");
        }
        other => panic!("expected Unsupported for {feature}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refuses_listen_notify_and_advisory_locks_by_name() {
    run(Kind::Sqlite, "sqlite_refuses", |db, _| async move {
        assert_unsupported(db.listen(&["jobs"]).await, "LISTEN/NOTIFY");
        assert_unsupported(db.advisory_lock(1i64).await, "advisory locks");
        assert_unsupported(db.try_advisory_lock((1, 2)).await, "advisory locks");

        let mut s = db.session();
        s.raw("CREATE TABLE t (x INTEGER)").execute().await?;
        assert_unsupported(s.notify("jobs", "hello").await, "LISTEN/NOTIFY");
        assert_unsupported(s.advisory_xact_lock("name").await, "advisory locks");
        assert_unsupported(
            s.try_advisory_xact_lock(AdvisoryKey::Int(3)).await,
            "advisory locks",
        );
        // Nothing was sent: the transaction goes on and commits.
        assert_eq!(s.state(), SessionState::Active);
        s.raw("INSERT INTO t (x) VALUES (1)").execute().await?;
        s.commit().await?;
        let rows: Vec<(i64,)> = s.raw("SELECT x FROM t").fetch_all().await?;
        assert_eq!(rows, [(1,)]);
        Ok(())
    })
    .await
}
