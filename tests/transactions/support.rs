//! What every fault test needs: a tagged database, the after-fault checks,
//! and a way to poll a future a given number of times and drop it.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{AnyConnection, TxOptions};
use orm::{Backend, Connection};

use crate::common::{pg, unique_name, Kind, TestDb};

/// A test database whose PostgreSQL connections carry an
/// `application_name` of their own, so the server can be asked about them.
pub struct Tagged {
    /// The database and its cleanup.
    pub t: TestDb,
    /// The `application_name` of its PostgreSQL connections.
    pub tag: String,
}

impl Tagged {
    /// Opens a fresh database of `kind` with extra URL parameters.
    pub async fn open(kind: Kind, name: &str, params: &str) -> Tagged {
        let tag = unique_name(name);
        let mut all = params.to_string();
        if kind == Kind::Postgres {
            if !all.is_empty() {
                all.push('&');
            }
            all.push_str(&format!("application_name={tag}"));
        }
        let t = TestDb::open_with(kind, name, &all).await;
        Tagged { t, tag }
    }

    /// The database.
    pub fn db(&self) -> &Database {
        &self.t.db
    }

    /// The backend.
    pub fn kind(&self) -> Kind {
        self.t.kind
    }

    /// Checks that nothing was left behind, then removes the database.
    pub async fn finish(self) {
        assert_clean(&self).await;
        self.t.cleanup().await;
    }
}

/// After a fault: no pooled connection is inside a transaction (on
/// PostgreSQL none of the tag is anything but idle, and each pooled
/// connection gets two different ids from two `txid_current()` calls, which
/// only autocommitted statements do; on SQLite each can begin a
/// transaction), and the pool is within its bounds.
pub async fn assert_clean(tagged: &Tagged) {
    let db = tagged.db();
    if tagged.kind() == Kind::Postgres {
        wait_all_idle(&tagged.tag).await;
    }
    let status = db.pool_status();
    assert!(status.size <= status.max_size, "{status:?}");
    assert!(status.idle <= status.size, "{status:?}");
    let mut leased = Vec::new();
    for _ in 0..status.size.max(1) {
        let conn = tokio::time::timeout(Duration::from_secs(15), db.backend().acquire())
            .await
            .expect("hang guard: a pooled connection comes back")
            .expect("a pooled connection can be leased");
        leased.push(conn);
    }
    for conn in &mut leased {
        assert!(
            !in_transaction(tagged.kind(), conn).await,
            "a pooled connection was handed out inside a transaction"
        );
    }
    drop(leased);
    let status = db.pool_status();
    assert!(status.size <= status.max_size, "{status:?}");
}

/// Whether a leased connection is inside a transaction.
pub async fn in_transaction(kind: Kind, conn: &mut AnyConnection) -> bool {
    match kind {
        Kind::Postgres => {
            let first: Vec<(i64,)> = conn
                .fetch_all("SELECT txid_current()", &[])
                .await
                .expect("txid_current()");
            let second: Vec<(i64,)> = conn
                .fetch_all("SELECT txid_current()", &[])
                .await
                .expect("txid_current()");
            first == second
        }
        Kind::Sqlite => match conn.begin(&TxOptions::new()).await {
            Ok(()) => {
                conn.rollback().await.expect("ROLLBACK");
                false
            }
            Err(_) => true,
        },
    }
}

/// Waits until every server process of `tag` is idle (a dropped
/// connection's rollback runs on a background task).
pub async fn wait_all_idle(tag: &str) {
    let base = pg::base_url().await;
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{tag}' AND state <> 'idle'"
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let busy = pg::admin_i64(&base, &sql).await;
        if busy == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{busy} connection(s) of {tag} are still in a transaction or busy"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Terminates every server process of `tag` and waits until they are gone;
/// returns how many there were.
pub async fn kill_all(tag: &str) -> i64 {
    let base = pg::base_url().await;
    let killed = pg::admin_i64(
        &base,
        &format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{tag}'"
        ),
    )
    .await;
    wait_gone(&format!("application_name = '{tag}'")).await;
    killed
}

