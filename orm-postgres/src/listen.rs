//! LISTEN/NOTIFY: a listener on a connection of its own, driven by a task
//! that forwards notifications, changes channels on request, and reconnects
//! (with back-off) and listens again when the connection is lost;
//! `pg_notify` on a session's connection.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use futures_core::future::BoxFuture;
use futures_util::future::poll_fn;
use orm_core::session::{ListenEvent, Listener, ListenerControl, Notification};
use orm_core::{Dialect, Error, Result, ValueRef};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls, Socket};

use crate::error::{self, connection_lost};
use crate::{PgConnection, PgDialect};

/// The longest channel name PostgreSQL keeps (NAMEDATALEN - 1 bytes).
const MAX_CHANNEL_BYTES: usize = 63;

/// The longest payload `pg_notify` accepts, in bytes.
const MAX_PAYLOAD_BYTES: usize = 7999;

/// The first pause before reconnecting; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

type Socketed = tokio_postgres::Connection<Socket, NoTlsStream>;

/// Why PostgreSQL would reject `channel` as a channel name, or silently
/// truncate it.
fn bad_channel(channel: &str) -> Option<String> {
    if channel.is_empty() {
        Some("a channel name cannot be empty".to_string())
    } else if channel.contains('\0') {
        Some(format!("channel name {channel:?} contains a NUL character"))
    } else if channel.len() > MAX_CHANNEL_BYTES {
        Some(format!(
            "channel name {channel:?} is {} bytes long; PostgreSQL keeps at most {MAX_CHANNEL_BYTES}",
            channel.len()
        ))
    } else {
        None
    }
}

/// The error for a channel name `listen` refuses.
fn refused(reason: String) -> Error {
    Error::InvalidQuery {
        table: "LISTEN/NOTIFY",
        reason,
    }
}

/// `LISTEN "a"; LISTEN "b"` (or `UNLISTEN ..`), each name quoted as an
/// identifier.
fn statements(verb: &str, channels: &[String]) -> String {
    let mut sql = String::new();
    for channel in channels {
        if !sql.is_empty() {
            sql.push_str("; ");
        }
        sql.push_str(verb);
        sql.push(' ');
        PgDialect.write_ident(channel, &mut sql);
    }
    sql
}

/// The `LISTEN`s that start a listener on `channels`: at least one, each a
/// name PostgreSQL takes as it is.
fn listen_sql(channels: &[String]) -> Result<String> {
    if channels.is_empty() {
        return Err(refused("name at least one channel to listen on".into()));
    }
    if let Some(reason) = channels.iter().find_map(|c| bad_channel(c)) {
        return Err(refused(reason));
    }
    Ok(statements("LISTEN", channels))
}

/// Where the listener's task sends what the stream yields. Unbounded, as
/// tokio-postgres suggests: the task must keep reading the socket for the
/// listener's own `LISTEN`s to complete.
type Events = mpsc::UnboundedSender<ListenEvent>;

/// Opens the listener on `channels`: the first connection is made here, so
/// that a wrong URL or channel fails now; a task then keeps it.
pub(crate) async fn listen(config: Config, channels: Vec<String>) -> Result<Listener> {
    let sql = listen_sql(&channels)?;
    let (events, mut receiver) = mpsc::unbounded_channel();
    let first = open(&config, &sql, &events).await?;
    let (changes, requests) = mpsc::unbounded_channel();
    tokio::spawn(keep_listening(
        config,
        channels.clone(),
        first,
        events,
        requests,
    ));
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok(Listener::new(
        channels,
        Box::pin(stream),
        Box::new(Changes(changes)),
    ))
}

/// A request to listen on a channel, or to stop, and where to answer.
struct Change {
    channel: String,
    listen: bool,
    done: oneshot::Sender<Result<()>>,
}

/// The listener's handle on its task.
struct Changes(mpsc::UnboundedSender<Change>);

impl ListenerControl for Changes {
    fn change(&self, channel: &str, listen: bool) -> BoxFuture<'static, Result<()>> {
        if let Some(reason) = bad_channel(channel) {
            return Box::pin(std::future::ready(Err(refused(reason))));
        }
        let (done, answer) = oneshot::channel();
        let sent = self.0.send(Change {
            channel: channel.to_string(),
            listen,
            done,
        });
        Box::pin(async move {
            let gone = || connection_lost("the listener's task has ended");
            sent.map_err(|_| gone())?;
            answer.await.unwrap_or_else(|_| Err(gone()))
        })
    }
}

/// A connection of the listener.
struct Connected {
    client: Client,
    socket: Socketed,
}

/// Connects and runs `sql` (the `LISTEN`s, if any).
async fn open(config: &Config, sql: &str, events: &Events) -> Result<Connected> {
    let (client, socket) = config.connect(NoTls).await.map_err(error::map)?;
    let mut connected = Connected { client, socket };
    if !sql.is_empty() {
        run(&mut connected, sql, events).await?;
    }
    Ok(connected)
}

/// Runs `sql` on the listener's connection, reading the socket meanwhile
/// (it carries the statement out and its reply in) and forwarding what
/// arrives.
async fn run(connected: &mut Connected, sql: &str, events: &Events) -> Result<()> {
    let Connected { client, socket } = connected;
    let mut statement = pin!(client.batch_execute(sql));
    poll_fn(|cx| {
        loop {
            match socket.poll_message(cx) {
                Poll::Ready(Some(Ok(AsyncMessage::Notification(n)))) => {
                    // A dropped stream is noticed by the task's next wait.
                    let _ = events.send(ListenEvent::Notification(convert(n)));
                }
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(error::map(e))),
                Poll::Ready(None) => return Poll::Ready(Err(closed())),
                Poll::Pending => break,
            }
        }
        statement.as_mut().poll(cx).map_err(error::map)
    })
    .await
}

