//! A [`PgConnection`]'s rows as a stream, decoded one at a time.

use std::pin::Pin;
use std::sync::Arc;

use futures_core::stream::BoxStream;
use futures_util::TryStreamExt;
use orm_core::{FromRow, Result, Value};
use tokio_postgres::RowStream;

use crate::{PgConnection, PgRow};

/// Where a row stream is.
enum StreamState<'a> {
    Open {
        conn: &'a mut PgConnection,
        sql: Arc<str>,
        binds: Vec<Value>,
        select: bool,
    },
    Read {
        conn: &'a mut PgConnection,
        sql: Arc<str>,
        rows: Pin<Box<RowStream>>,
    },
    Done,
}

/// The rows of `sql` with `binds`, decoded into `T` as they arrive
/// (`select`: a SELECT orm built, see `pipeline.rs`). A stream dropped
/// before its end leaves the statement in flight: the connection drains
/// its rows before anyone else uses it.
pub(crate) fn rows<'a, T: FromRow + Send + 'a>(
    conn: &'a mut PgConnection,
    sql: Arc<str>,
    binds: Vec<Value>,
    select: bool,
) -> BoxStream<'a, Result<T>> {
    let state = StreamState::Open {
        conn,
        sql,
        binds,
        select,
    };
    Box::pin(futures_util::stream::unfold(state, |state| async move {
        let (conn, sql, mut rows) = match state {
            StreamState::Open {
                conn,
                sql,
                binds,
                select,
            } => {
                conn.in_flight = true;
                match conn
                    .open_stream(&sql, binds.iter().map(Value::as_ref), select)
                    .await
                {
                    Ok(rows) => (conn, sql, Box::pin(rows)),
                    Err(e) => {
                        conn.in_flight = false;
                        return Some((Err(e), StreamState::Done));
                    }
                }
            }
            StreamState::Read { conn, sql, rows } => (conn, sql, rows),
            StreamState::Done => return None,
        };
        let next = match conn.query_timeout() {
            None => Ok(rows.try_next().await),
            Some(limit) => tokio::time::timeout(limit, rows.try_next())
                .await
                .map_err(|_| limit),
        };
        match next {
            Ok(Ok(Some(row))) => match T::from_row(&PgRow::new(row)) {
                Ok(value) => Some((Ok(value), StreamState::Read { conn, sql, rows })),
                Err(e) => {
                    // The rest of the rows are drained by the connection.
                    conn.in_flight = false;
                    Some((Err(e), StreamState::Done))
                }
            },
            Ok(Ok(None)) => {
                conn.in_flight = false;
                None
            }
            Ok(Err(e)) => {
                conn.in_flight = false;
                Some((Err(conn.fail_statement(&sql, e)), StreamState::Done))
            }
            Err(limit) => Some((Err(conn.give_up("a row", limit)), StreamState::Done)),
        }
    }))
}
