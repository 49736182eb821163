//! `AsyncFd`: a non-blocking socket plus its [`Source`], and the one loop every operation uses.
//!
//! The loop is the whole idea of optimistic I/O, written once: try the syscall; if it says
//! `EAGAIN`, clear the readiness flag, leave the task's waker with the source (registering the
//! socket with epoll if this is its first wait) and return `Pending`; when the reactor wakes the
//! task, try again. A socket whose syscalls never block never meets epoll. asyncio's
//! `sock_recv` has the same shape: try `sock.recv`, on `BlockingIOError` call `add_reader` and
//! await a future.

use std::io;
use std::os::fd::AsFd;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::source::{Direction, Source};
use crate::context;
use crate::stats;
use crate::trace::trace;

/// A non-blocking file descriptor known to the runtime.
pub(crate) struct AsyncFd<T: AsFd> {
    /// The socket. It is in non-blocking mode, and this is its only descriptor.
    inner: T,
    /// Its readiness and waiters, shared with the reactor once registered.
    source: Rc<Source>,
}

impl<T: AsFd> AsyncFd<T> {
    /// Wraps a socket that is already in non-blocking mode. Costs no syscall: registration
    /// waits until an operation would block.
    pub(crate) fn new(inner: T) -> AsyncFd<T> {
        AsyncFd {
            inner,
            source: Rc::new(Source::new()),
        }
    }

    /// The socket, for syscalls that never block (`getsockname`, `setsockopt`).
    pub(crate) fn get_ref(&self) -> &T {
        &self.inner
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
        self.source.add_waiter(direction, cx.waker());
        if self.source.key.get().is_none() {
            let registered = context::with(|rt| {
                stats::add(&rt.counters.registrations, 1);
                rt.reactor.register(&self.source, self.inner.as_fd())
            });
            if let Err(error) = registered {
                return Poll::Ready(Err(error));
            }
        }
        trace!("wait for {direction:?} on {:?}", self.inner.as_fd());
        Poll::Pending
    }

    /// A read filled less than its buffer; see [`Source::clear_after_short_read`].
    pub(crate) fn note_short_read(&self) {
        self.source.clear_after_short_read();
    }
}

impl<T: AsFd> Drop for AsyncFd<T> {
    /// Forgets the source before `inner` is closed. (When the thread's runtime is already
    /// gone, there is nothing to forget: closing is all that is left.)
    fn drop(&mut self) {
        if self.source.key.get().is_some() {
            context::try_with(|rt| rt.reactor.forget(&self.source));
        }
    }
}
