//! `StreamSocket`: a connected stream socket, TCP or Unix, whose reads and writes are futures.
//!
//! [`TcpStream`](crate::TcpStream) and [`UnixStream`](crate::UnixStream) are this one type
//! over two kinds of socket, because the kernel treats them alike: a read is one `recv`, a
//! write one `send` (with `MSG_NOSIGNAL`, so a closed peer is an `EPIPE` error, never a
//! `SIGPIPE`), both tried at once, whatever the address family. A read that fills less than
//! its buffer lets the next read wait for epoll instead of paying for an `EAGAIN`. The
//! stream implements the `futures-io` traits `AsyncRead` and `AsyncWrite`, so
//! `futures_lite::io::BufReader`, `read_until` and `write_all` work on it. Only connecting
//! and addresses differ, in `tcp_stream.rs` and `unix.rs`. asyncio: the socket behind a
//! `StreamReader` and `StreamWriter` pair (`reader.read(n)`, `writer.write(data)`).
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::rc::Rc;
use std::task::{Context, Poll};

use rustix::io::Errno;
use rustix::net::{RecvFlags, SendFlags};

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::reactor::{AsyncFd, Direction};

/// A connected stream socket over `S`, std's [`TcpStream`](std::net::TcpStream) or
/// [`UnixStream`](std::os::unix::net::UnixStream). Use it by its two names,
/// [`TcpStream`](crate::TcpStream) and [`UnixStream`](crate::UnixStream); the methods here
/// are the ones they share. Code generic over `S` works on both:
///
/// ```
/// use std::os::fd::AsFd;
/// use zenio::StreamSocket;
///
/// async fn greet<S: AsFd>(stream: &StreamSocket<S>) -> std::io::Result<()> {
///     stream.write_all(b"hello\n").await
/// }
///
/// zenio::block_on(async {
///     let (left, right) = zenio::UnixStream::pair()?;
///     greet(&left).await?;
///     let mut buf = [0; 6];
///     right.read(&mut buf).await?;
///     // The descriptor, for options zenio does not wrap:
///     socket2::SockRef::from(&right).set_recv_buffer_size(1 << 16)?;
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct StreamSocket<S: AsFd> {
    /// The connected socket.
    pub(crate) io: AsyncFd<S>,
}

impl<S: AsFd> StreamSocket<S> {
    /// Wraps a connected, non-blocking socket (from `accept4`, `socket` or `socketpair`).
    pub(crate) fn from_fd(fd: OwnedFd) -> StreamSocket<S>
    where
        S: From<OwnedFd>,
    {
        StreamSocket {
            io: AsyncFd::from_nonblocking(S::from(fd)),
        }
    }

    /// Takes over a connected std socket, switching it to non-blocking mode (one `ioctl`).
    /// It should be the socket's only descriptor (not `try_clone`d; see [`AsyncFd`]).
    ///
    /// ```
    /// let (std_stream, _peer) = std::os::unix::net::UnixStream::pair()?;
    /// let stream = zenio::UnixStream::from_std(std_stream)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(socket: S) -> io::Result<StreamSocket<S>> {
        Ok(StreamSocket {
            io: AsyncFd::new(socket)?,
        })
    }

    /// Gives the std socket back, and takes it out of the runtime (see
    /// [`AsyncFd::into_inner`]). It is left in non-blocking mode, as tokio leaves it: call
    /// `set_nonblocking(false)` for blocking reads and writes.
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// let (ours, theirs) = zenio::UnixStream::pair()?;
    /// let mut ours = ours.into_std()?;
    /// ours.set_nonblocking(false)?;
    /// zenio::block_on(theirs.write_all(b"hi"))?;
    /// let mut buf = [0; 2];
    /// ours.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"hi");
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<S> {
        self.io.into_inner()
    }

    /// Reads into `buf`; `Ok(0)` means the peer closed its side (EOF).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_with(cx, buf)).await
    }

    /// Reads into `buf` now, without waiting: one `recv`, whatever the runtime believes about
    /// readiness. `Err(WouldBlock)` means nothing is there. For a last look before closing,
    /// such as answering what a client already sent when the server shuts down.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |socket| recv(socket, buf))
    }

    /// Writes some of `buf` and says how much.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write_with(cx, buf)).await
    }

    /// Writes all of `buf`, waiting whenever the socket buffer is full.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Polls one `recv` into `buf`.
    pub fn poll_read_with(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let poll = self
            .io
            .poll_io(Direction::Read, cx, |socket| recv(socket, buf));
        if let Poll::Ready(Ok(n)) = poll {
            if n > 0 && n < buf.len() {
                self.io.note_short_read();
            }
        }
        poll
    }

    /// Polls one `send` of `buf`.
    pub fn poll_write_with(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(Direction::Write, cx, |socket| send(socket, buf))
    }

    /// Shuts down one or both directions (`shutdown(2)`). `Shutdown::Write` sends a FIN: the
    /// peer reads EOF but can still send (asyncio's `writer.write_eof()`).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => rustix::net::Shutdown::Read,
            Shutdown::Write => rustix::net::Shutdown::Write,
            Shutdown::Both => rustix::net::Shutdown::Both,
        };
        match rustix::net::shutdown(self.io.get_ref(), how) {
            Err(Errno::NOTCONN) => Ok(()),
            other => Ok(other?),
        }
    }

    /// Borrows a read half and a write half, usable at the same time (by one task, or by two
    /// tasks on this thread).
    pub fn split(&self) -> (ReadHalf<'_, S>, WriteHalf<'_, S>) {
        (ReadHalf(self), WriteHalf(self))
    }

    /// Splits into owned halves that can go to two different tasks. Dropping the write half
    /// shuts down writing (see [`OwnedWriteHalf`]); the socket closes when both are dropped.
    pub fn into_split(self) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
        let shared = Rc::new(self);
        (OwnedReadHalf(Rc::clone(&shared)), OwnedWriteHalf(shared))
    }
}

