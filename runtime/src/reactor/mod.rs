//! The reactor: one epoll instance that tells the runtime which sockets became ready.
//!
//! A task that cannot make progress (a read said `EAGAIN`) leaves its waker with the socket's
//! [`Source`] and returns `Pending`. When no task can run, the executor calls
//! [`Reactor::wait`], which blocks in `epoll_wait(2)` until a socket is ready or the earliest
//! timer is due, then marks each ready socket and wakes its tasks. This is asyncio's
//! `BaseSelectorEventLoop._run_once`: `selector.select(timeout)`, then `_process_events`.
//!
//! # Implementation
//!
//! - **Register lazily, once, edge-triggered.** A socket is added to epoll
//!   (`epoll_ctl(EPOLL_CTL_ADD)`) the first time an operation on it would block, never
//!   earlier, with `EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`. Edge-triggered means epoll
//!   reports each change once, so waiting again later costs no `epoll_ctl`. A socket whose
//!   every read and write succeeds at once (the meinheld case: accept, read, write, close) is
//!   never registered at all.
//! - **No `EPOLL_CTL_DEL`.** Closing the last descriptor of a socket removes it from every
//!   epoll set, and a zenio socket owns the only descriptor, so dropping it just forgets its
//!   slab entry and closes. That saves one syscall per connection. (A socket handed back with
//!   `into_std` stays open, so it is the one case that pays for `EPOLL_CTL_DEL`.)
//! - **One syscall per wait.** `polling`'s `Poller::wait` costs up to five syscalls on Linux
//!   (`timerfd_settime`, `epoll_ctl` for the timer, `epoll_wait`, a `read` of its eventfd and an
//!   `epoll_ctl` to re-arm it). So the reactor keeps `polling`'s `Poller` for what it does well
//!   (creating the epoll instance, and `notify` for wakes from other threads) and waits with a
//!   direct `epoll_wait` on the poller's own descriptor, passing the timer deadline as its
//!   timeout. Only when that wait reports `polling`'s notifier does the reactor call
//!   `Poller::wait` with a zero timeout, which resets the notifier.
//! - **Registration through rustix.** `polling`'s `Poller::add` is `unsafe` (its contract is
//!   portable: the fd must be deleted before it is closed) and cannot ask for `EPOLLRDHUP`,
//!   which the short-read rule in [`Source`] needs to stay correct when a peer's data and its
//!   FIN arrive together. rustix's `epoll::add` borrows the fd and is safe on Linux, where
//!   closing an fd can never leave epoll pointing at freed memory. So zenio has no `unsafe`
//!   code at all.
//!
//! See chapter 8 of the book: `docs/08-the-reactor.md`.

mod async_fd;
mod source;
mod timers;

pub use async_fd::AsyncFd;
pub(crate) use source::Direction;
pub(crate) use timers::TimerKey;

use std::cell::{Cell, RefCell};
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

use polling::Poller;
use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::event::Timespec;
use rustix::io::Errno;
use slab::Slab;

use crate::stats::{self, Counters};
use crate::trace::trace;
use source::Source;
use timers::Timers;

/// The key `polling` gives its notifier (its `NOTIFY_KEY`); slab keys never reach it.
const NOTIFY_KEY: u64 = usize::MAX as u64;

/// How many events one `epoll_wait` can return.
const EVENTS_PER_WAIT: usize = 1024;

/// One epoll instance, the sockets registered in it, and the timers.
pub(crate) struct Reactor {
    /// The epoll instance, shared with other threads so that they can `notify` it.
    poller: Arc<Poller>,
    /// Every registered socket, by the key stored in its epoll event.
    sources: RefCell<Slab<Rc<Source>>>,
    /// Tasks waiting on a socket's direction whose slot in the [`Source`] another task holds
    /// (several tasks accepting on one listener, say), by source key: rare, so a plain list.
    more_waiters: RefCell<Vec<(usize, Direction, Waker)>>,
    /// The buffer `epoll_wait` fills, kept between waits so waiting never allocates.
    events: RefCell<Vec<epoll::Event>>,
    /// The buffer for the rare `Poller::wait` that resets the notifier.
    coarse_events: RefCell<polling::Events>,
    /// Pending timers, earliest first.
    timers: RefCell<Timers>,
    /// Wakers collected during a wait, woken once no borrow is held; kept to reuse its memory.
    to_wake: RefCell<Vec<Waker>>,
    /// When the last `epoll_wait` returned: the time of this turn (see [`crate::now`]).
    now: Cell<Instant>,
}

