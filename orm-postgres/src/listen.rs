//! LISTEN/NOTIFY: a listener on a connection of its own, driven by a task
//! that forwards notifications, and reconnects (with back-off) and listens
//! again when the connection is lost; `pg_notify` on a session's connection.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use futures_util::future::poll_fn;
use orm_core::session::{ListenEvent, Listener, Notification};
use orm_core::{Dialect, Error, Result, ValueRef};
use tokio::sync::mpsc;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls, Socket};

use crate::error::{self, connection_lost};
use crate::{PgConnection, PgDialect};

/// The longest channel name PostgreSQL keeps (NAMEDATALEN - 1 bytes).
const MAX_CHANNEL_BYTES: usize = 63;

/// The longest payload `pg_notify` accepts, in bytes.
const MAX_PAYLOAD_BYTES: usize = 7999;

/// How many events wait for the stream's reader before the listener stops
/// reading its socket.
const EVENT_BUFFER: usize = 256;

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

/// `LISTEN "a"; LISTEN "b"`, each name quoted as an identifier.
fn listen_sql(channels: &[String]) -> Result<String> {
    let mut sql = String::new();
    for channel in channels {
        if let Some(reason) = bad_channel(channel) {
            return Err(Error::InvalidQuery {
                table: "LISTEN/NOTIFY",
                reason,
            });
        }
        if !sql.is_empty() {
            sql.push_str("; ");
        }
        sql.push_str("LISTEN ");
        PgDialect.write_ident(channel, &mut sql);
    }
    if sql.is_empty() {
        return Err(Error::InvalidQuery {
            table: "LISTEN/NOTIFY",
            reason: "name at least one channel to listen on".into(),
        });
    }
    Ok(sql)
}

/// Opens the listener on `channels`: the first connection is made here, so
/// that a wrong URL or channel fails now; a task then keeps it.
pub(crate) async fn listen(config: Config, channels: Vec<String>) -> Result<Listener> {
    let sql = listen_sql(&channels)?;
    let first = open(&config, &sql).await?;
    let (events, mut receiver) = mpsc::channel(EVENT_BUFFER);
    tokio::spawn(keep_listening(config, sql, first, events));
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok(Listener::new(channels, Box::pin(stream)))
}

/// A connection that listens, and what arrived while `LISTEN` ran.
struct Listening {
    /// Held, not used: dropping the client ends the connection.
    _client: Client,
    socket: Socketed,
    early: Vec<Notification>,
}

/// Connects and runs `sql` (the `LISTEN`s), reading the socket meanwhile.
async fn open(config: &Config, sql: &str) -> Result<Listening> {
    let (client, mut socket) = config.connect(NoTls).await.map_err(error::map)?;
    let mut early = Vec::new();
    {
        let mut listen = pin!(client.batch_execute(sql));
        poll_fn(|cx| {
            // The socket carries the LISTEN out and its reply in.
            loop {
                match socket.poll_message(cx) {
                    Poll::Ready(Some(Ok(AsyncMessage::Notification(n)))) => early.push(convert(n)),
                    Poll::Ready(Some(Ok(_))) => {}
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(error::map(e))),
                    Poll::Ready(None) => {
                        return Poll::Ready(Err(connection_lost(
                            "the listener's connection closed",
                        )))
                    }
                    Poll::Pending => break,
                }
            }
            listen.as_mut().poll(cx).map_err(error::map)
        })
        .await?;
    }
    Ok(Listening {
        _client: client,
        socket,
        early,
    })
}

fn convert(n: tokio_postgres::Notification) -> Notification {
    Notification::new(
        n.channel().to_string(),
        n.payload().to_string(),
        n.process_id(),
    )
}

/// The listener's task: forwards notifications until the stream is dropped;
/// when the connection is lost, says so, reconnects with back-off, listens
/// again and says so.
async fn keep_listening(
    config: Config,
    sql: String,
    first: Listening,
    events: mpsc::Sender<ListenEvent>,
) {
    let mut current = first;
    loop {
        for n in current.early.drain(..) {
            if events.send(ListenEvent::Notification(n)).await.is_err() {
                return;
            }
        }
        let Some(error) = forward(&mut current.socket, &events).await else {
            // The stream was dropped: dropping the client closes the socket.
            return;
        };
        drop(current);
        if events
            .send(ListenEvent::Disconnected { error })
            .await
            .is_err()
        {
            return;
        }
        let Some(again) = reconnect(&config, &sql, &events).await else {
            return;
        };
        current = again;
        if events.send(ListenEvent::Reconnected).await.is_err() {
            return;
        }
    }
}

/// Forwards notifications until the connection ends (its error) or the
/// stream is dropped (`None`).
async fn forward(socket: &mut Socketed, events: &mpsc::Sender<ListenEvent>) -> Option<Error> {
    loop {
        let message = {
            let mut dropped = pin!(events.closed());
            poll_fn(|cx| {
                if dropped.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                socket.poll_message(cx).map(Some)
            })
            .await?
        };
        let n = match message {
            Some(Ok(AsyncMessage::Notification(n))) => convert(n),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Some(error::map(e)),
            None => return Some(connection_lost("the listener's connection closed")),
        };
        events.send(ListenEvent::Notification(n)).await.ok()?;
    }
}

/// Connects and listens again, pausing longer after each failure; `None`
/// when the stream is dropped meanwhile.
async fn reconnect(
    config: &Config,
    sql: &str,
    events: &mpsc::Sender<ListenEvent>,
) -> Option<Listening> {
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
        if let Ok(listening) = open(config, sql).await {
            return Some(listening);
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
