//! A source: what the reactor knows about one socket.
//!
//! For every socket, the runtime keeps two readiness flags (can a read succeed? can a write?)
//! and the wakers of the tasks waiting to read and to write. The flags start `true`, meaning
//! "nobody told us otherwise, so just try the syscall" (optimistic I/O). A read or write that
//! fails with `EAGAIN` clears its flag; an `epoll_wait` event sets it again and wakes the
//! waiting task. In asyncio this is the `selector_events` bookkeeping behind
//! `loop.add_reader(fd, callback)` and `loop.add_writer(fd, callback)`.
//!
//! See chapter 8 of the book: `docs/08-the-reactor.md`.

use std::cell::{Cell, RefCell};
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

/// The tasks waiting on one direction of a socket.
///
/// Nearly always there is one (a connection task reading), so the first waker has its own
/// slot, and the list for more is boxed: a pointer, not an empty `Vec`'s three words, in
/// every socket's source (see `docs/benchmarks.md`, memory per connection).
#[derive(Default)]
struct Waiters {
    /// The first waiting task.
    first: Option<Waker>,
    /// Any further tasks waiting on the same direction (several tasks accepting, say).
    #[expect(
        clippy::box_collection,
        reason = "one word in every source; only a second waiter pays for the extra allocation"
    )]
    others: Option<Box<Vec<Waker>>>,
}

impl Waiters {
    /// Remembers `waker`, unless it (or a waker of the same task) is already here.
    fn insert(&mut self, waker: &Waker) {
        match &mut self.first {
            None => self.first = Some(waker.clone()),
            Some(first) if first.will_wake(waker) => {}
            Some(_) => {
                let others = self.others.get_or_insert_default();
                if !others.iter().any(|w| w.will_wake(waker)) {
                    others.push(waker.clone());
                }
            }
        }
    }

    /// Moves every waiting waker into `out`, to be woken once no borrow is held.
    fn drain_into(&mut self, out: &mut Vec<Waker>) {
        out.extend(self.first.take());
        if let Some(others) = &mut self.others {
            out.append(others);
        }
    }
}

/// The readiness and waiters of one socket, shared between its I/O handle and the reactor.
#[derive(Default)]
pub(crate) struct Source {
    /// The socket's key in the reactor's slab, once it has been registered with epoll.
    /// `None` means "never needed to wait, so never registered".
    pub(crate) key: Cell<Option<usize>>,
    /// A read may succeed: set by epoll events, cleared by `EAGAIN` or a short read.
    readable: Cell<bool>,
    /// A write may succeed: set by epoll events, cleared by `EAGAIN`.
    writable: Cell<bool>,
    /// Read readiness must only be cleared by `EAGAIN`, never by a short read: the peer has
    /// closed its side (`EPOLLRDHUP`), or the socket failed, or the reactor learned of the
    /// event through `polling`, which does not report `EPOLLRDHUP`.
    read_sticky: Cell<bool>,
    /// Tasks waiting to read.
    readers: RefCell<Waiters>,
    /// Tasks waiting to write.
    writers: RefCell<Waiters>,
}

impl Source {
    /// A source for a new socket: optimistic, so both directions start out "try it".
    pub(crate) fn new() -> Source {
        let source = Source::default();
        source.readable.set(true);
        source.writable.set(true);
        source
    }

    /// Whether the syscall for `direction` is worth trying now.
    pub(crate) fn is_ready(&self, direction: Direction) -> bool {
        self.flag(direction).get()
    }

    /// The syscall said `EAGAIN`: wait for the next epoll event before trying again.
    pub(crate) fn clear(&self, direction: Direction) {
        self.flag(direction).set(false);
    }

    /// A read returned fewer bytes than asked for, so the kernel buffer is empty now. With
    /// edge-triggered epoll any new data brings a new event, so the next read can wait for it
    /// instead of paying for an `EAGAIN`. (tokio does the same on Linux.)
    pub(crate) fn clear_after_short_read(&self) {
        if !self.read_sticky.get() {
            self.readable.set(false);
        }
    }

    /// Remembers the task to wake when `direction` becomes ready.
    pub(crate) fn add_waiter(&self, direction: Direction, waker: &Waker) {
        self.waiters(direction).borrow_mut().insert(waker);
    }

    /// Applies one `epoll_wait` event and collects the wakers it makes runnable.
    pub(crate) fn on_event(&self, flags: EventFlags, to_wake: &mut Vec<Waker>) {
        let closed = EventFlags::RDHUP | EventFlags::HUP | EventFlags::ERR;
        if flags.intersects(closed) {
            self.read_sticky.set(true);
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
            self.read_sticky.set(true);
        }
        self.on_readiness(readable, writable, to_wake);
    }

    /// Sets the flags for the ready directions and takes their waiters.
    fn on_readiness(&self, readable: bool, writable: bool, to_wake: &mut Vec<Waker>) {
        if readable {
            self.readable.set(true);
            self.readers.borrow_mut().drain_into(to_wake);
        }
        if writable {
            self.writable.set(true);
            self.writers.borrow_mut().drain_into(to_wake);
        }
    }

    /// Takes every waiter, so the runtime can drop them when it shuts down.
    pub(crate) fn take_all_waiters(&self, out: &mut Vec<Waker>) {
        self.readers.borrow_mut().drain_into(out);
        self.writers.borrow_mut().drain_into(out);
    }

    /// The readiness flag for one direction.
    fn flag(&self, direction: Direction) -> &Cell<bool> {
        match direction {
            Direction::Read => &self.readable,
            Direction::Write => &self.writable,
        }
    }

    /// The waiters for one direction.
    fn waiters(&self, direction: Direction) -> &RefCell<Waiters> {
        match direction {
            Direction::Read => &self.readers,
            Direction::Write => &self.writers,
        }
    }
}
