//! LISTEN/NOTIFY: notifications travel with transactions, the listener
//! survives a lost connection, and dropping it closes its connection.

use std::time::Duration;

use orm::prelude::*;
use orm::{ListenEvent, Listener, Notification};

use crate::common::unique_name;

/// Generous: a notification that must come comes in milliseconds.
const PATIENCE: Duration = Duration::from_secs(30);

async fn next_event(listener: &mut Listener) -> ListenEvent {
    match tokio::time::timeout(PATIENCE, listener.next()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the listener's stream ended"),
        Err(_) => panic!(
            "nothing arrived on {:?} within {PATIENCE:?}",
            listener.channels()
        ),
    }
}

async fn next_notification(listener: &mut Listener) -> Notification {
    match next_event(listener).await {
        ListenEvent::Notification(n) => n,
        other => panic!("expected a notification, got {other:?}"),
    }
}

/// The process id of the session listening with `LISTEN "<channel>"`.
async fn listener_pid(db: &Database, channel: &str) -> orm::Result<i32> {
    session_running(db, &format!("LISTEN \"{channel}\"")).await
}

/// The process id of the session whose last statement is `query`.
async fn session_running(db: &Database, query: &str) -> orm::Result<i32> {
    let mut s = db.session();
    for _ in 0..600 {
        let pid: Option<(i32,)> = s
            .raw("SELECT pid FROM pg_stat_activity WHERE query = $1")
            .bind(query)
            .fetch_optional()
            .await?;
        s.commit().await?;
        if let Some((pid,)) = pid {
            return Ok(pid);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no session runs {query}");
}

/// Ends the database session `pid`, as a server restart would.
async fn terminate(db: &Database, pid: i32) -> orm::Result<()> {
    let mut s = db.session();
    let (killed,): (bool,) = s
        .raw("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one()
        .await?;
    s.commit().await?;
    assert!(killed, "session {pid} was not terminated");
    Ok(())
}

/// Expects the listener to say it lost its connection, then that it is back.
async fn expect_reconnect(listener: &mut Listener) {
    match next_event(listener).await {
        ListenEvent::Disconnected {
            error: Error::ConnectionLost { .. },
        } => {}
        other => panic!("expected Disconnected with ConnectionLost, got {other:?}"),
    }
    match next_event(listener).await {
        ListenEvent::Reconnected => {}
        other => panic!("expected Reconnected, got {other:?}"),
    }
}

async fn sessions_with_pid(db: &Database, pid: i32) -> orm::Result<i64> {
    let mut s = db.session();
    let (n,): (i64,) = s
        .raw("SELECT count(*) FROM pg_stat_activity WHERE pid = $1")
        .bind(pid)
        .fetch_one()
        .await?;
    s.commit().await?;
    Ok(n)
}

postgres!("", async fn a_notification_is_delivered_on_commit_and_never_on_rollback(db) {
    let channel = unique_name("commit");
    let mut listener = db.listen(&[&channel]).await?;
    assert_eq!(listener.channels(), std::slice::from_ref(&channel));

    let mut s = db.session();
    s.notify(&channel, "rolled back").await?;
    s.rollback().await?;
    s.notify(&channel, "committed").await?;
    let (sender,): (i32,) = s.raw("SELECT pg_backend_pid()").fetch_one().await?;
    s.commit().await?;

    // Had the rolled-back one been sent, it would come first.
    assert_eq!(
        next_notification(&mut listener).await,
        Notification::new(channel.clone(), "committed".into(), sender)
    );
    Ok(())
});

postgres!("", async fn notifications_arrive_in_commit_order_not_in_send_order(db) {
    let channel = unique_name("order");
    let mut listener = db.listen(&[&channel]).await?;

    let mut first = db.session();
    first.notify(&channel, "sent first, committed last").await?;
    let mut second = db.session();
    second.notify(&channel, "sent second, committed first").await?;
    second.commit().await?;
    first.commit().await?;

    assert_eq!(
        next_notification(&mut listener).await.payload,
        "sent second, committed first"
    );
    assert_eq!(
        next_notification(&mut listener).await.payload,
        "sent first, committed last"
    );
    Ok(())
});

postgres!("", async fn channel_names_are_quoted_identifiers_and_only_listened_ones_arrive(db) {
    let plain = unique_name("chan");
    let odd = format!("{plain} \"Odd\"");
    let mut listener = db.listen(&[&plain, &odd]).await?;

    let mut s = db.session();
    s.notify(&format!("{plain}_other"), "not listened").await?;
    s.notify(&plain.to_uppercase(), "another case, another channel").await?;
    s.notify(&odd, "odd one").await?;
    s.notify(&plain, "").await?;
    s.commit().await?;

    let a = next_notification(&mut listener).await;
    assert_eq!((a.channel.as_str(), a.payload.as_str()), (odd.as_str(), "odd one"));
    let b = next_notification(&mut listener).await;
    assert_eq!((b.channel.as_str(), b.payload.as_str()), (plain.as_str(), ""));
    Ok(())
});

postgres!("", async fn a_lost_listener_reconnects_listens_again_and_says_so(db) {
    let channel = unique_name("reconnect");
    let mut listener = db.listen(&[&channel]).await?;
    let before = listener_pid(&db, &channel).await?;

    terminate(&db, before).await?;
    expect_reconnect(&mut listener).await;
    let after = listener_pid(&db, &channel).await?;
    assert_ne!(after, before);

    let mut s = db.session();
    s.notify(&channel, "after the reconnect").await?;
    s.commit().await?;
    let n = next_notification(&mut listener).await;
    assert_eq!((n.channel, n.payload), (channel, "after the reconnect".to_string()));
    Ok(())
});

postgres!("", async fn dropping_the_listener_closes_its_connection(db) {
    let channel = unique_name("drop");
    let listener = db.listen(&[&channel]).await?;
    let pid = listener_pid(&db, &channel).await?;
    assert_eq!(sessions_with_pid(&db, pid).await?, 1);
    drop(listener);
    // The server sees the session end soon after; wait for it.
    let mut left = 0;
    for _ in 0..600 {
        left = sessions_with_pid(&db, pid).await?;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(left, 0, "the listener's session {pid} is still there");
    // The pool is not involved: every connection it opened is idle in it.
    let status = db.pool_status();
    assert_eq!(status.idle, status.size);
    Ok(())
});

postgres!("", async fn bad_channels_and_payloads_are_typed_errors_and_send_nothing(db) {
    for bad in ["", "nul\0inside"] {
        let err = db.listen(&[bad]).await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { table: "LISTEN/NOTIFY", .. }), "{err:?}");
    }
    let too_long = "x".repeat(64);
    let err = db.listen(&[&too_long]).await.unwrap_err();
    assert!(err.to_string().contains("at most 63"), "{err}");
    let err = db.listen(&[]).await.unwrap_err();
    assert!(err.to_string().contains("at least one channel"), "{err}");

    let mut s = db.session();
    let err = s.notify(&too_long, "x").await.unwrap_err();
    assert!(matches!(err, Error::InvalidBind { parameter: 1, .. }), "{err:?}");
    let err = s.notify("jobs", &"p".repeat(8000)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidBind { parameter: 2, .. }), "{err:?}");
    // Nothing reached the server: the transaction is still good.
    assert_eq!(s.state(), SessionState::Active);
    s.commit().await?;
    Ok(())
});

postgres!("", async fn channels_added_and_removed_on_a_live_listener_hold_across_a_reconnect(db) {
    let a = unique_name("live_a");
    let b = unique_name("live_b");
    let mut listener = db.listen(&[&a]).await?;
    listener.listen(&b).await?;
    listener.listen(&b).await?;
    assert_eq!(listener.channels(), [a.clone(), b.clone()]);
    listener.unlisten(&a).await?;
    assert_eq!(listener.channels(), std::slice::from_ref(&b));
    let err = listener.listen("").await.unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { table: "LISTEN/NOTIFY", .. }), "{err:?}");

    let mut s = db.session();
    s.notify(&a, "a: no longer listened").await?;
    s.notify(&b, "b: added").await?;
    s.commit().await?;
    let n = next_notification(&mut listener).await;
    assert_eq!((n.channel.as_str(), n.payload.as_str()), (b.as_str(), "b: added"));

    // Reconnected, it listens on the channels of now, not of the start.
    let pid = session_running(&db, &format!("UNLISTEN \"{a}\"")).await?;
    terminate(&db, pid).await?;
    expect_reconnect(&mut listener).await;
    s.notify(&a, "a: still not listened").await?;
    s.notify(&b, "b: after the reconnect").await?;
    s.commit().await?;
    let n = next_notification(&mut listener).await;
    assert_eq!(
        (n.channel.as_str(), n.payload.as_str()),
        (b.as_str(), "b: after the reconnect")
    );
    Ok(())
});
