//! Test scaffolding: a server to talk to, a schema per test, a model.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orm_core::{Backend, ConnectOptions, Connection, Error, ValueRef};
use orm_postgres::{PgConnection, Postgres};

/// The server the tests use when `ORM_TEST_PG_URL` is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The URL of the test server.
pub fn base_url() -> String {
    std::env::var("ORM_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

fn unreachable(url: &str, e: &Error) -> ! {
    panic!(
        "\n\nThese tests need a PostgreSQL server, and none answered at {url}: {e}\n\
         Point ORM_TEST_PG_URL at one whose user may create schemas, e.g.\n\
         \x20   ORM_TEST_PG_URL=postgres://me:pw@localhost:5432/mydb cargo test -p orm-postgres\n\
         or start a local one with trust authentication and a `test` database:\n\
         \x20   initdb -D /tmp/pg -U postgres --auth=trust && pg_ctl -D /tmp/pg -l /tmp/pg.log start\n\
         \x20   createdb -h 127.0.0.1 -U postgres test\n\
         (or: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres)\n\n"
    )
}

/// `url` with one more query parameter.
pub fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A schema of its own for one test, dropped when this is dropped.
pub struct TestDb {
    pub schema: String,
    /// The URL whose connections use only this schema.
    pub url: String,
}

impl TestDb {
    pub async fn new(name: &str) -> TestDb {
        let base = base_url();
        let schema = format!(
            "orm_pg_{name}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = connect_or_explain(&base).await;
        let mut conn = admin.acquire().await.unwrap();
        conn.batch(&format!(
            "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\""
        ))
        .await
        .unwrap();
        // The application name lets the cleanup find this test's sessions.
        let url = with_param(
            &base,
            &format!("options=-csearch_path%3D{schema}&application_name={schema}"),
        );
        TestDb { schema, url }
    }

    /// Options for this schema with extra orm parameters (`pool_size=1&...`).
    pub fn options(&self, params: &str) -> ConnectOptions {
        let url = if params.is_empty() {
            self.url.clone()
        } else {
            with_param(&self.url, params)
        };
        ConnectOptions::parse(&url).unwrap()
    }

    /// A pool on this schema.
    pub async fn connect(&self, params: &str) -> Postgres {
        Postgres::connect(&self.options(params)).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let schema = self.schema.clone();
        let base = base_url();
        // A runtime of its own on a thread of its own: this may run inside
        // the test's runtime, which cannot be blocked on.
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let pg = Postgres::connect(&ConnectOptions::parse(&base)?).await?;
                let mut conn = pg.acquire().await?;
                // Sessions the test left open (a rollback task that never ran
                // because this drop blocks the test's runtime) would hold
                // locks on the schema: end them first.
                conn.batch(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = '{schema}' AND pid <> pg_backend_pid(); \
                     SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
                ))
                .await
            })
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test schema {}: {e}", self.schema),
            Err(_) => eprintln!("could not drop test schema {}", self.schema),
        }
    }
}

/// Connects to `url`, or fails the test saying how to get a server.
pub async fn connect_or_explain(url: &str) -> Postgres {
    match ConnectOptions::parse(url) {
        Ok(options) => match Postgres::connect(&options).await {
            Ok(pg) => pg,
            Err(e) => unreachable(&options.redacted_url(), &e),
        },
        Err(e) => panic!("ORM_TEST_PG_URL is not a usable URL: {e}"),
    }
}

/// The server process id behind `conn`.
pub async fn backend_pid(conn: &mut PgConnection) -> i32 {
    let rows: Vec<(i32,)> = conn
        .fetch_all("SELECT pg_backend_pid()", &[])
        .await
        .unwrap();
    rows[0].0
}

/// The model of these tests (the derive, pointed at orm-core's items).
#[derive(Debug, Clone, PartialEq, orm_macros::Table)]
#[table(crate = "orm_core", name = "people")]
pub struct Person {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(unique)]
    pub name: String,
    pub email: Option<String>,
    #[column(default = 0, index)]
    pub karma: i32,
}

/// Ends server process `pid` from `admin`'s connection and waits until the
/// server has let it go.
pub async fn terminate(admin: &mut PgConnection, pid: i32) {
    let killed: Vec<(bool,)> = admin
        .fetch_all("SELECT pg_terminate_backend($1)", &[ValueRef::I32(pid)])
        .await
        .unwrap();
    assert_eq!(killed, [(true,)]);
    wait_gone(admin, pid).await;
}

impl Person {
    pub fn new(name: &str, karma: i32) -> Person {
        Person {
            id: 0,
            name: name.to_string(),
            email: None,
            karma,
        }
    }
}
/// Waits until server process `pid` is gone (asked through `conn`).
pub async fn wait_gone(conn: &mut PgConnection, pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows: Vec<(i64,)> = conn
            .fetch_all(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                &[ValueRef::I32(pid)],
            )
            .await
            .unwrap();
        if rows[0].0 == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "backend {pid} is still there");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
