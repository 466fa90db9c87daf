//! LISTEN/NOTIFY (PostgreSQL): [`Session::notify`] sends a notification
//! with the session's transaction; [`Database::listen`] receives them as a
//! stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_core::Stream;

use super::log::logged_as;
use super::{Backend, Connection, Database, Session};
use crate::error::{Error, Result};
use crate::value::ValueRef;

/// A notification received on a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Notification {
    /// The channel it was sent on.
    pub channel: String,
    /// Its payload (empty when none was given).
    pub payload: String,
    /// The process id of the database session that sent it.
    pub process_id: i32,
}

impl Notification {
    /// A notification as a backend receives it.
    pub fn new(channel: String, payload: String, process_id: i32) -> Self {
        Notification {
            channel,
            payload,
            process_id,
        }
    }
}

/// What a [`Listener`] yields.
#[derive(Debug)]
#[non_exhaustive]
pub enum ListenEvent {
    /// A notification on one of the listened channels.
    Notification(Notification),
    /// The listener's connection was lost; it is reconnecting, with
    /// back-off. Notifications sent from now until [`ListenEvent::Reconnected`]
    /// are not received.
    Disconnected {
        /// Why the connection ended.
        error: Error,
    },
    /// The listener is connected again and listens on every channel it
    /// listened on before. Notifications sent while it was away were missed:
    /// re-read whatever state they announce.
    Reconnected,
}

/// How a backend changes the channels of a live [`Listener`] (for backends).
pub trait ListenerControl: Send + Sync + 'static {
    /// Starts (`listen == true`) or stops listening on `channel`; done when
    /// the server confirmed it.
    fn change(&self, channel: &str, listen: bool) -> BoxFuture<'static, Result<()>>;
}

/// A stream of [`ListenEvent`]s on a connection of its own (not one of the
/// pool's), from [`Database::listen`].
///
/// It never ends by itself: a lost connection is reopened and the channels
/// listened on again. [`listen`](Self::listen) and
/// [`unlisten`](Self::unlisten) change the channels while it runs. Dropping
/// it closes its connection.
pub struct Listener {
    channels: Vec<String>,
    events: BoxStream<'static, ListenEvent>,
    control: Box<dyn ListenerControl>,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("channels", &self.channels)
            .finish()
    }
}

impl Listener {
    /// A listener on `channels` whose events come from `events`, and whose
    /// channels `control` changes (for backends).
    pub fn new(
        channels: Vec<String>,
        events: BoxStream<'static, ListenEvent>,
        control: Box<dyn ListenerControl>,
    ) -> Self {
        Listener {
            channels,
            events,
            control,
        }
    }

    /// The channels listened on.
    pub fn channels(&self) -> &[String] {
        &self.channels
    }

    /// Listens on `channel` too (nothing to do if it already does); done
    /// when the server confirmed it, so every notification committed from
    /// then on arrives. While the listener is reconnecting, this waits until
    /// it is connected again. A bad channel name is [`Error::InvalidQuery`].
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
    /// let mut listener = db.listen(&["jobs"]).await?;
    /// listener.listen("mail").await?;
    /// listener.unlisten("jobs").await?;
    /// assert_eq!(listener.channels(), ["mail"]);
    /// # Ok(()) }
    /// ```
    pub async fn listen(&mut self, channel: &str) -> Result<()> {
        if self.channels.iter().any(|c| c == channel) {
            return Ok(());
        }
        self.control.change(channel, true).await?;
        self.channels.push(channel.to_string());
        Ok(())
    }

    /// Stops listening on `channel` (nothing to do if it does not listen on
    /// it). Notifications of it already received stay in the stream.
    pub async fn unlisten(&mut self, channel: &str) -> Result<()> {
        if !self.channels.iter().any(|c| c == channel) {
            return Ok(());
        }
        self.control.change(channel, false).await?;
        self.channels.retain(|c| c != channel);
        Ok(())
    }
}

impl Stream for Listener {
    type Item = ListenEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ListenEvent>> {
        self.events.as_mut().poll_next(cx)
    }
}

impl<B: Backend> Database<B> {
    /// Listens on `channels` on a new connection opened for it (not leased
    /// from the pool), and returns the stream of what arrives. Channel names
    /// are identifiers, quoted as given: `"Jobs"` and `"jobs"` are two
    /// channels. PostgreSQL only: elsewhere [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # use orm_core::session::ListenEvent;
    /// # use futures_util::StreamExt;
    /// # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
    /// let mut listener = db.listen(&["jobs", "mail"]).await?;
    /// while let Some(event) = listener.next().await {
    ///     match event {
    ///         ListenEvent::Notification(n) => println!("{}: {}", n.channel, n.payload),
    ///         ListenEvent::Disconnected { error } => eprintln!("listener lost: {error}"),
    ///         ListenEvent::Reconnected => println!("listening again"),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn listen(&self, channels: &[&str]) -> Result<Listener> {
        let channels = channels.iter().map(|c| c.to_string()).collect();
        self.backend().listen(channels).await
    }
}

impl<B: Backend> Session<B> {
    /// Sends `payload` on `channel` with the session's transaction (opening
    /// one if none is open): listeners receive it when the transaction
    /// commits, and never if it rolls back. Both are bound values
    /// (`pg_notify`). PostgreSQL only: elsewhere [`Error::Unsupported`], and
    /// the transaction goes on.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// s.raw("INSERT INTO jobs (name) VALUES ('resize')").execute().await?;
    /// s.notify("jobs", "resize").await?;
    /// s.commit().await?; // now the listeners hear of it
    /// # Ok(()) }
    /// ```
    pub async fn notify(&mut self, channel: &str, payload: &str) -> Result<()> {
        let log = self.db.statement_log();
        let conn = self.statement_connection("notify", true).await?;
        // The payload goes as a bind: logged only with `log_binds`.
        let describe = || format!("NOTIFY {channel}, ?");
        let result = logged_as(log, describe, &[ValueRef::Text(payload)], || {
            conn.notify(channel, payload)
        })
        .await;
        self.track_backend_feature(result)
    }
}
