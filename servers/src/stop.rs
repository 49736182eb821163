//! Graceful shutdown, part two: one runtime's connections winding down.
//!
//! A [`Stop`] is shared by a runtime's accept loop and all its connections. When the stop
//! signal comes, the accept loop closes its listener and calls [`Stop::begin`]: coroutine
//! connections waiting in [`Stop::stopped`] wake up, answer whatever the client already sent,
//! and close; callback connections are told through [`Transport::close_when_idle`]. The
//! accept loop then waits in [`Stop::all_closed`], at most the grace period. The counts kept
//! here make the summary line each server prints at exit,
//! `core 0: 12 connections, 340 requests`; a server that runs on a zenio runtime (`callback`,
//! `coroutine`, `hyper`) adds that runtime's counters ([`zenio::stats`]), read on its thread
//! when it has finished serving: `...; runtime: tasks_spawned=13 polls=700 ...`, one
//! `field=value` per field of [`zenio::Stats`], for the benchmark harness to parse.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::io::{self, Write};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use slab::Slab;
use std::time::{Duration, Instant};
use zenio::{Stats, Transport};

use crate::limits::{Clock, Expiry, Limits};

/// One runtime's shutdown state and counts; clones share it.
#[derive(Clone, Default)]
pub struct Stop(Rc<State>);

/// What a [`Stop`] shares.
#[derive(Default)]
struct State {
    /// `begin` was called.
    stopping: Cell<bool>,
    /// Tasks waiting for `stopping` or for the last connection to close.
    waiters: RefCell<Slab<Waker>>,
    /// The transports of open callback-style connections, with their clocks.
    transports: RefCell<Slab<(Transport, Clock)>>,
    /// Connections open now.
    open: Cell<usize>,
    /// Connections and requests served so far.
    summary: Cell<Summary>,
}

/// What a runtime (or thread, or process) served, for the line printed at exit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Connections accepted.
    pub connections: u64,
    /// Requests (zen questions, HTTP requests) answered.
    pub requests: u64,
    /// What the zenio runtime that served them did; `None` where no zenio runtime served
    /// (the blocking architectures, `poll`).
    pub runtime: Option<Stats>,
}

impl Summary {
    /// Counts one finished connection that answered `requests` requests.
    pub fn add_connection(&mut self, requests: u64) {
        self.connections += 1;
        self.requests += requests;
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} connections, {} requests",
            self.connections, self.requests
        )?;
        match &self.runtime {
            Some(stats) => write!(f, "; runtime: {stats}"),
            None => Ok(()),
        }
    }
}

/// Prints one summary line per runtime (`core 0: 12 connections, 340 requests`, and the
/// runtime's counters if any) on stdout.
/// Nobody may be reading any more (a closed pipe): the lines are then dropped, no panic.
pub fn print_summaries(unit: &str, summaries: &[Summary]) {
    for (index, summary) in summaries.iter().enumerate() {
        print_summary(&format!("{unit} {index}"), summary);
    }
}

/// Prints one summary line, `label: 12 connections, 340 requests`, as above.
pub fn print_summary(label: &str, summary: &Summary) {
    let _ = writeln!(io::stdout().lock(), "{label}: {summary}");
}

impl Stop {
    /// Starts the shutdown: wakes every waiting connection and asks every callback
    /// connection to close once idle.
    pub fn begin(&self) {
        self.0.stopping.set(true);
        self.wake_all();
        let transports: Vec<Transport> = self
            .0
            .transports
            .borrow()
            .iter()
            .map(|(_, (transport, _))| transport.clone())
            .collect();
        for transport in transports {
            transport.close_when_idle();
        }
    }

    /// Whether `begin` was called.
    pub fn is_stopping(&self) -> bool {
        self.0.stopping.get()
    }

