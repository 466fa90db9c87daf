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

/// A connection as the pool holds it: the client and its prepared
/// statements, which outlive any one lease.
pub(crate) struct PgClient {
    pub(crate) client: Client,
    statements: HashMap<Arc<str>, Statement>,
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
    fn new(client: Client) -> Self {
        PgClient {
            client,
            statements: HashMap::new(),
        }
    }

    /// The statement prepared for `sql` on this connection, if any.
    pub(crate) fn cached(&self, sql: &str) -> Option<Statement> {
        self.statements.get(sql).cloned()
    }

    /// Keeps `statement`, just prepared for `sql`, for the next uses.
    pub(crate) fn remember(&mut self, sql: &str, statement: Statement) {
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

impl managed::Manager for PgManager {
    type Type = PgClient;
    type Error = tokio_postgres::Error;

    async fn create(&self) -> Result<PgClient, tokio_postgres::Error> {
        let (client, connection) = self.config.connect(NoTls).await?;
        // The connection task ends by itself once the client is dropped (it
        // sends Terminate and closes the socket) or the socket fails; a
        // failure shows on the client as a closed connection.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(PgClient::new(client))
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
