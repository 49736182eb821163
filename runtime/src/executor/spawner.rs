//! `Spawner`: starts tasks on one runtime from any thread.
//!
//! A runtime's tasks live on its thread and need not be `Send`, so another thread cannot hand
//! it a future. It hands over a `Send` closure that *makes* the future, on the runtime's
//! thread. The spawner wraps the closure in a small `Send` task of that runtime, which is
//! queued like any wake from another thread: pushed on the runtime's shared queue, with a
//! `Poller::notify` to interrupt its `epoll_wait`. When it runs, that task spawns the future
//! the closure makes, as a local task, and waits for it. This is asyncio's
//! `asyncio.run_coroutine_threadsafe(coro, loop)`, whose `concurrent.futures.Future` is our
//! [`JoinHandle`].
//!
//! See chapter 9 of the book: `docs/09-the-executor.md`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::schedule::Shared;
use super::{JoinError, JoinHandle};

/// The id a spawner's outer task carries in traces; the task it starts gets its own.
const OUTER_TASK: u64 = u64::MAX;

/// Starts tasks on one thread's runtime from any thread; made by [`spawner`](crate::spawner).
///
/// It is `Send` and `Clone`: hand a copy to each thread that has work for the runtime (this
/// is how a per-core server gives a core its work). [`spawn`](Self::spawn) takes a `Send`
/// closure that builds the future on the runtime's thread, so the future itself need not be
/// `Send`. The runtime runs the task when its thread runs [`block_on`](crate::block_on); once
/// that thread has ended, a task given to its spawner is cancelled at once, never lost.
#[derive(Clone)]
pub struct Spawner {
    /// The runtime's shared queue and poller: what other threads may touch.
    shared: Arc<Shared>,
}

impl Spawner {
    /// A spawner for the runtime that owns `shared`.
    pub(crate) fn new(shared: Arc<Shared>) -> Spawner {
        Spawner { shared }
    }

    /// Runs `make()` on the runtime's thread and spawns the future it returns there; the
    /// returned handle gives that task's output, on any thread, under any executor (or with
    /// `futures_lite::future::block_on`). Aborting the handle aborts the task.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let (send, receive) = std::sync::mpsc::channel();
    /// let runtime = std::thread::spawn(move || {
    ///     zenio::block_on(async move {
    ///         let (stop, stopped) = async_channel::bounded::<()>(1);
    ///         send.send((zenio::spawner(), stop)).unwrap();
    ///         let _ = stopped.recv().await; // runs until every sender is dropped
    ///     })
    /// });
    /// let (spawner, stop) = receive.recv().unwrap();
    /// // The future holds an `Rc`, so it is not `Send`: it is made on the runtime's thread.
    /// let task = spawner.spawn(|| async { *Rc::new(6) * 7 });
    /// assert_eq!(futures_lite::future::block_on(task).unwrap(), 42);
    /// drop(stop);
    /// runtime.join().unwrap();
    /// ```
    pub fn spawn<F, Fut>(&self, make: F) -> JoinHandle<Fut::Output>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        let (task, handle) = async_task::Builder::new().metadata(OUTER_TASK).spawn(
            // On the runtime's thread: the local task calls `make` in its own first poll, so
            // that a panic in `make` ends that task only, like any task's panic.
            move |_| async move {
                match AbortOnDrop(crate::spawn(async move { make().await })).await {
                    Ok(output) => Ok(output),
                    Err(JoinError::Panicked(payload)) => Err(payload),
                    // A local task is cancelled only when its runtime is torn down, which
                    // cancels this task too: it never gets here again.
                    Err(JoinError::Cancelled) => std::future::pending().await,
                }
            },
            move |task| shared.schedule(task),
        );
        task.schedule();
        JoinHandle::new(handle)
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner")
            .field("runtime", &self.shared.id)
            .finish()
    }
}

/// The outer task's handle of its local task, which aborts that task when dropped: aborting
/// the spawner's handle drops the outer task, and with it the local one.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
