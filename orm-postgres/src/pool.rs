//! The pool: a deadpool [`Manager`] that opens tokio-postgres connections and
//! recycles them without a round trip.
//!
//! Recycling only checks that the socket is still open. That is enough
//! because a connection never comes back to the pool in a transaction or with
//! a statement in flight: [`PgConnection`](crate::PgConnection) rolls it back
//! (or closes it) first when dropped.

use std::collections::HashMap;
use std::sync::Arc;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use orm_core::sql::FastHash;
use tokio_postgres::{Client, Config, NoTls, Statement};

/// How many prepared statements one connection keeps.
const STATEMENT_CAPACITY: usize = 1024;

/// The pool of [`PgClient`]s.
pub(crate) type Pool = managed::Pool<PgManager>;

/// A pooled object, returned to the pool when dropped.
pub(crate) type Object = managed::Object<PgManager>;

/// Opens connections as one parsed URL describes.
#[derive(Debug)]
pub(crate) struct PgManager {
    config: Config,
}

impl PgManager {
    pub(crate) fn new(config: Config) -> Self {
        PgManager { config }
    }

    /// How connections are opened (the listener opens its own).
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }
}

/// What running a statement may do beyond its rows, found by scanning its
/// text once, when it is prepared, rather than at every execution.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Effects {
    /// It is transaction control (`first_statement_controls_transaction`).
    pub(crate) controls_transaction: bool,
    /// It may change what outlives the transaction (`changes_session_settings`).
    pub(crate) changes_session: bool,
}

impl Effects {
    /// Scans `sql`, one statement of the extended protocol.
    pub(crate) fn of(sql: &str) -> Self {
        Effects {
            controls_transaction: orm_core::session::first_statement_controls_transaction(sql),
            changes_session: crate::settings::changes_session_settings(sql),
        }
    }
}

/// A statement prepared on one connection, with what running it may do.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) statement: Statement,
    pub(crate) effects: Effects,
}

/// A connection as the pool holds it: the client and its prepared
/// statements, which outlive any one lease.
pub(crate) struct PgClient {
    pub(crate) client: Client,
    statements: HashMap<Arc<str>, Prepared, FastHash>,
    /// The server's `default_transaction_isolation`, read when the
    /// connection opened, gives every statement its own snapshot (READ
    /// COMMITTED, or READ UNCOMMITTED, which PostgreSQL runs as READ
    /// COMMITTED): reads may then run before a transaction's `BEGIN`.
    pub(crate) snapshot_per_statement: bool,
}

impl std::fmt::Debug for PgClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgClient")
            .field("closed", &self.client.is_closed())
            .field("statements", &self.statements.len())
            .finish()
    }
}

impl PgClient {
    fn new(client: Client, snapshot_per_statement: bool) -> Self {
        PgClient {
            client,
            statements: HashMap::default(),
            snapshot_per_statement,
        }
    }

    /// The statement prepared for `sql` on this connection, if any.
    pub(crate) fn cached(&self, sql: &str) -> Option<Prepared> {
        self.statements.get(sql).cloned()
    }

    /// Keeps `statement`, just prepared for `sql`, for the next uses.
    pub(crate) fn remember(&mut self, sql: &str, statement: Prepared) {
        if self.statements.len() >= STATEMENT_CAPACITY {
            // Evict one: dropping the last handle on a statement closes it
            // on the server.
            if let Some(key) = self.statements.keys().next().cloned() {
                self.statements.remove(&key);
            }
        }
        self.statements.insert(Arc::from(sql), statement);
    }

    /// Forgets the statement for `sql` (after the server rejected it as stale).
    pub(crate) fn forget(&mut self, sql: &str) {
        self.statements.remove(sql);
    }

    /// Forgets every statement and cached type (after `DISCARD ALL` or
    /// `DEALLOCATE ALL` dropped them on the server).
    pub(crate) fn forget_all(&mut self) {
        self.statements.clear();
        self.client.clear_type_cache();
    }
}

/// Whether transactions that name no isolation level run at READ
/// COMMITTED on this connection (the server's, database's or role's
/// default may say otherwise). One round trip, when the connection opens.
async fn default_isolation_is_read_committed(
    client: &Client,
) -> Result<bool, tokio_postgres::Error> {
    let messages = client
        .simple_query("SHOW default_transaction_isolation")
        .await?;
    let level = messages.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
        _ => None,
    });
    Ok(matches!(
        level.as_deref(),
        Some("read committed" | "read uncommitted")
    ))
}

impl managed::Manager for PgManager {
    type Type = PgClient;
    type Error = tokio_postgres::Error;

    async fn create(&self) -> Result<PgClient, tokio_postgres::Error> {
        // Boxed: deadpool's lease future holds this one, and is built (and
        // moved) at every lease, most of which find an idle connection.
        Box::pin(self.open()).await
    }

    async fn recycle(
        &self,
        client: &mut PgClient,
        _: &Metrics,
    ) -> RecycleResult<tokio_postgres::Error> {
        if client.client.is_closed() {
            Err(RecycleError::message("the connection is closed"))
        } else {
            Ok(())
        }
    }
}

impl PgManager {
    /// Opens a connection and reads what it needs to know of the server.
    async fn open(&self) -> Result<PgClient, tokio_postgres::Error> {
        let (client, connection) = self.config.connect(NoTls).await?;
        // The connection task ends by itself once the client is dropped (it
        // sends Terminate and closes the socket) or the socket fails; a
        // failure shows on the client as a closed connection.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let snapshot_per_statement = default_isolation_is_read_committed(&client).await?;
        Ok(PgClient::new(client, snapshot_per_statement))
    }
}
