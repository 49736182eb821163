//! Winding down: how far a server has got in stopping, and one zenio loop's connections.
//!
//! [`Stopping`] is the one stopping state every architecture reads. A server (or one event
//! loop of a per-core server) goes through three stages: it serves; then, at the stop
//! signal, it takes the clients still queued and closes its listener; then, once every
//! listener of the server is closed, it *drains*: each conversation takes its last look
//! (answers what has already arrived, without waiting) and closes, within the grace period.
//!
//! [`Drain`] is what one zenio event loop (`callback`, `coroutine`, `hyper`) keeps on top of
//! that: how many connections are open, the tasks to wake when draining begins or when the
//! last connection closes, and the counts of the summary line.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::Summary;

/// How far a server has got in stopping; clones share it (across threads, for the blocking
/// servers' watcher).
#[derive(Clone, Debug, Default)]
pub struct Stopping(Arc<AtomicU8>);

/// The stages of [`Stopping`], in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Accepting and serving.
    Serving = 0,
    /// The stop signal came: the listener is closing (an `accept` may fail from now on).
    ClosingListener = 1,
    /// Every listener is closed: conversations take their last look and close.
    Draining = 2,
}

impl Stopping {
    /// The stage reached.
    pub fn stage(&self) -> Stage {
        [Stage::Serving, Stage::ClosingListener, Stage::Draining]
            [self.0.load(Ordering::Acquire) as usize]
    }

    /// Moves on to `stage` (never back).
    pub fn reach(&self, stage: Stage) {
        self.0.fetch_max(stage as u8, Ordering::AcqRel);
    }

    /// Whether draining has begun (one load: every coroutine connection asks this at
    /// each turn of its loop).
    #[inline]
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Relaxed) == Stage::Draining as u8
    }
}

/// One zenio loop's connections winding down; clones share it.
#[derive(Clone, Default)]
pub struct Drain(Rc<State>);

/// What a [`Drain`] shares.
#[derive(Default)]
struct State {
    /// The loop's stopping state.
    stopping: Stopping,
    /// Tasks waiting for draining to begin or for the last connection to close.
    waiters: RefCell<Slab<Waker>>,
    /// Connections open now.
    open: Cell<usize>,
    /// Connections and requests served so far.
    summary: Cell<Summary>,
}

impl Drain {
    /// The loop's stopping state.
    pub fn stopping(&self) -> &Stopping {
        &self.0.stopping
    }

    /// Starts draining: every waiting connection wakes and takes its last look.
    pub fn begin(&self) {
        self.0.stopping.reach(Stage::Draining);
        self.wake_all();
    }

    /// Whether draining has begun.
    #[inline]
    pub fn is_draining(&self) -> bool {
        self.0.stopping.is_draining()
    }

    /// Completes once draining begins. The future can be polled again and again (by
    /// reference) across many waits: it keeps one slot among the waiters for its lifetime.
    pub fn draining(&self) -> impl Future<Output = ()> + Unpin {
        self.wait_for(|state| state.stopping.is_draining())
    }

    /// Completes once no connection is open.
    pub fn all_closed(&self) -> impl Future<Output = ()> {
        self.wait_for(|state| state.open.get() == 0)
    }

    /// Completes once `done` holds for the shared state (checked at each wake).
    fn wait_for<F: Fn(&State) -> bool>(&self, done: F) -> WaitFor<F> {
        let (drain, key) = (self.clone(), None);
        WaitFor { drain, key, done }
    }

    /// Counts a new connection as open until the returned guard is dropped.
    pub fn open_connection(&self) -> OpenConnection {
        self.0.open.set(self.0.open.get() + 1);
        OpenConnection(self.clone())
    }

    /// Connections open now.
    pub fn open_count(&self) -> usize {
        self.0.open.get()
    }

    /// What this loop has served.
    pub fn summary(&self) -> Summary {
        self.0.summary.get()
    }

    /// Wakes every waiter; each checks its own condition. (A zenio wake only queues the
    /// task, so nothing runs while the waiters are borrowed.)
    fn wake_all(&self) {
        for (_, waker) in self.0.waiters.borrow().iter() {
            waker.wake_by_ref();
        }
    }
}

/// An open connection of the loop whose drain this is, counted until dropped.
pub struct OpenConnection(Drain);

impl OpenConnection {
    /// The loop's drain.
    pub fn drain(&self) -> &Drain {
        &self.0
    }

    /// Adds the requests the connection answered to the summary.
    pub fn add_requests(&self, requests: u64) {
        let state = &self.drain().0;
        let mut summary = state.summary.get();
        summary.requests += requests;
        state.summary.set(summary);
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        let state = &self.drain().0;
        let mut summary = state.summary.get();
        summary.connections += 1;
        state.summary.set(summary);
        state.open.set(state.open.get() - 1);
        if state.open.get() == 0 {
            self.0.wake_all();
        }
    }
}

/// A future that completes when `done` holds for the drain's state. Every waiting coroutine
/// connection holds one, so it is small: the condition is a closure type (no pointer), and
/// the slot's key a `u32`.
struct WaitFor<F> {
    /// The drain to watch.
    drain: Drain,
    /// This waiter's slot in `State::waiters`, once it has waited.
    key: Option<u32>,
    /// The condition.
    done: F,
}

impl<F: Fn(&State) -> bool + Unpin> Future for WaitFor<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &self.drain.0;
        if (self.done)(state) {
            return Poll::Ready(());
        }
        let mut waiters = state.waiters.borrow_mut();
        match self.key {
            Some(key) => waiters[key as usize].clone_from(cx.waker()),
            None => {
                let key = waiters.insert(cx.waker().clone());
                drop(waiters);
                self.key = Some(u32::try_from(key).expect("fewer waiters than connections"));
            }
        }
        Poll::Pending
    }
}

impl<F> Drop for WaitFor<F> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.drain.0.waiters.borrow_mut().try_remove(key as usize);
        }
    }
}
