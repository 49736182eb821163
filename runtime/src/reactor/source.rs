//! A source: what the reactor knows about one socket.
//!
//! For every socket, the runtime keeps two readiness flags (can a read succeed? can a write?)
//! and the wakers of the tasks waiting to read and to write. The flags start `true`, meaning
//! "nobody told us otherwise, so just try the syscall" (optimistic I/O). A read or write that
//! fails with `EAGAIN` clears its flag; an `epoll_wait` event sets it again and wakes the
//! waiting task. In asyncio this is the `selector_events` bookkeeping behind
//! `loop.add_reader(fd, callback)` and `loop.add_writer(fd, callback)`.
//!
//! Every open socket has a source, so it is packed (see `docs/benchmarks.md`, memory per
//! connection): the flags share one byte, and each direction has one waker slot, for the
//! one task that nearly always waits there (a connection's task). The rare further tasks
//! waiting on the same direction (several tasks accepting on one listener, say) wait in the
//! reactor's list (`Reactor::add_waiter`).
//!
//! See chapter 8 of the book: `docs/08-the-reactor.md`.

use std::cell::Cell;
use std::task::Waker;

use rustix::event::epoll::EventFlags;

/// Which half of a socket an operation needs: reading (and accepting) or writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// `read`, `recv`, `accept`: waits for `EPOLLIN`.
    Read,
    /// `write`, `send`, `connect`: waits for `EPOLLOUT`.
    Write,
}

/// A read may succeed: set by epoll events, cleared by `EAGAIN` or a short read.
const READABLE: u8 = 1;
/// A write may succeed: set by epoll events, cleared by `EAGAIN`.
const WRITABLE: u8 = 1 << 1;
/// Read readiness must only be cleared by `EAGAIN`, never by a short read: the peer has
/// closed its side (`EPOLLRDHUP`), or the socket failed, or the reactor learned of the event
/// through `polling`, which does not report `EPOLLRDHUP`.
const READ_STICKY: u8 = 1 << 2;
/// The socket is registered with epoll, under `Source::key`.
const REGISTERED: u8 = 1 << 3;

/// The readiness and waiters of one socket, shared between its I/O handle and the reactor.
pub(crate) struct Source {
    /// The socket's key in the reactor's slab, once it is registered with epoll (see
    /// [`Source::key`]).
    key: Cell<u32>,
    /// `READABLE`, `WRITABLE`, `READ_STICKY`, `REGISTERED`.
    flags: Cell<u8>,
    /// The task waiting to read.
    reader: Cell<Option<Waker>>,
    /// The task waiting to write.
    writer: Cell<Option<Waker>>,
}

impl Source {
    /// A source for a new socket: optimistic, so both directions start out "try it".
    pub(crate) fn new() -> Source {
        Source {
            key: Cell::new(0),
            flags: Cell::new(READABLE | WRITABLE),
            reader: Cell::new(None),
            writer: Cell::new(None),
        }
    }

    /// The socket's key in the reactor's slab; `None` means "never needed to wait, so never
    /// registered".
    pub(crate) fn key(&self) -> Option<usize> {
        self.has(REGISTERED).then(|| self.key.get() as usize)
    }

    /// Records that the socket is registered under `key` (`None`: no longer).
    pub(crate) fn set_key(&self, key: Option<usize>) {
        let key = key.map(|key| u32::try_from(key).expect("zenio: over 4 billion sockets"));
        self.key.set(key.unwrap_or(0));
        self.set(REGISTERED, key.is_some());
    }

    /// Whether the syscall for `direction` is worth trying now.
    pub(crate) fn is_ready(&self, direction: Direction) -> bool {
        self.has(ready_flag(direction))
    }

    /// The syscall said `EAGAIN`: wait for the next epoll event before trying again.
    pub(crate) fn clear(&self, direction: Direction) {
        self.set(ready_flag(direction), false);
    }

    /// A read returned fewer bytes than asked for, so the kernel buffer is empty now. With
    /// edge-triggered epoll any new data brings a new event, so the next read can wait for it
    /// instead of paying for an `EAGAIN`. (tokio does the same on Linux.)
    pub(crate) fn clear_after_short_read(&self) {
        if !self.has(READ_STICKY) {
            self.set(READABLE, false);
        }
    }

    /// Remembers the task to wake when `direction` becomes ready, if its slot is free or
    /// already holds this task. Returns `false` if another task holds it: the caller keeps
    /// the waker elsewhere.
    pub(crate) fn add_waiter(&self, direction: Direction, waker: &Waker) -> bool {
        let slot = self.slot(direction);
        let stored = slot.take().unwrap_or_else(|| waker.clone());
        let stored_here = stored.will_wake(waker);
        slot.set(Some(stored));
        stored_here
    }

    /// Applies one `epoll_wait` event and collects the wakers it makes runnable.
    pub(crate) fn on_event(&self, flags: EventFlags, to_wake: &mut Vec<Waker>) {
        let closed = EventFlags::RDHUP | EventFlags::HUP | EventFlags::ERR;
        if flags.intersects(closed) {
            self.set(READ_STICKY, true);
        }
        self.on_readiness(
            flags.intersects(EventFlags::IN | closed),
            flags.intersects(EventFlags::OUT | EventFlags::HUP | EventFlags::ERR),
            to_wake,
        );
    }

    /// Applies an event that came through `polling`'s own decoding, which cannot tell a
    /// half-closed peer apart: keep read readiness until a read says `EAGAIN`.
    pub(crate) fn on_coarse_event(&self, readable: bool, writable: bool, to_wake: &mut Vec<Waker>) {
        if readable {
            self.set(READ_STICKY, true);
        }
        self.on_readiness(readable, writable, to_wake);
    }

    /// Sets the flags for the ready directions and takes their waiters.
    fn on_readiness(&self, readable: bool, writable: bool, to_wake: &mut Vec<Waker>) {
        if readable {
            self.set(READABLE, true);
            to_wake.extend(self.reader.take());
        }
        if writable {
            self.set(WRITABLE, true);
            to_wake.extend(self.writer.take());
        }
    }

    /// Takes every waiter, so the runtime can drop them when it shuts down.
    pub(crate) fn take_all_waiters(&self, out: &mut Vec<Waker>) {
        out.extend(self.reader.take());
        out.extend(self.writer.take());
    }

    /// The waker slot for one direction.
    fn slot(&self, direction: Direction) -> &Cell<Option<Waker>> {
        match direction {
            Direction::Read => &self.reader,
            Direction::Write => &self.writer,
        }
    }

    /// Whether `flag` is set.
    fn has(&self, flag: u8) -> bool {
        self.flags.get() & flag != 0
    }

    /// Sets or clears `flag`.
    fn set(&self, flag: u8, on: bool) {
        self.flags
            .set(self.flags.get() & !flag | if on { flag } else { 0 });
    }
}

/// The readiness flag for one direction.
fn ready_flag(direction: Direction) -> u8 {
    match direction {
        Direction::Read => READABLE,
        Direction::Write => WRITABLE,
    }
}