/// Waits until no server process matches `condition`.
pub async fn wait_gone(condition: &str) {
    let base = pg::base_url().await;
    let sql = format!("SELECT count(*) FROM pg_stat_activity WHERE {condition}");
    let deadline = Instant::now() + Duration::from_secs(15);
    while pg::admin_i64(&base, &sql).await > 0 {
        assert!(Instant::now() < deadline, "still there: {condition}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The server process id of the session's connection (opening its
/// transaction if need be).
pub async fn backend_pid(s: &mut Session) -> orm::Result<i32> {
    let (pid,): (i32,) = s.raw("SELECT pg_backend_pid()").fetch_one().await?;
    Ok(pid)
}

/// Polls `fut` each time it wakes, `polls` times at most, then drops it;
/// its output if it finished first.
pub async fn poll_times<F: Future>(fut: F, polls: usize) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut done = 0;
    std::future::poll_fn(|cx| {
        if done == polls {
            return Poll::Ready(None);
        }
        done += 1;
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}

/// A small, seeded pseudo-random generator (xorshift), for reproducible
/// interleavings without a dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number below `bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// What a fault test body gets: the database, its backend, the tag of its
/// PostgreSQL connections and the URL it was opened with.
#[derive(Clone)]
pub struct Ctx {
    /// The database under test.
    pub db: Database,
    /// Its backend.
    pub kind: Kind,
    /// The `application_name` of its PostgreSQL connections.
    pub tag: String,
    /// The URL it was opened with.
    pub url: String,
}

/// Runs `body` on a fresh tagged database of `kind` opened with `params`;
/// then checks that nothing was left behind ([`assert_clean`]) and cleans
/// up, even when the body fails.
pub async fn run<F, Fut>(kind: Kind, name: &str, params: &str, body: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = orm::Result<()>>,
{
    use futures_util::FutureExt;
    let tagged = Tagged::open(kind, name, params).await;
    let ctx = Ctx {
        db: tagged.db().clone(),
        kind,
        tag: tagged.tag.clone(),
        url: tagged.t.url.clone(),
    };
    let outcome = std::panic::AssertUnwindSafe(body(ctx)).catch_unwind().await;
    match outcome {
        Ok(Ok(())) => tagged.finish().await,
        Ok(Err(e)) => {
            tagged.t.cleanup().await;
            panic!("{kind:?}: test failed with error: {e}\n{e:?}");
        }
        Err(panic) => {
            tagged.t.cleanup().await;
            std::panic::resume_unwind(panic);
        }
    }
}

/// Declares a fault test run on the backends listed, each on a fresh
/// database opened with `params`, followed by [`assert_clean`]:
///
/// ```ignore
/// faults!([postgres, sqlite], "pool_size=1", async fn name(ctx) { ...; Ok(()) });
/// ```
#[macro_export]
macro_rules! faults {
    ([$($kind:ident),+], $params:expr, $(#[$meta:meta])* async fn $name:ident($ctx:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[allow(unused_variables)]
            async fn body($ctx: $crate::support::Ctx) -> ::orm::Result<()> $body

            $crate::faults!(@tests [$($kind),+], $params, $name, [$(#[$meta])*]);
        }
    };
    (@tests [$($kind:ident),+], $params:expr, $name:ident, $attrs:tt) => {
        $( $crate::faults!(@test $kind, $params, $name, $attrs); )+
    };
    (@test postgres, $params:expr, $name:ident, [$(#[$meta:meta])*]) => {
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres() {
            $crate::support::run($crate::common::Kind::Postgres, stringify!($name), $params, body).await
        }
    };
    (@test sqlite, $params:expr, $name:ident, [$(#[$meta:meta])*]) => {
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite() {
            $crate::support::run($crate::common::Kind::Sqlite, stringify!($name), $params, body).await
        }

        $(#[$meta])*
        #[cfg(feature = "rusqlite")]
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn rusqlite() {
            let params = match $params {
                "" => "executor=rusqlite".to_string(),
                params => format!("{params}&executor=rusqlite"),
            };
            $crate::support::run($crate::common::Kind::Sqlite, stringify!($name), &params, body).await
        }
    };
}
