//! Where a woken task goes: the local run queue, or the shared queue plus a `notify`.
//!
//! `async-task` calls a schedule function each time a task is woken. Ours asks one question:
//! is the waker being called on the task's home thread? Then the task goes on the home
//! runtime's local queue, a plain `VecDeque`: no lock, no syscall, no queue another thread
//! touches. (The wake is not free of atomics: `async-task`'s wakers work from any thread, so
//! it sets the task's `SCHEDULED` bit with a compare-exchange, on a word no other core
//! touches.) Otherwise (a waker sent to another thread, say by a channel) the task goes on a
//! `ConcurrentQueue` and the home reactor is woken with `Poller::notify`. asyncio draws the
//! same line: `loop.call_soon` from the loop's thread, `loop.call_soon_threadsafe` (which
//! writes to a self-pipe) from any other.
//!
//! See chapter 9 of the book: `docs/09-the-executor.md`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Wake;

use async_task::Runnable;
use concurrent_queue::ConcurrentQueue;
use polling::Poller;

use crate::context;
use crate::stats;
use crate::trace::trace;

/// A task ready to run; its metadata is the task's id, for tracing.
pub(crate) type Task = Runnable<u64>;

/// The part of a runtime that other threads may touch.
pub(crate) struct Shared {
    /// The runtime's id, compared with the current thread's to tell local wakes from remote.
    pub(crate) id: usize,
    /// Tasks woken from other threads, waiting to be moved to the local queue.
    pub(crate) remote: ConcurrentQueue<Task>,
    /// The runtime's poller, to interrupt its `epoll_wait` after a remote wake.
    poller: Arc<Poller>,
    /// The `block_on` future was woken from another thread.
    pub(crate) main_woken_remotely: AtomicBool,
}

impl Shared {
    /// The shared part of a new runtime.
    pub(crate) fn new(id: usize, poller: Arc<Poller>) -> Shared {
        Shared {
            id,
            remote: ConcurrentQueue::unbounded(),
            poller,
            main_woken_remotely: AtomicBool::new(false),
        }
    }

    /// The schedule function of every task of this runtime.
    pub(crate) fn schedule(&self, task: Task) {
        let foreign = context::with_home(self.id, task, |rt, task| {
            stats::add(&rt.counters.wakes_local, 1);
            trace!("task {} woken", task.metadata());
            rt.executor.push(task);
        });
        if let Some(task) = foreign {
            self.push_remote(task);
        }
    }

    /// A wake from another thread: queue the task, then interrupt the home reactor. Once the
    /// home runtime is gone its queue is closed, and the task comes back and is dropped,
    /// which cancels it: there is nowhere left for it to run.
    fn push_remote(&self, task: Task) {
        if self.remote.push(task).is_ok() {
            self.notify();
        }
    }

    /// Interrupts the home reactor's wait. `polling` writes its eventfd at most once until
    /// the reactor has seen it, so many remote wakes cost one syscall. Writing an eventfd
    /// fails only if it is broken, and then the runtime would never hear of its tasks again:
    /// panic rather than hang (tokio's driver does the same).
    fn notify(&self) {
        if let Err(error) = self.poller.notify() {
            panic!("zenio: cannot wake a runtime from another thread: {error}");
        }
    }
}

/// The waker of the future given to `block_on`, which is not a task of its own.
pub(crate) struct MainWaker {
    /// The runtime running the `block_on`.
    pub(crate) shared: Arc<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let foreign = context::with_home(self.shared.id, (), |rt, ()| rt.executor.wake_main());
        if foreign.is_some() {
            self.shared
                .main_woken_remotely
                .store(true, Ordering::Release);
            self.shared.notify();
        }
    }
}