    /// Completes once `begin` is called. The future can be polled again and again (by
    /// reference) across many waits: it keeps one slot among the waiters for its lifetime.
    pub fn stopped(&self) -> impl Future<Output = ()> + Unpin + '_ {
        WaitFor {
            stop: self,
            key: None,
            done: |state| state.stopping.get(),
        }
    }

    /// Completes once no connection is open.
    pub fn all_closed(&self) -> impl Future<Output = ()> + '_ {
        WaitFor {
            stop: self,
            key: None,
            done: |state| state.open.get() == 0,
        }
    }

    /// Counts a new connection as open until the returned guard is dropped.
    pub fn open_connection(&self) -> OpenConnection {
        self.0.open.set(self.0.open.get() + 1);
        OpenConnection {
            stop: self.clone(),
            requests: 0,
            transport: None,
        }
    }

    /// Connections open now.
    pub fn open_count(&self) -> usize {
        self.0.open.get()
    }

    /// Closes every watched (callback-style) connection whose time has run out at `now`;
    /// see [`Limits`]. Called every [`sweep_interval`] by the callback server.
    pub fn sweep(&self, now: Instant, limits: &Limits) {
        let expired: Vec<(Transport, Expiry)> = self
            .0
            .transports
            .borrow()
            .iter()
            .filter_map(|(_, (transport, clock))| {
                clock
                    .expired(now, limits)
                    .map(|why| (transport.clone(), why))
            })
            .collect();
        for (transport, why) in expired {
            if !transport.is_closing() {
                tracing::info!(
                    "Client {} {}: closing",
                    transport.peer_addr(),
                    why.describe()
                );
                transport.close();
            }
        }
    }

    /// What this runtime has served.
    pub fn summary(&self) -> Summary {
        self.0.summary.get()
    }

    /// Wakes every waiter; each checks its own condition.
    fn wake_all(&self) {
        let wakers: Vec<Waker> = self
            .0
            .waiters
            .borrow()
            .iter()
            .map(|(_, w)| w.clone())
            .collect();
        for waker in wakers {
            waker.wake();
        }
    }
}

/// An open connection, counted until dropped.
pub struct OpenConnection {
    /// The runtime's stop state.
    stop: Stop,
    /// Requests answered, added to the summary when the connection closes.
    requests: u64,
    /// The key of this connection's transport in `State::transports` (callback style).
    transport: Option<usize>,
}

impl OpenConnection {
    /// Remembers a callback connection's transport and clock, so that `begin` can close it
    /// once idle and `sweep` when its time runs out. The clock lives here, beside the
    /// transport, rather than shared through an `Rc`: one allocation fewer per connection.
    pub fn watch(&mut self, transport: Transport, clock: Clock) {
        if self.stop.is_stopping() {
            transport.close_when_idle();
        }
        let key = self
            .stop
            .0
            .transports
            .borrow_mut()
            .insert((transport, clock));
        self.transport = Some(key);
    }

    /// Updates the watched connection's clock (see [`watch`](Self::watch)); does nothing
    /// for a connection that is not watched.
    pub fn update_clock(&self, update: impl FnOnce(&mut Clock)) {
        if let Some(key) = self.transport {
            if let Some((_, clock)) = self.stop.0.transports.borrow_mut().get_mut(key) {
                update(clock);
            }
        }
    }

    /// Records how many requests the connection answered.
    pub fn set_requests(&mut self, requests: u64) {
        self.requests = requests;
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        let state = &self.stop.0;
        if let Some(key) = self.transport.take() {
            state.transports.borrow_mut().try_remove(key);
        }
        let mut summary = state.summary.get();
        summary.add_connection(self.requests);
        state.summary.set(summary);
        state.open.set(state.open.get() - 1);
        if state.open.get() == 0 {
            self.stop.wake_all();
        }
    }
}

/// A future that completes when `done` holds for the stop state.
struct WaitFor<'a> {
    /// The stop state to watch.
    stop: &'a Stop,
    /// This waiter's slot in `State::waiters`, once it has waited.
    key: Option<usize>,
    /// The condition.
    done: fn(&State) -> bool,
}

impl Future for WaitFor<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &self.stop.0;
        if (self.done)(state) {
            return Poll::Ready(());
        }
        let mut waiters = state.waiters.borrow_mut();
        match self.key {
            Some(key) => waiters[key].clone_from(cx.waker()),
            None => {
                let key = waiters.insert(cx.waker().clone());
                drop(waiters);
                self.key = Some(key);
            }
        }
        Poll::Pending
    }
}

impl Drop for WaitFor<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.stop.0.waiters.borrow_mut().try_remove(key);
        }
    }
}

/// How often to look for connections whose time ran out: a quarter of the shortest timeout,
/// between 10 ms and 1 s, so a connection is closed at most a quarter late.
pub fn sweep_interval(limits: &Limits) -> Duration {
    (limits.idle.min(limits.request) / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
}
