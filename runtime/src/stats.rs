//! Counters of what the runtime did, read with [`stats()`](crate::stats()).
//!
//! Each runtime (one per thread) counts its own work in plain `Cell`s, not atomic integers:
//! only its own thread touches its counters. Tests use the counters to prove properties such
//! as "a socket that never blocks is never registered"; benchmarks divide them by the number
//! of requests; the servers print them at exit, as `key=value` pairs named like the fields of
//! [`Stats`] (its `Display`). asyncio has no equivalent; the closest is
//! `loop.set_debug(True)`.
//!
//! See chapter 14 of the book: `docs/14-measuring.md`.

use std::cell::Cell;
use std::fmt;

/// A snapshot of one runtime's counters, from [`stats()`](crate::stats()).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Tasks created by [`spawn`](crate::spawn).
    pub tasks_spawned: u64,
    /// Times a task (or the future given to [`block_on`](crate::block_on)) was polled.
    pub polls: u64,
    /// Calls to `epoll_wait`, blocking or not.
    pub reactor_waits: u64,
    /// Readiness events that `epoll_wait` returned.
    pub events: u64,
    /// Wakes that came from this runtime's own thread (pushed on the local queue).
    pub wakes_local: u64,
    /// Wakes that came from other threads (pushed on the shared queue, then `notify`).
    pub wakes_remote: u64,
    /// Sockets added to epoll (`epoll_ctl(EPOLL_CTL_ADD)`).
    pub registrations: u64,
    /// Timers that fired.
    pub timers_fired: u64,
}

/// `tasks_spawned=13 polls=700 reactor_waits=360 ...`: every counter as `field=value`, in
/// the order of the fields, for a line that scripts can parse.
impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tasks_spawned={} polls={} reactor_waits={} events={} wakes_local={} \
             wakes_remote={} registrations={} timers_fired={}",
            self.tasks_spawned,
            self.polls,
            self.reactor_waits,
            self.events,
            self.wakes_local,
            self.wakes_remote,
            self.registrations,
            self.timers_fired
        )
    }
}

/// The live counters inside a runtime: one `Cell` per field of [`Stats`].
#[derive(Default)]
pub(crate) struct Counters {
    /// See [`Stats::tasks_spawned`].
    pub(crate) tasks_spawned: Cell<u64>,
    /// See [`Stats::polls`].
    pub(crate) polls: Cell<u64>,
    /// See [`Stats::reactor_waits`].
    pub(crate) reactor_waits: Cell<u64>,
    /// See [`Stats::events`].
    pub(crate) events: Cell<u64>,
    /// See [`Stats::wakes_local`].
    pub(crate) wakes_local: Cell<u64>,
    /// See [`Stats::wakes_remote`].
    pub(crate) wakes_remote: Cell<u64>,
    /// See [`Stats::registrations`].
    pub(crate) registrations: Cell<u64>,
    /// See [`Stats::timers_fired`].
    pub(crate) timers_fired: Cell<u64>,
}

/// Adds `n` to one counter.
pub(crate) fn add(counter: &Cell<u64>, n: u64) {
    counter.set(counter.get() + n);
}

impl Counters {
    /// Copies the counters out.
    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            tasks_spawned: self.tasks_spawned.get(),
            polls: self.polls.get(),
            reactor_waits: self.reactor_waits.get(),
            events: self.events.get(),
            wakes_local: self.wakes_local.get(),
            wakes_remote: self.wakes_remote.get(),
            registrations: self.registrations.get(),
            timers_fired: self.timers_fired.get(),
        }
    }
}
