//! Read and write halves of a stream ([`TcpStream`](crate::TcpStream) or
//! [`UnixStream`](crate::UnixStream)), so one task (or two) can read and write at once.
//!
//! A socket's two directions are independent: its source keeps a reader's waker and a
//! writer's waker apart, so a half is just another way to reach the same stream. asyncio hands
//! out the same pair from `asyncio.open_connection`: a `StreamReader` and a `StreamWriter`.
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

use std::borrow::Borrow;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::rc::Rc;

use super::stream::{impl_async_read, impl_async_write};
use super::StreamSocket;

/// The reading half of a borrowed stream, from [`StreamSocket::split`]. `S` is std's socket
/// type: a TCP stream's halves need not name it.
#[derive(Debug)]
pub struct ReadHalf<'a, S: AsFd = std::net::TcpStream>(pub(crate) &'a StreamSocket<S>);

/// The writing half of a borrowed stream, from [`StreamSocket::split`]. Dropping it does
/// nothing: the stream is still there.
#[derive(Debug)]
pub struct WriteHalf<'a, S: AsFd = std::net::TcpStream>(pub(crate) &'a StreamSocket<S>);

/// The reading half of an owned stream, from [`StreamSocket::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf<S: AsFd = std::net::TcpStream>(pub(crate) Rc<StreamSocket<S>>);

/// The writing half of an owned stream, from [`StreamSocket::into_split`].
///
/// **Dropping it shuts down writing**, as tokio's `OwnedWriteHalf` does: the peer reads EOF
/// while the read half goes on reading. A writer task that ends has nothing more to say, and
/// a peer that waits for EOF (a request body, `cat`) would otherwise wait until the read
/// half is dropped too. If the read half is already gone, the drop closes the socket, which
/// says EOF by itself, so no `shutdown` call is made.
///
/// ```
/// use futures_lite::io::AsyncReadExt;
///
/// zenio::block_on(async {
///     let (ours, theirs) = zenio::UnixStream::pair()?;
///     let (mut reader, writer) = ours.into_split();
///     writer.write_all(b"last words").await?;
///     drop(writer); // FIN
///     let mut heard = String::new();
///     (&theirs).read_to_string(&mut heard).await?; // ends: EOF
///     assert_eq!(heard, "last words");
///     theirs.write_all(b"still listening").await?; // and the read half still reads
///     let mut buf = [0; 15];
///     reader.read_exact(&mut buf).await?;
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf<S: AsFd = std::net::TcpStream>(pub(crate) Rc<StreamSocket<S>>);

impl<S: AsFd> Drop for OwnedWriteHalf<S> {
    /// Sends a FIN if the read half still holds the socket open. An error (the peer is
    /// gone already) has nobody to go to.
    fn drop(&mut self) {
        if Rc::strong_count(&self.0) > 1 {
            let _ = self.0.shutdown(Shutdown::Write);
        }
    }
}

impl<S: AsFd> Borrow<StreamSocket<S>> for ReadHalf<'_, S> {
    fn borrow(&self) -> &StreamSocket<S> {
        self.0
    }
}

impl<S: AsFd> Borrow<StreamSocket<S>> for WriteHalf<'_, S> {
    fn borrow(&self) -> &StreamSocket<S> {
        self.0
    }
}

impl<S: AsFd> Borrow<StreamSocket<S>> for OwnedReadHalf<S> {
    fn borrow(&self) -> &StreamSocket<S> {
        &self.0
    }
}

impl<S: AsFd> Borrow<StreamSocket<S>> for OwnedWriteHalf<S> {
    fn borrow(&self) -> &StreamSocket<S> {
        &self.0
    }
}

impl<S: AsFd> std::ops::Deref for OwnedReadHalf<S> {
    type Target = StreamSocket<S>;

    /// The stream, for `read` and `peer_addr`.
    fn deref(&self) -> &StreamSocket<S> {
        &self.0
    }
}

impl<S: AsFd> std::ops::Deref for OwnedWriteHalf<S> {
    type Target = StreamSocket<S>;

    /// The stream, for `write_all` and `shutdown`.
    fn deref(&self) -> &StreamSocket<S> {
        &self.0
    }
}

impl_async_read!(ReadHalf<'_, S>, OwnedReadHalf<S>);
impl_async_write!(WriteHalf<'_, S>, OwnedWriteHalf<S>);