impl Reactor {
    /// Creates the epoll instance (`epoll_create1`).
    pub(crate) fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            poller: Arc::new(Poller::new()?),
            sources: RefCell::new(Slab::new()),
            more_waiters: RefCell::new(Vec::new()),
            events: RefCell::new(Vec::with_capacity(EVENTS_PER_WAIT)),
            coarse_events: RefCell::new(polling::Events::with_capacity(
                NonZeroUsize::new(EVENTS_PER_WAIT).expect("non-zero"),
            )),
            timers: RefCell::new(Timers::new()),
            to_wake: RefCell::new(Vec::new()),
            now: Cell::new(Instant::now()),
        })
    }

    /// The poller, for threads that need to wake this reactor with `Poller::notify`.
    pub(crate) fn poller(&self) -> &Arc<Poller> {
        &self.poller
    }

    /// Adds a socket to epoll, edge-triggered, for both directions. Called at most once per
    /// socket, the first time one of its operations would block.
    ///
    /// A descriptor can already be in the set: an [`AsyncFd`] over a *borrowed* descriptor
    /// (`AsyncFd::new(&pipe)`) is forgotten when dropped, but the descriptor stays open, so
    /// epoll keeps it. Then the entry is pointed at the new key (`EPOLL_CTL_MOD`) instead of
    /// failing with `EEXIST`. Until then its events carry the old key, which another source
    /// may hold by now: that source sees a spurious readiness, which its retry loop absorbs
    /// (an `EAGAIN`). (Deleting at every drop would cost a syscall per closed
    /// connection, where closing the descriptor removes it for free.)
    pub(crate) fn register(&self, source: &Rc<Source>, fd: BorrowedFd<'_>) -> io::Result<()> {
        let mut sources = self.sources.borrow_mut();
        let entry = sources.vacant_entry();
        let key = entry.key();
        let interest = EventFlags::IN | EventFlags::OUT | EventFlags::RDHUP | EventFlags::ET;
        let data = EventData::new_u64(key as u64);
        match epoll::add(&*self.poller, fd, data, interest) {
            Err(Errno::EXIST) => epoll::modify(&*self.poller, fd, data, interest)?,
            added => added?,
        }
        entry.insert(Rc::clone(source));
        source.set_key(Some(key));
        trace!("register fd {} as source {key}", fd.as_raw_fd());
        Ok(())
    }

    /// Removes a socket from epoll (`EPOLL_CTL_DEL`) and forgets it, for a socket that leaves
    /// the runtime but stays open ([`AsyncFd::into_inner`]).
    pub(crate) fn deregister(&self, source: &Source, fd: BorrowedFd<'_>) -> io::Result<()> {
        epoll::delete(&*self.poller, fd)?;
        self.forget(source);
        trace!("deregister fd {}", fd.as_raw_fd());
        Ok(())
    }

    /// Forgets a socket that is about to be closed (closing removes it from epoll). (Tasks
    /// it kept in [`Reactor::more_waiters`] leave at the next wait.)
    pub(crate) fn forget(&self, source: &Source) {
        if let Some(key) = source.key() {
            source.set_key(None);
            self.sources.borrow_mut().try_remove(key);
        }
    }

    /// Remembers a task waiting for `dir` on a registered `source`: in the source's slot, or,
    /// if another task holds that, in [`Reactor::more_waiters`].
    pub(crate) fn add_waiter(&self, source: &Source, dir: Direction, waker: &Waker) {
        if source.add_waiter(dir, waker) {
            return;
        }
        let Some(key) = source.key() else { return }; // (registered before it waits)
        let mut more = self.more_waiters.borrow_mut();
        let known =
            |(k, d, w): &(usize, Direction, Waker)| (*k, *d) == (key, dir) && w.will_wake(waker);
        if !more.iter().any(known) {
            more.push((key, dir, waker.clone()));
        }
    }

    /// Adds a timer; see [`Timers::insert`].
    pub(crate) fn insert_timer(&self, deadline: Instant, waker: &Waker) -> TimerKey {
        self.timers.borrow_mut().insert(deadline, waker)
    }

    /// When the last `epoll_wait` returned; see [`crate::now`].
    pub(crate) fn now(&self) -> Instant {
        self.now.get()
    }

    /// Points a timer at a new waker; see [`Timers::update`].
    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) {
        self.timers.borrow_mut().update(key, waker);
    }

    /// Removes a timer; see [`Timers::remove`].
    pub(crate) fn remove_timer(&self, key: TimerKey) {
        self.timers.borrow_mut().remove(key);
    }

    /// Waits for readiness or for the next timer, at most `timeout` (`None`: as long as it
    /// takes), then wakes every task that can now make progress. Returns whether another
    /// thread notified this reactor, so the executor knows to look at its shared queue.
    pub(crate) fn wait(&self, timeout: Option<Duration>, counters: &Counters) -> io::Result<bool> {
        // 1. Never sleep past the earliest timer.
        let next_timer = self.timers.borrow().next_deadline();
        let until_timer = next_timer.map(|d| d.saturating_duration_since(Instant::now()));
        let timeout = match (timeout, until_timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let timespec = timeout.and_then(|t| Timespec::try_from(t).ok());

        // 2. One syscall: epoll_wait on the poller's descriptor.
        let mut events = self.events.borrow_mut();
        events.clear();
        trace!("epoll_wait (timeout {timeout:?})");
        match epoll::wait(
            &*self.poller,
            spare_capacity(&mut *events),
            timespec.as_ref(),
        ) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(error) => return Err(error.into()),
        }
        let now = Instant::now();
        self.now.set(now);
        stats::add(&counters.reactor_waits, 1);
        stats::add(&counters.events, events.len() as u64);
        trace!("epoll_wait returned {} events", events.len());

        // 3. Mark each ready socket and collect the wakers of its tasks.
        let mut to_wake = std::mem::take(&mut *self.to_wake.borrow_mut());
        let mut notified = false;
        {
            let sources = self.sources.borrow();
            for event in events.iter() {
                let (key, flags) = (event.data.u64(), event.flags);
                if key == NOTIFY_KEY {
                    notified = true;
                } else if let Some(source) = sources.get(key as usize) {
                    trace!("source {key} ready: {flags:?}");
                    source.on_event(flags, &mut to_wake);
                }
            }
        }
        drop(events);

        // 4. Another thread called `notify`: let `polling` reset its notifier, and apply the
        //    events that this second wait may return.
        if notified {
            self.reset_notifier(&mut to_wake)?;
        }

        // 4b. The rare tasks in `more_waiters`: those whose direction is now ready, or whose
        //     socket is gone (that wake is for nothing, and harmless).
        let sources = self.sources.borrow();
        let ready = |(key, direction, _): &mut (usize, Direction, Waker)| {
            sources.get(*key).is_none_or(|s| s.is_ready(*direction))
        };
        let mut more = self.more_waiters.borrow_mut();
        to_wake.extend(more.extract_if(.., ready).map(|(.., waker)| waker));
        drop((more, sources));

        // 5. Fire due timers, in deadline order.
        if next_timer.is_some() {
            let fired = self.timers.borrow_mut().fire_expired(now, &mut to_wake);
            stats::add(&counters.timers_fired, fired);
        }

        // 6. Wake, with no borrow held: waking may drop the last reference to a task, whose
        //    sockets then come back here to be forgotten.
        for waker in to_wake.drain(..) {
            waker.wake();
        }
        *self.to_wake.borrow_mut() = to_wake;
        Ok(notified)
    }

    /// Calls `Poller::wait` with a zero timeout: it reads and re-arms `polling`'s eventfd and
    /// clears its "notified" flag, so that the next `notify` writes the eventfd again.
    fn reset_notifier(&self, to_wake: &mut Vec<Waker>) -> io::Result<()> {
        let mut coarse = self.coarse_events.borrow_mut();
        coarse.clear();
        self.poller.wait(&mut coarse, Some(Duration::ZERO))?;
        let sources = self.sources.borrow();
        for event in coarse.iter() {
            if let Some(source) = sources.get(event.key) {
                source.on_coarse_event(event.readable, event.writable, to_wake);
            }
        }
        Ok(())
    }

    /// Takes the waker of every task still waiting for a socket or a timer, for the runtime's
    /// teardown (see `Runtime`'s `Drop`). Waking them then cancels them, which also breaks
    /// the cycles "task owns socket, socket's source holds task's waker".
    pub(crate) fn take_all_waiters(&mut self, wakers: &mut Vec<Waker>) {
        for (_, source) in self.sources.get_mut().iter() {
            source.take_all_waiters(wakers);
        }
        for (.., waker) in self.more_waiters.get_mut().drain(..) {
            wakers.push(waker);
        }
        self.timers.get_mut().take_all(wakers);
    }
}
