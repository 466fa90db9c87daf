//! Blob files: create, open, delete, save_from and chunked reads, in the
//! session's transaction, on both backends. Tests that commit a file delete
//! it again: PostgreSQL's large objects outlive the test's schema.
#![recursion_limit = "256"]

mod common;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use orm::blobs::CHUNK_SIZE;
use orm::prelude::*;
use tokio::io::{AsyncRead, ReadBuf};

/// `len` bytes of a fixed pseudo-random pattern.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 2_463_534_242;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A reader that yields `data`, then fails (`fail`) or never finishes.
struct Stalling {
    data: Vec<u8>,
    at: usize,
    fail: bool,
}

impl AsyncRead for Stalling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.at < self.data.len() {
            let n = buf.remaining().min(self.data.len() - self.at);
            let at = self.at;
            buf.put_slice(&self.data[at..at + n]);
            self.at += n;
            Poll::Ready(Ok(()))
        } else if self.fail {
            Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "upload broke",
            )))
        } else {
            Poll::Pending // never woken: the data never ends
        }
    }
}

both!(async fn a_blob_saved_from_a_reader_reads_back_in_chunks(db, kind) {
    let data = pattern(2 * CHUNK_SIZE + 1000);
    let mut s = db.session();
    let file = s.create_blob().await?;
    assert_eq!(file.save_from(&mut s, &data[..]).await?, data.len() as u64);
    assert_eq!(file.size(&mut s).await?, data.len() as u64);
    s.commit().await?;

    let file = s.open_blob(file.id()).await?;
    let chunks: Vec<Vec<u8>> = file.chunks(&mut s).try_collect().await?;
    assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [CHUNK_SIZE, CHUNK_SIZE, 1000]);
    assert!(chunks.concat() == data, "the bytes read back are the bytes saved");
    s.delete_blob(file.id()).await?;
    s.commit().await?;
    Ok(())
});

both!(async fn an_empty_blob_has_no_chunks_and_save_from_replaces_content(db, kind) {
    let mut s = db.session();
    let file = s.create_blob().await?;
    assert_eq!(file.size(&mut s).await?, 0);
    let chunks: Vec<Vec<u8>> = file.chunks(&mut s).try_collect().await?;
    assert!(chunks.is_empty());
    file.save_from(&mut s, &pattern(CHUNK_SIZE + 5)[..]).await?;
    assert_eq!(file.save_from(&mut s, &b"short"[..]).await?, 5);
    let bytes: Vec<u8> = file.chunks(&mut s).try_concat().await?;
    assert_eq!(bytes, b"short");
    assert_eq!(file.save_from(&mut s, &b""[..]).await?, 0);
    assert_eq!(file.size(&mut s).await?, 0);
    s.rollback().await?;
    Ok(())
});

both!(async fn each_new_blob_gets_its_own_id(db, kind) {
    let mut s = db.session();
    let a = s.create_blob().await?;
    let b = s.create_blob().await?;
    assert_ne!(a.id(), b.id());
    a.save_from(&mut s, &b"aaa"[..]).await?;
    b.save_from(&mut s, &b"bb"[..]).await?;
    assert_eq!(a.chunks(&mut s).try_concat().await?, b"aaa");
    assert_eq!(b.chunks(&mut s).try_concat().await?, b"bb");
    assert_eq!(s.open_blob(b.id()).await?, b);
    s.rollback().await?;
    Ok(())
});

both!(async fn a_missing_id_is_not_found_and_leaves_the_session_usable(db, kind) {
    let mut s = db.session();
    let file = s.create_blob().await?;
    let missing = file.id() + 1000;
    for id in [missing, 0, -1, i64::MAX] {
        let err = s.open_blob(id).await.unwrap_err();
        assert!(matches!(&err, Error::NotFound { table } if *table == format!("blob {id}")), "{err:?}");
        let err = s.delete_blob(id).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    }
    assert_eq!(s.state(), SessionState::Active);
    assert_eq!(s.open_blob(file.id()).await?.id(), file.id());
    s.rollback().await?;
    Ok(())
});

both!(async fn a_created_blob_rolled_back_is_gone(db, kind) {
    let mut s = db.session();
    let file = s.create_blob().await?;
    file.save_from(&mut s, &b"draft"[..]).await?;
    s.rollback().await?;
    let err = s.open_blob(file.id()).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    Ok(())
});

both!(async fn a_deleted_blob_rolled_back_is_there(db, kind) {
    let mut s = db.session();
    let file = s.create_blob().await?;
    file.save_from(&mut s, &b"keep me"[..]).await?;
    s.commit().await?;
    s.delete_blob(file.id()).await?;
    assert!(matches!(s.open_blob(file.id()).await, Err(Error::NotFound { .. })));
    s.rollback().await?;
    let file = s.open_blob(file.id()).await?;
    assert_eq!(file.chunks(&mut s).try_concat().await?, b"keep me");
    s.delete_blob(file.id()).await?;
    s.commit().await?;
    assert!(matches!(s.open_blob(file.id()).await, Err(Error::NotFound { .. })));
    Ok(())
});

both!(async fn a_reader_error_is_io_and_fails_the_half_written_transaction(db, kind) {
    let mut s = db.session();
    let file = s.create_blob().await?;
    let reader = Stalling { data: pattern(CHUNK_SIZE + 10), at: 0, fail: true };
    let err = file.save_from(&mut s, reader).await.unwrap_err();
    assert!(
        matches!(&err, Error::Io { source } if source.kind() == io::ErrorKind::ConnectionReset),
        "{err:?}"
    );
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    assert!(matches!(s.open_blob(file.id()).await, Err(Error::NotFound { .. })));
    Ok(())
});

both!(async fn a_cancelled_save_fails_the_session_so_nothing_half_written_commits(db, kind) {
    let mut s = db.session();
    let file = s.create_blob().await?;
    s.commit().await?;
    s.start().await?;
    let reader = Stalling { data: pattern(CHUNK_SIZE + 10), at: 0, fail: false };
    // The reader never ends, so the save never finishes: the timeout cancels it.
    let outcome = tokio::time::timeout(Duration::from_millis(300), file.save_from(&mut s, reader)).await;
    assert!(outcome.is_err(), "the save cannot finish");
    assert_eq!(s.state(), SessionState::Failed);
    let err = s.commit().await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { .. }), "{err:?}");
    assert_eq!(file.size(&mut s).await?, 0, "nothing of the cancelled save was committed");
    s.delete_blob(file.id()).await?;
    s.commit().await?;
    Ok(())
});

both!(async fn reading_a_blob_halfway_leaves_the_session_as_it_was(db, kind) {
    let mut s = db.session();
    let file = s.create_blob().await?;
    file.save_from(&mut s, &pattern(3 * CHUNK_SIZE)[..]).await?;
    {
        let mut chunks = file.chunks(&mut s);
        let first = chunks.try_next().await?.map(|c| c.len());
        assert_eq!(first, Some(CHUNK_SIZE));
    }
    assert_eq!(s.state(), SessionState::Active);
    assert_eq!(file.size(&mut s).await?, 3 * CHUNK_SIZE as u64);
    s.rollback().await?;
    Ok(())
});
