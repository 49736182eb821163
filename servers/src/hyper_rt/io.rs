//! `HyperIo`: a [`zenio::TcpStream`] seen through hyper's `Read` and `Write` traits.
//!
//! A write is one `send(2)`, passed straight through. A read is one `recv(2)` too, but it
//! cannot land straight in hyper's buffer: hyper lends a cursor over memory it has not
//! initialized, and the only safe way to fill that is `ReadBufCursor::put_slice`, a copy
//! (filling the memory in place takes `unsafe`, which this crate forbids). So every read
//! goes into this thread's scratch buffer first, then is copied into hyper's. The scratch
//! buffer is allocated once per thread and lent for the length of one `recv`, which never
//! waits: no read allocates, and an idle connection holds no buffer of ours. hyper-util's
//! `TokioIo` is the same adapter for tokio; it fills hyper's memory in place with `unsafe`.

use std::cell::RefCell;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use hyper::rt::{Read, ReadBufCursor, Write};
use zenio::TcpStream;

/// Bytes one read may bring. hyper's own buffer starts at 8 KiB and grows when reads fill
/// it; twice that lets it grow.
const SCRATCH_LEN: usize = 16 * 1024;

thread_local! {
    /// Where reads on this thread land before they are copied into hyper's buffer. One per
    /// thread is enough: a read borrows it only for one non-blocking `recv` and the copy.
    static SCRATCH: RefCell<[u8; SCRATCH_LEN]> = const { RefCell::new([0; SCRATCH_LEN]) };
}

/// A TCP connection that hyper can read and write.
#[derive(Debug)]
pub struct HyperIo {
    /// The connection.
    stream: TcpStream,
}

impl HyperIo {
    /// Wraps a connection, for `hyper::server::conn::http1` or `hyper::client::conn::http1`.
    pub fn new(stream: TcpStream) -> HyperIo {
        HyperIo { stream }
    }

    /// Reads what the peer has already sent, without waiting (one `recv`, see
    /// [`TcpStream::try_read`]); `Err(WouldBlock)` when nothing is there.
    pub fn try_read(&self, cursor: ReadBufCursor<'_>) -> io::Result<()> {
        match read_into(cursor, |buffer| Poll::Ready(self.stream.try_read(buffer))) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

/// Calls `read` on the scratch buffer, cut to what `cursor` can take, and copies what it
/// read into `cursor`.
fn read_into(
    mut cursor: ReadBufCursor<'_>,
    read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    SCRATCH.with_borrow_mut(|scratch| {
        let len = cursor.remaining().min(SCRATCH_LEN);
        let n = ready!(read(&mut scratch[..len]))?;
        cursor.put_slice(&scratch[..n]);
        Poll::Ready(Ok(()))
    })
}

impl Read for HyperIo {
    /// One `recv`. Nothing put in the cursor means EOF, as hyper expects.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        cursor: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        read_into(cursor, |buffer| self.stream.poll_read_with(cx, buffer))
    }
}

impl Write for HyperIo {
    /// One `send`.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_write_with(cx, bytes)
    }

    /// Nothing to do: `send` leaves no bytes in user space.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Sends a FIN (`shutdown(SHUT_WR)`).
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown(Shutdown::Write))
    }
}
