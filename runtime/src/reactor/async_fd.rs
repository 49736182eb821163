//! `AsyncFd`: a non-blocking file descriptor plus its [`Source`], and the one loop every
//! operation uses.
//!
//! The loop is the whole idea of optimistic I/O, written once: try the syscall; if it says
//! `EAGAIN`, clear the readiness flag, leave the task's waker with the source (registering the
//! socket with epoll if this is its first wait) and return `Pending`; when the reactor wakes the
//! task, try again. A socket whose syscalls never block never meets epoll. asyncio's
//! `sock_recv` has the same shape: try `sock.recv`, on `BlockingIOError` call `add_reader` and
//! await a future.
//!
//! See chapter 8 of the book: `docs/08-the-reactor.md`.

use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::source::{Direction, Source};
use crate::context;
use crate::stats;
use crate::trace::trace;

/// A non-blocking file descriptor known to the runtime: sockets, pipes, eventfds...
///
/// [`TcpListener`](crate::TcpListener) and [`TcpStream`](crate::TcpStream) are built on it;
/// use it directly for other kinds of descriptors (a self-pipe for signals, say):
/// [`read_with`](Self::read_with) runs a non-blocking syscall of yours until it does not say
/// `EAGAIN`, waiting for readiness in between. This is async-io's `Async<T>` or tokio's
/// `AsyncFd`. The descriptor must be the only one for its file (not `dup`ed): zenio closes it
/// without `EPOLL_CTL_DEL`, which only removes it from epoll when no other copy is open.
///
/// It is not `Send` (its readiness is shared with this thread's reactor through an `Rc`), and
/// neither is any zenio socket: a socket stays on the thread that made it, and waits only
/// while that thread runs [`block_on`](crate::block_on); polled where none runs, an
/// operation that would wait panics. To hand work to another thread's runtime, send it a
/// closure with a [`Spawner`](crate::Spawner).
pub struct AsyncFd<T: AsFd> {
    /// Its readiness and waiters, shared with the reactor once registered. Declared first,
    /// so that it drops first: the reactor forgets the socket before the socket is closed.
    source: ForgetOnDrop,
    /// The socket. It is in non-blocking mode, and this is its only descriptor.
    inner: T,
}

/// A socket's [`Source`], which the reactor forgets when it is dropped. The `Drop` lives
/// here rather than on [`AsyncFd`], so that [`AsyncFd::into_inner`] can move the socket out.
struct ForgetOnDrop(Rc<Source>);

impl std::ops::Deref for ForgetOnDrop {
    type Target = Rc<Source>;

    /// The source, for the readiness bookkeeping.
    fn deref(&self) -> &Rc<Source> {
        &self.0
    }
}

impl Drop for ForgetOnDrop {
    /// Forgets the source before the socket is closed. (When the thread's runtime is already
    /// gone, there is nothing to forget: closing is all that is left.)
    fn drop(&mut self) {
        if self.0.key().is_some() {
            context::try_with(|rt| rt.reactor.forget(&self.0));
        }
    }
}

impl<T: AsFd> AsyncFd<T> {
    /// Puts `inner` in non-blocking mode (`ioctl(FIONBIO)`) and wraps it.
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        rustix::io::ioctl_fionbio(&inner, true)?;
        Ok(AsyncFd::from_nonblocking(inner))
    }

    /// Wraps a descriptor that is already in non-blocking mode. Costs no syscall:
    /// registration waits until an operation would block.
    pub(crate) fn from_nonblocking(inner: T) -> AsyncFd<T> {
        AsyncFd {
            source: ForgetOnDrop(Rc::new(Source::new())),
            inner,
        }
    }

    /// Gives the descriptor back, still in non-blocking mode. If it ever waited, it is
    /// registered with epoll, and since it stays open, it is removed (`EPOLL_CTL_DEL`): the
    /// one place zenio pays for that call.
    ///
    /// ```
    /// let (ours, _theirs) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = zenio::AsyncFd::new(ours)?;
    /// let ours = fd.into_inner()?;
    /// ours.set_nonblocking(false)?; // blocking again, if that is what the caller wants
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(self) -> io::Result<T> {
        let AsyncFd { source, inner } = self;
        if source.key().is_some() {
            context::try_with(|rt| rt.reactor.deregister(&source, inner.as_fd())).transpose()?;
        }
        Ok(inner)
    }

    /// The descriptor, for syscalls that never block (`getsockname`, `setsockopt`).
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Runs `op`, a non-blocking read-side syscall (`read`, `recv`, `accept`), until it does
    /// not fail with `EAGAIN`, waiting for the descriptor to turn readable in between.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_io(Direction::Read, cx, &mut op)).await
    }

    /// Runs `op`, a non-blocking write-side syscall, until it does not fail with `EAGAIN`,
    /// waiting for the descriptor to turn writable in between.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_io(Direction::Write, cx, &mut op)).await
    }

    /// Runs `op` once, now, whatever the readiness flags say; an `EAGAIN` clears the flag.
    /// For a last look that must not wait (draining a socket at shutdown).
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let result = op(&self.inner);
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.source.clear(direction);
        }
        result
    }

    /// Runs `op` (one non-blocking syscall) until it does not say `EAGAIN`, waiting for
    /// `direction` readiness in between.
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        // 1. Try the syscall while the source says it may succeed.
        while self.source.is_ready(direction) {
            match op(&self.inner) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.source.clear(direction),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
        // 2. It would block: leave our waker, and register the socket on its first wait.
        //    Only a running `block_on` will ever wake us: where none runs, this panics.
        context::assert_running();
        // The common case, a registered socket whose task takes its own slot, needs no look
        // at the runtime.
        if self.source.key().is_none() || !self.source.add_waiter(direction, cx.waker()) {
            let registered = context::with(|rt| {
                if self.source.key().is_none() {
                    stats::add(&rt.counters.registrations, 1);
                    rt.reactor.register(&self.source, self.inner.as_fd())?;
                }
                rt.reactor.add_waiter(&self.source, direction, cx.waker());
                Ok(())
            });
            if let Err(error) = registered {
                return Poll::Ready(Err(error));
            }
        }
        trace!(
            "wait for {direction:?} on fd {}",
            self.inner.as_fd().as_raw_fd()
        );
        Poll::Pending
    }

    /// A read filled less than its buffer; see [`Source::clear_after_short_read`].
    pub(crate) fn note_short_read(&self) {
        self.source.clear_after_short_read();
    }
}