impl<S: AsFd> AsFd for StreamSocket<S> {
    /// The socket, for `socket2` and other crates that set options on a descriptor.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl<S: AsFd> AsRawFd for StreamSocket<S> {
    /// The socket's descriptor number.
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl<S: AsFd + std::fmt::Debug> std::fmt::Debug for StreamSocket<S> {
    /// As std prints its socket: addresses and descriptor.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

/// Implements `AsyncRead` for a type that can lend a `&StreamSocket<S>`.
macro_rules! impl_async_read {
    ($($ty:ty),*) => {$(
        impl<S: ::std::os::fd::AsFd> ::futures_lite::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let stream: &$crate::StreamSocket<S> = ::std::borrow::Borrow::borrow(&*self);
                stream.poll_read_with(cx, buf)
            }
        }
    )*};
}

/// One `recv(2)`, straight to the kernel through rustix: the C library's `recv` is a
/// thread-cancellation point, which costs two extra calls around every syscall.
fn recv(socket: impl AsFd, buf: &mut [u8]) -> io::Result<usize> {
    Ok(rustix::net::recv(socket, buf, RecvFlags::empty())?.0)
}

/// One `send(2)` with `MSG_NOSIGNAL` (a closed peer is `EPIPE`, not `SIGPIPE`), through
/// rustix for the same reason as [`recv`].
fn send(socket: impl AsFd, buf: &[u8]) -> io::Result<usize> {
    Ok(rustix::net::send(socket, buf, SendFlags::NOSIGNAL)?)
}

/// Implements `AsyncWrite` for a type that can lend a `&StreamSocket<S>`. `close` sends a FIN.
macro_rules! impl_async_write {
    ($($ty:ty),*) => {$(
        impl<S: ::std::os::fd::AsFd> ::futures_lite::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let stream: &$crate::StreamSocket<S> = ::std::borrow::Borrow::borrow(&*self);
                stream.poll_write_with(cx, buf)
            }

            fn poll_flush(self: ::std::pin::Pin<&mut Self>, _: &mut ::std::task::Context<'_>) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(self: ::std::pin::Pin<&mut Self>, _: &mut ::std::task::Context<'_>) -> ::std::task::Poll<::std::io::Result<()>> {
                let stream: &$crate::StreamSocket<S> = ::std::borrow::Borrow::borrow(&*self);
                ::std::task::Poll::Ready(stream.shutdown(::std::net::Shutdown::Write))
            }
        }
    )*};
}

pub(crate) use {impl_async_read, impl_async_write};

impl_async_read!(StreamSocket<S>, &StreamSocket<S>);
impl_async_write!(StreamSocket<S>, &StreamSocket<S>);
