//! `JoinHandle`: the way to wait for a spawned task's result, abort it, or let it run alone.
//!
//! Awaiting a `JoinHandle` gives the task's output, or the panic that ended it (a panic ends
//! its own task only; Rust's panic hook prints it as usual, detached task or not). Dropping the
//! handle does not cancel the task (it runs on, detached); [`JoinHandle::abort`] does. This is
//! the `asyncio.Task` returned by `asyncio.create_task`: `await task`, `task.cancel()`.
//!
//! See chapter 9 of the book: `docs/09-the-executor.md`.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The output of a task as the executor stores it: the value, or the payload of the panic
/// that ended it (caught by `catch_unwind`).
pub(crate) type TaskOutput<T> = std::thread::Result<T>;

/// The handle of a task spawned with [`spawn`](crate::spawn) or a [`Spawner`](crate::Spawner).
///
/// It is `Send` when the task's output is, so it can be awaited on any thread, under any
/// executor (a `JoinHandle` is not a zenio socket or timer: no `block_on` needs to run).
#[must_use = "dropping a JoinHandle detaches the task; call .detach() to say so"]
pub struct JoinHandle<T> {
    /// The `async-task` handle; `None` once detached or aborted. In a `Cell` so that
    /// [`abort`](Self::abort) can take it through `&self`.
    task: Cell<Option<async_task::FallibleTask<TaskOutput<T>, u64>>>,
}

/// Why a task gave no value.
pub enum JoinError {
    /// The task panicked; this is the panic's payload, for `std::panic::resume_unwind`.
    Panicked(Box<dyn Any + Send>),
    /// The task was cancelled: aborted with [`JoinHandle::abort`], or its runtime's thread
    /// exited first.
    Cancelled,
}

impl<T> JoinHandle<T> {
    /// Wraps the handle `async-task` returned.
    pub(crate) fn new(task: async_task::Task<TaskOutput<T>, u64>) -> JoinHandle<T> {
        JoinHandle {
            task: Cell::new(Some(task.fallible())),
        }
    }

    /// Lets the task run to completion on its own; its output is dropped.
    pub fn detach(self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }

    /// Cancels the task (asyncio's `task.cancel()`, tokio's `abort`): it will not be polled
    /// again, its future (with every socket it owns) is dropped at its runtime's next turn,
    /// and awaiting this handle gives a [`JoinError`] whose
    /// [`is_cancelled`](JoinError::is_cancelled) is true. A task that has already finished is
    /// left alone: awaiting the handle gives its output, as in tokio.
    ///
    /// Where we simplified: awaiting an aborted handle answers at once, while tokio's waits
    /// until the future has been dropped. And aborted from another thread at the very moment
    /// it finishes, a task may count as cancelled (its output dropped).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// zenio::block_on(async {
    ///     let task = zenio::spawn(zenio::sleep(Duration::from_secs(3600)));
    ///     task.abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        match self.task.take() {
            // Finished: keep it, so that awaiting the handle gives its output.
            Some(task) if task.is_finished() => self.task.set(Some(task)),
            // Dropping `async-task`'s handle of an unfinished task cancels it: the task is
            // scheduled once more, and running it drops its future instead of polling it.
            task => drop(task),
        }
    }

    /// Whether the task has finished (returned, panicked or been aborted).
    pub fn is_finished(&self) -> bool {
        let task = self.task.take();
        let finished = task.as_ref().is_none_or(|task| task.is_finished());
        self.task.set(task);
        finished
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(task) = self.task.get_mut() else {
            return Poll::Ready(Err(JoinError::Cancelled)); // aborted
        };
        Pin::new(task).poll(cx).map(|output| match output {
            Some(Ok(value)) => Ok(value),
            Some(Err(payload)) => Err(JoinError::Panicked(payload)),
            None => Err(JoinError::Cancelled),
        })
    }
}

impl<T> Drop for JoinHandle<T> {
    /// Dropping the handle detaches the task; it does not cancel it.
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().take() {
            task.detach();
        }
    }
}

impl JoinError {
    /// Whether the task was cancelled: aborted, or its runtime's thread exited first.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }

    /// Whether the task panicked (rather than being cancelled).
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }

    /// The panic message, when the payload is a string (as it is for `panic!("...")`).
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(payload) => message(payload.as_ref()),
            JoinError::Cancelled => None,
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(_) => match self.panic_message() {
                Some(message) => write!(f, "task panicked: {message}"),
                None => f.write_str("task panicked"),
            },
            JoinError::Cancelled => f.write_str("task cancelled"),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    /// Turns a failed task into an `io::Error` carrying its message (the panic payload itself
    /// is not `Sync`, so it stays behind).
    fn from(error: JoinError) -> std::io::Error {
        std::io::Error::other(error.to_string())
    }
}

/// The text of a panic payload, if it has one.
fn message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}
