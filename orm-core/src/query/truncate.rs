//! `TRUNCATE`, native on PostgreSQL and emulated on SQLite.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use crate::error::Result;
use crate::session::{Backend, Session, TruncateOptions};
use crate::table::Table;

/// Empties `T`'s table, inside the session's transaction.
///
/// By default the generated-key counter restarts and referencing tables are
/// left alone (so a referenced table fails to truncate). Await the builder
/// to run it: `s.truncate::<User>().cascade().await?`.
///
/// PostgreSQL runs `TRUNCATE .. RESTART IDENTITY [CASCADE]`; SQLite deletes
/// the rows (first from referencing tables, with `cascade`) and resets the
/// table's `sqlite_sequence` counter.
#[must_use = "a truncate does nothing until awaited"]
pub struct Truncate<'s, T: Table, B: Backend> {
    session: &'s mut Session<B>,
    options: TruncateOptions,
    _table: PhantomData<fn() -> T>,
}

impl<'s, T: Table, B: Backend> Truncate<'s, T, B> {
    pub(crate) fn new(session: &'s mut Session<B>) -> Self {
        Truncate {
            session,
            options: TruncateOptions {
                cascade: false,
                restart_identity: true,
            },
            _table: PhantomData,
        }
    }

    /// Also empties every table that references this one.
    pub fn cascade(mut self) -> Self {
        self.options.cascade = true;
        self
    }

    /// Keeps the generated-key counter where it is.
    pub fn continue_identity(mut self) -> Self {
        self.options.restart_identity = false;
        self
    }

    /// Runs the truncate.
    pub async fn execute(self) -> Result<()> {
        self.session.run_truncate(T::table(), self.options).await
    }
}

impl<'s, T: Table, B: Backend> IntoFuture for Truncate<'s, T, B> {
    type Output = Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<()>> + Send + 's>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.execute())
    }
}
