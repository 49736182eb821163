//! `ZenioIo`: a zenio stream seen through hyper's `Read` and `Write`.
//!
//! hyper reads and writes through traits of its own, `hyper::rt::Read` and `Write`, not
//! through the `futures-io` traits `AsyncRead` and `AsyncWrite` that zenio's streams
//! implement; this adapter goes between. A write passes straight through (one `send(2)` on
//! a `TcpStream`). A read cannot: hyper lends a cursor over memory it has not initialized,
//! and safe code can fill it only by copying a slice in (`ReadBufCursor::put_slice`);
//! reading into it in place takes `unsafe` (`as_mut`, then `advance`), which zenio forbids.
//! So a read (one `recv(2)`) lands in this thread's scratch buffer first and is copied into
//! hyper's: a `memcpy` of bytes the kernel has just written, still in cache. The buffer is
//! allocated by the thread's first read and lent to one poll at a time, which never waits:
//! no read allocates, and an idle connection holds no buffer of ours. hyper-util's `TokioIo`
//! is this adapter for tokio, whose `ReadBuf` takes uninitialized memory, so it reads in
//! place with `unsafe`. asyncio has nothing to adapt: its transports hand the protocol a new
//! `bytes` object per read (`data_received`), an allocation and a copy.

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::{AsyncRead, AsyncWrite};
use hyper::rt::{Read, ReadBufCursor, Write};

/// Bytes one read may bring. hyper's read buffer starts at 8 KiB and grows when reads fill
/// it; twice that lets it grow.
const SCRATCH_LEN: usize = 16 * 1024;

thread_local! {
    /// Where reads on this thread land before hyper's buffer: allocated by the first read,
    /// then taken by each read and put back after it.
    static SCRATCH: Cell<Option<Box<[u8]>>> = const { Cell::new(None) };
}

/// A stream that hyper can read and write: wrap a [`TcpStream`](crate::TcpStream) (or any
/// other `futures-io` stream) before handing it to hyper's `serve_connection` or
/// `handshake`.
///
/// The stream need not be `Send` (see [`ZenioExecutor`](super::ZenioExecutor)); it must be
/// `Unpin`, as zenio's are (pin anything else with `Box::pin`).
///
/// # Example
///
/// hyper's HTTP/1 server and client, talking over loopback:
///
/// ```
/// use std::convert::Infallible;
///
/// use http_body_util::{BodyExt, Empty, Full};
/// use hyper::{body::Bytes, client, server, service::service_fn, Request, Response};
/// use zenio::hyper::ZenioIo;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// zenio::block_on(async {
///     let listener = zenio::TcpListener::bind("127.0.0.1:0")?;
///     let addr = listener.local_addr()?;
///     zenio::spawn(async move {
///         let (stream, _peer) = listener.accept().await?;
///         let hello = service_fn(|_request| async {
///             Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
///         });
///         server::conn::http1::Builder::new()
///             .serve_connection(ZenioIo::new(stream), hello)
///             .await?;
///         Ok::<_, Box<dyn std::error::Error>>(())
///     })
///     .detach();
///
///     let stream = zenio::TcpStream::connect(addr).await?;
///     let (mut sender, connection) = client::conn::http1::handshake(ZenioIo::new(stream)).await?;
///     zenio::spawn(connection).detach();
///     let request = Request::get("/")
///         .header("host", addr.to_string())
///         .body(Empty::<Bytes>::new())?;
///     let body = sender.send_request(request).await?.into_body().collect().await?.to_bytes();
///     assert_eq!(body, "hello");
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct ZenioIo<T> {
    /// The stream.
    inner: T,
}

impl<T> ZenioIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> ZenioIo<T> {
        ZenioIo { inner }
    }

    /// The stream.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The stream, to change (what hyper has buffered stays in hyper).
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> Read for ZenioIo<T> {
    /// One read of the stream into the scratch buffer, copied into `cursor`. Nothing put in
    /// the cursor means EOF, as hyper expects.
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut cursor: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // Take the scratch buffer. A read nested in this one (a stream that reads a
        // `ZenioIo` itself) finds it taken and uses one of its own.
        let mut scratch = SCRATCH
            .take()
            .unwrap_or_else(|| vec![0; SCRATCH_LEN].into_boxed_slice());
        // Read at most what hyper can take, copy it over, give the buffer back.
        let len = cursor.remaining().min(SCRATCH_LEN);
        let read = Pin::new(&mut self.inner).poll_read(cx, &mut scratch[..len]);
        if let Poll::Ready(Ok(n)) = read {
            cursor.put_slice(&scratch[..n]);
        }
        SCRATCH.set(Some(scratch));
        read.map_ok(|_| ())
    }
}

/// Straight through. hyper also asks `is_write_vectored`: the default, no, fits zenio's
/// streams (one buffer per `send`), and hyper then gathers head and body into one buffer.
impl<T: AsyncWrite + Unpin> Write for ZenioIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, bytes)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    /// `AsyncWrite::poll_close`: a FIN on zenio's sockets (`shutdown(SHUT_WR)`).
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}
