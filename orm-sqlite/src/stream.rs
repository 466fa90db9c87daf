//! A stream fed by a future that owns what the rows borrow.
//!
//! sqlx's `fetch` stream borrows its SQL text and arguments, but
//! [`Connection::fetch_stream`](orm_core::Connection::fetch_stream) hands over
//! owned ones. [`Generator`] runs a producer future (an `async` block that
//! owns them, builds the sqlx stream and sends each decoded row into a
//! one-slot channel) inside the consumer's own polls: no task is spawned,
//! rows are decoded one at a time as the consumer asks, and dropping the
//! stream drops the producer and with it sqlx's stream, which resets the
//! statement.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;

/// A stream of the items `producer` sends into `sender`.
pub(crate) struct Generator<T, F> {
    items: mpsc::Receiver<T>,
    producer: Option<Pin<Box<F>>>,
}

impl<T, F: Future<Output = ()>> Generator<T, F> {
    /// Runs `produce` with the sending half of a one-slot channel; the
    /// stream ends once the producer has finished and its items are taken.
    pub(crate) fn new(produce: impl FnOnce(mpsc::Sender<T>) -> F) -> Self {
        let (sender, items) = mpsc::channel(1);
        Generator {
            items,
            producer: Some(Box::pin(produce(sender))),
        }
    }
}

impl<T, F: Future<Output = ()>> Stream for Generator<T, F> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if let Some(producer) = this.producer.as_mut() {
            if producer.as_mut().poll(cx).is_ready() {
                // Dropping the finished producer drops its sender, so the
                // channel ends after the items already sent.
                this.producer = None;
            }
        }
        // Pending here means the producer is pending too (waiting for a row
        // or for the slot): both have registered this task's waker.
        this.items.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    #[tokio::test]
    async fn yields_every_item_in_order_then_ends() {
        let owned = vec![1, 2, 3];
        let stream = Generator::new(|tx| async move {
            for v in &owned {
                if tx.send(*v).await.is_err() {
                    break;
                }
            }
        });
        assert_eq!(stream.collect::<Vec<_>>().await, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn dropping_the_stream_stops_the_producer() {
        let mut stream = Box::pin(Generator::new(|tx| async move {
            let mut n = 0;
            while tx.send(n).await.is_ok() {
                n += 1;
            }
        }));
        assert_eq!(stream.next().await, Some(0));
        assert_eq!(stream.next().await, Some(1));
        drop(stream);
    }
}
