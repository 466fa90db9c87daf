//! Reading a blob file: [`BlobFile::chunks`], one statement per chunk.

use futures_core::stream::BoxStream;
use futures_util::stream;

use super::{statements, BlobFile, CHUNK_SIZE};
use crate::error::Result;
use crate::session::{Backend, Session};
use crate::sql::BlobStorage;
use crate::value::ValueRef;

/// Where a read is: the next byte offset (large objects) or the last
/// sequence number read (chunk rows); `None` once the end is known.
type Cursor = Option<i64>;

impl BlobFile {
    /// The file's content as a stream of chunks of at most [`CHUNK_SIZE`]
    /// bytes, read one statement per chunk as the stream is polled, so
    /// memory holds one chunk at a time. Collect a small file with
    /// `try_concat()`; copy a large one chunk by chunk to where it goes.
    ///
    /// Reads run in the session's transaction; dropping the stream halfway
    /// leaves the session as it was.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>, id: i64) -> Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// let file = s.open_blob(id).await?;
    /// let mut chunks = file.chunks(s);
    /// let mut total = 0;
    /// while let Some(chunk) = chunks.try_next().await? {
    ///     total += chunk.len();                 // write it somewhere instead
    /// }
    /// # Ok(()) }
    /// ```
    pub fn chunks<'s, B: Backend>(
        &self,
        session: &'s mut Session<B>,
    ) -> BoxStream<'s, Result<Vec<u8>>> {
        let id = self.id;
        let start: Cursor = Some(match statements(session) {
            Ok((BlobStorage::LargeObjects, _)) => 0,
            _ => -1,
        });
        Box::pin(stream::try_unfold(
            (session, start),
            move |(session, cursor)| async move {
                let Some(at) = cursor else {
                    return Ok(None);
                };
                let (storage, sql) = statements(session)?;
                let (chunk, next) = match storage {
                    BlobStorage::LargeObjects => {
                        let binds = [
                            ValueRef::I64(id),
                            ValueRef::I64(at),
                            ValueRef::I32(CHUNK_SIZE as i32),
                        ];
                        let rows: Vec<(Vec<u8>,)> =
                            session.fetch_sql(sql.read, &binds, false).await?;
                        let chunk = rows.into_iter().next().map(|row| row.0).unwrap_or_default();
                        // A short chunk is the last: no need to ask again.
                        let next = (chunk.len() == CHUNK_SIZE).then(|| at + chunk.len() as i64);
                        (chunk, next)
                    }
                    _ => {
                        let binds = [ValueRef::I64(id), ValueRef::I64(at)];
                        let rows: Vec<(i64, Vec<u8>)> =
                            session.fetch_sql(sql.read, &binds, false).await?;
                        match rows.into_iter().next() {
                            Some((seq, chunk)) => (chunk, Some(seq)),
                            None => (Vec::new(), None),
                        }
                    }
                };
                if chunk.is_empty() {
                    return Ok(None);
                }
                Ok(Some((chunk, (session, next))))
            },
        ))
    }

    /// The file's size in bytes.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// let file = s.create_blob().await?;
    /// assert_eq!(file.size(s).await?, 0);
    /// # Ok(()) }
    /// ```
    pub async fn size<B: Backend>(&self, session: &mut Session<B>) -> Result<u64> {
        let (_, sql) = statements(session)?;
        let rows: Vec<(i64,)> = session
            .fetch_sql(&sql.size, &[ValueRef::I64(self.id)], false)
            .await?;
        Ok(rows
            .first()
            .map_or(0, |row| u64::try_from(row.0).unwrap_or(0)))
    }
}
