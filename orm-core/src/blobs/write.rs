//! Writing a blob file: [`BlobFile::save_from`], one chunk per statement.

use tokio::io::{AsyncRead, AsyncReadExt};

use super::{statements, BlobFile, CHUNK_SIZE};
use crate::error::{Error, Result};
use crate::session::{Backend, Session};
use crate::sql::BlobStorage;
use crate::value::ValueRef;

/// A write of several statements under way. Dropped before
/// [`finish`](Unfinished::finish) (its future cancelled between two
/// statements, or an error returned halfway), it marks the session's
/// transaction failed: only part of the write happened, so the transaction
/// may only be rolled back, never committed.
pub(super) struct Unfinished<'s, B: Backend> {
    session: &'s mut Session<B>,
    finished: bool,
}

impl<'s, B: Backend> Unfinished<'s, B> {
    pub(super) fn new(session: &'s mut Session<B>) -> Self {
        Unfinished {
            session,
            finished: false,
        }
    }

    pub(super) fn session(&mut self) -> &mut Session<B> {
        self.session
    }

    /// The write is whole.
    pub(super) fn finish(mut self) {
        self.finished = true;
    }
}

impl<B: Backend> Drop for Unfinished<'_, B> {
    fn drop(&mut self) {
        if !self.finished {
            self.session.fail_transaction();
        }
    }
}

impl BlobFile {
    /// Replaces the file's content with everything `reader` yields, in
    /// chunks of [`CHUNK_SIZE`] bytes, one statement each, in the session's
    /// transaction; returns the number of bytes written. Memory stays at one
    /// chunk however large the data.
    ///
    /// If `reader` fails (the error is returned as [`Error::Io`]), a
    /// statement fails, or this future is dropped before it finishes, the
    /// file holds only part of the data: the session is then
    /// [`Failed`](crate::SessionState::Failed), and the transaction can only
    /// be rolled back.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// let file = s.create_blob().await?;
    /// assert_eq!(file.save_from(s, &b"first"[..]).await?, 5);
    /// assert_eq!(file.save_from(s, &b"second"[..]).await?, 6);  // replaces "first"
    /// assert_eq!(file.size(s).await?, 6);
    /// # Ok(()) }
    /// ```
    pub async fn save_from<B, R>(&self, session: &mut Session<B>, mut reader: R) -> Result<u64>
    where
        B: Backend,
        R: AsyncRead + Unpin + Send,
    {
        let (storage, sql) = statements(session)?;
        let id = ValueRef::I64(self.id);
        let mut write = Unfinished::new(session);
        write.session().execute_sql(&sql.truncate, &[id]).await?;
        let mut buf = vec![0u8; CHUNK_SIZE];
        let mut written: u64 = 0;
        let mut seq: i64 = 0;
        loop {
            let n = fill(&mut reader, &mut buf).await?;
            if n == 0 {
                break;
            }
            // A byte offset for a large object, a sequence number for a chunk row.
            let position = match storage {
                BlobStorage::LargeObjects => i64::try_from(written).unwrap_or(i64::MAX),
                _ => seq,
            };
            let binds = [id, ValueRef::I64(position), ValueRef::Bytes(&buf[..n])];
            write.session().execute_sql(sql.write, &binds).await?;
            written += n as u64;
            seq += 1;
            if n < buf.len() {
                break;
            }
        }
        write.finish();
        Ok(written)
    }
}

/// Reads from `reader` until `buf` is full or the data ends; returns how
/// many bytes it read (less than `buf.len()` only at the end).
async fn fill<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]).await {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => return Err(Error::Io { source }),
        }
    }
    Ok(filled)
}
