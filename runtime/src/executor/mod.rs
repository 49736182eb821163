//! The executor: a queue of ready tasks, and the loop that runs them and waits for more.
//!
//! A task is a future plus a schedule function (built by `async-task`). Waking a task puts it
//! on the run queue; running it polls its future once. When the queue is empty, the executor
//! asks the reactor to block in `epoll_wait` until a socket or timer wakes something. That
//! loop is [`block_on`](crate::block_on), asyncio's `loop.run_until_complete(main())`, and
//! [`spawn`](crate::spawn) is `asyncio.create_task`.
//!
//! Everything lives on one thread, so the run queue is a `RefCell<VecDeque>`: no locks, no
//! atomics. Fairness: a task that always wakes itself could keep the queue from ever emptying,
//! so that the reactor would never be asked about sockets and timers. After every
//! [`EVENT_INTERVAL`] polls without a wait, the executor looks at the reactor without blocking
//! (tokio's `event_interval`, also 61).
//!
//! See chapter 9 of the book: `docs/09-the-executor.md`.

mod join;
mod schedule;
mod spawner;

pub use join::{JoinError, JoinHandle};
pub use spawner::Spawner;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_lite::FutureExt;
use polling::Poller;

use crate::context::{self, Runtime};
use crate::stats;
use crate::trace::trace;
use schedule::{MainWaker, Shared, Task};

/// Polls between two looks at the reactor while tasks keep the queue busy.
const EVENT_INTERVAL: u32 = 61;

/// One thread's task queue.
pub(crate) struct Executor {
    /// Tasks ready to run, in the order they were woken.
    local: RefCell<VecDeque<Task>>,
    /// What other threads may touch: the remote queue and the poller to notify.
    shared: Arc<Shared>,
    /// The `block_on` future was woken and must be polled.
    main_woken: Cell<bool>,
}

impl Executor {
    /// An empty executor for the runtime `id`, whose reactor is `poller`.
    pub(crate) fn new(id: usize, poller: Arc<Poller>) -> Executor {
        Executor {
            local: RefCell::new(VecDeque::new()),
            shared: Arc::new(Shared::new(id, poller)),
            main_woken: Cell::new(false),
        }
    }

    /// Appends a woken task to the local queue.
    pub(crate) fn push(&self, task: Task) {
        self.local.borrow_mut().push_back(task);
    }

    /// A handle that lets other threads start tasks here.
    pub(crate) fn spawner(&self) -> Spawner {
        Spawner::new(Arc::clone(&self.shared))
    }

    /// Marks the `block_on` future as woken.
    pub(crate) fn wake_main(&self) {
        self.main_woken.set(true);
    }

    /// Creates a task for `future` and queues it to run.
    pub(crate) fn spawn<F>(&self, rt: &Runtime, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = rt.counters.tasks_spawned.get();
        stats::add(&rt.counters.tasks_spawned, 1);
        trace!("spawn task {id}");
        let shared = Arc::clone(&self.shared);
        let (task, handle) = async_task::Builder::new().metadata(id).spawn_local(
            move |_| AssertUnwindSafe(traced(id, future)).catch_unwind(),
            move |task| shared.schedule(task),
        );
        self.push(task);
        JoinHandle::new(handle)
    }

    /// Runs tasks until `future` completes; see [`block_on`](crate::block_on).
    pub(crate) fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        let _running = context::enter()
            .unwrap_or_else(|| panic!("zenio: block_on cannot be called from inside block_on"));
        let waker = Waker::from(Arc::new(MainWaker {
            shared: Arc::clone(&self.shared),
        }));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        self.main_woken.set(true);
        let mut polls_since_wait = 0;
        loop {
            // 0. Fairness: after EVENT_INTERVAL polls without a wait, look at the reactor
            //    without blocking, so sockets and timers are heard even when the futures
            //    (the main one included) keep waking themselves.
            if polls_since_wait >= EVENT_INTERVAL {
                self.wait(rt, Some(Duration::ZERO));
                polls_since_wait = 0;
            }

            // 1. The main future, whenever it was woken.
            if self.main_woken.replace(false) {
                polls_since_wait += 1;
                stats::add(&rt.counters.polls, 1);
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    return output;
                }
            }

            // 2. One ready task. Pop it before running it: running may wake more tasks.
            let next = self.local.borrow_mut().pop_front();
            if let Some(task) = next {
                polls_since_wait += 1;
                stats::add(&rt.counters.polls, 1);
                trace!("poll task {}", task.metadata());
                task.run();
                continue;
            }

            // 3. Nothing to run: block in the reactor until a socket or a timer wakes a task.
            if !self.main_woken.get() {
                self.wait(rt, None);
                polls_since_wait = 0;
            }
        }
    }

    /// One turn of the reactor, then the tasks other threads woke meanwhile.
    fn wait(&self, rt: &Runtime, timeout: Option<Duration>) {
        match rt.reactor.wait(timeout, &rt.counters) {
            Ok(true) => self.take_remote(rt),
            Ok(false) => {}
            // epoll_wait fails only for a bad descriptor or buffer: a bug, not a condition.
            Err(error) => panic!("zenio: epoll_wait failed: {error}"),
        }
    }

    /// Moves the tasks woken from other threads onto the local queue.
    fn take_remote(&self, rt: &Runtime) {
        if self
            .shared
            .main_woken_remotely
            .swap(false, Ordering::Acquire)
        {
            self.main_woken.set(true);
        }
        let mut local = self.local.borrow_mut();
        while let Ok(task) = self.shared.remote.pop() {
            stats::add(&rt.counters.wakes_remote, 1);
            local.push_back(task);
        }
    }

    /// Cancels every queued task, one at a time, until both queues are empty; for the
    /// runtime's teardown. Cancelling a task drops its future, which may wake other tasks
    /// (a channel it held closes): with the thread-local runtime being torn down, those wakes
    /// land in the shared queue, and this loop cancels them in turn. So no task is cancelled
    /// inside someone's `wake` call, where the waker (say `async-channel`) may hold a lock
    /// that dropping the task takes again.
    pub(crate) fn cancel_all(&self) {
        loop {
            let task = self.local.borrow_mut().pop_front();
            let Some(task) = task.or_else(|| self.shared.remote.pop().ok()) else {
                return;
            };
            drop(task);
        }
    }
}

impl Drop for Executor {
    /// Closes the shared queue, so that tasks woken from other threads from now on are
    /// cancelled instead of queued for a runtime that will never run them, and cancels those
    /// already queued.
    fn drop(&mut self) {
        self.shared.remote.close();
        while let Ok(task) = self.shared.remote.pop() {
            drop(task);
        }
    }
}

/// With the `trace` feature, wraps a task's future to print what each poll returned.
///
/// Only there: an `async fn` that takes a future stores it twice (once as its argument and
/// once where it is pinned and polled), which would double every task's size. Without the
/// feature a task is its future, in `catch_unwind` so that a panic ends that task only.
#[cfg(feature = "trace")]
async fn traced<F: Future>(id: u64, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let poll = future.as_mut().poll(cx);
        trace!(
            "task {id} -> {}",
            if poll.is_ready() { "Ready" } else { "Pending" }
        );
        poll
    })
    .await
}

/// Without the `trace` feature, a task's future as it is (see the traced version).
#[cfg(not(feature = "trace"))]
fn traced<F: Future>(_id: u64, future: F) -> F {
    future
}