fn closed() -> Error {
    connection_lost("the listener's connection closed")
}

fn convert(n: tokio_postgres::Notification) -> Notification {
    Notification::new(
        n.channel().to_string(),
        n.payload().to_string(),
        n.process_id(),
    )
}

/// What the listener's task waited for.
enum Next {
    /// The stream was dropped.
    Dropped,
    /// A change of channels was asked for.
    Change(Change),
    /// The connection ended.
    Lost(Error),
}

/// The listener's task: forwards notifications and changes channels until
/// the stream is dropped; when the connection is lost, says so, reconnects
/// with back-off, listens again on every channel and says so.
async fn keep_listening(
    config: Config,
    mut channels: Vec<String>,
    mut connected: Connected,
    events: Events,
    mut changes: mpsc::UnboundedReceiver<Change>,
) {
    loop {
        match next(&mut connected.socket, &events, &mut changes).await {
            // Dropping the client closes the socket.
            Next::Dropped => return,
            Next::Change(change) => {
                let verb = if change.listen { "LISTEN" } else { "UNLISTEN" };
                let names = [change.channel];
                let result = run(&mut connected, &statements(verb, &names), &events).await;
                let [channel] = names;
                if result.is_ok() {
                    channels.retain(|c| *c != channel);
                    if change.listen {
                        channels.push(channel);
                    }
                }
                let _ = change.done.send(result);
            }
            Next::Lost(error) => {
                if events.send(ListenEvent::Disconnected { error }).is_err() {
                    return;
                }
                let sql = statements("LISTEN", &channels);
                let Some(again) = reconnect(&config, &sql, &events).await else {
                    return;
                };
                connected = again;
                if events.send(ListenEvent::Reconnected).is_err() {
                    return;
                }
            }
        }
    }
}

/// Forwards notifications until the stream is dropped, a change is asked
/// for or the connection ends.
async fn next(
    socket: &mut Socketed,
    events: &Events,
    changes: &mut mpsc::UnboundedReceiver<Change>,
) -> Next {
    let mut dropped = pin!(events.closed());
    poll_fn(|cx| {
        if dropped.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Next::Dropped);
        }
        match changes.poll_recv(cx) {
            Poll::Ready(Some(change)) => return Poll::Ready(Next::Change(change)),
            // The listener, which holds both ends, is gone.
            Poll::Ready(None) => return Poll::Ready(Next::Dropped),
            Poll::Pending => {}
        }
        loop {
            match socket.poll_message(cx) {
                Poll::Ready(Some(Ok(AsyncMessage::Notification(n)))) => {
                    if events.send(ListenEvent::Notification(convert(n))).is_err() {
                        return Poll::Ready(Next::Dropped);
                    }
                }
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Next::Lost(error::map(e))),
                Poll::Ready(None) => return Poll::Ready(Next::Lost(closed())),
                Poll::Pending => return Poll::Pending,
            }
        }
    })
    .await
}

/// Connects and listens again, pausing longer after each failure; `None`
/// when the stream is dropped meanwhile.
async fn reconnect(config: &Config, sql: &str, events: &Events) -> Option<Connected> {
    let mut pause = FIRST_BACKOFF;
    loop {
        {
            let mut dropped = pin!(events.closed());
            let mut sleep = pin!(tokio::time::sleep(pause));
            let stopped = poll_fn(|cx| match dropped.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(true),
                Poll::Pending => sleep.as_mut().poll(cx).map(|()| false),
            })
            .await;
            if stopped {
                return None;
            }
        }
        if let Ok(connected) = open(config, sql, events).await {
            return Some(connected);
        }
        pause = (pause * 2).min(MAX_BACKOFF);
    }
}

impl PgConnection {
    /// `pg_notify(channel, payload)` in the connection's transaction.
    pub(crate) async fn send_notification(&mut self, channel: &str, payload: &str) -> Result<()> {
        // Refused before anything is sent, as any bind that cannot be sent.
        if let Some(reason) = bad_channel(channel) {
            return Err(Error::InvalidBind {
                parameter: 1,
                reason,
            });
        }
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(Error::InvalidBind {
                parameter: 2,
                reason: format!(
                    "a notification payload is at most {MAX_PAYLOAD_BYTES} bytes; this one is {}",
                    payload.len()
                ),
            });
        }
        let binds = [ValueRef::Text(channel), ValueRef::Text(payload)];
        self.run_extra::<(bool,)>("SELECT true FROM pg_notify($1, $2)", &binds)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_quoted_identifiers() {
        let sql = listen_sql(&["jobs".into(), "Mail \"x\"".into()]).unwrap();
        assert_eq!(sql, r#"LISTEN "jobs"; LISTEN "Mail ""x""""#);
        assert_eq!(statements("UNLISTEN", &["a b".into()]), r#"UNLISTEN "a b""#);
        assert_eq!(statements("LISTEN", &[]), "");
    }

    #[test]
    fn bad_channel_names_are_refused() {
        for bad in ["", "a\0b", &"x".repeat(64)] {
            let err = listen_sql(&[bad.to_string()]).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidQuery {
                        table: "LISTEN/NOTIFY",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        assert!(listen_sql(&["x".repeat(63)]).is_ok());
        let err = listen_sql(&[]).unwrap_err();
        assert!(err.to_string().contains("at least one channel"), "{err}");
    }
}
