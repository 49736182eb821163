//! `JoinHandle`: the way to wait for a spawned task's result, cancel it, or let it run alone.
//!
//! Awaiting a `JoinHandle` gives the task's output, or the panic that ended it (a panic ends
//! its own task only; Rust's panic hook prints it as usual, detached task or not). Dropping the
//! handle does not cancel the task (it runs on, detached); [`JoinHandle::cancel`] does. This is
//! the `asyncio.Task` returned by `asyncio.create_task`: `await task`, `task.cancel()`.
//!
//! See chapter 7 of the book: `docs/07-the-executor.md`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The output of a task as the executor stores it: the value, or the payload of the panic
/// that ended it (caught by `catch_unwind`).
pub(crate) type TaskOutput<T> = std::thread::Result<T>;

/// The handle of a task spawned with [`spawn`](crate::spawn).
#[must_use = "dropping a JoinHandle detaches the task; call .detach() to say so"]
pub struct JoinHandle<T> {
    /// The `async-task` handle; `None` once detached or cancelled.
    task: Option<async_task::FallibleTask<TaskOutput<T>, u64>>,
}

/// Why a task gave no value.
pub enum JoinError {
    /// The task panicked; this is the panic's payload, for `std::panic::resume_unwind`.
    Panicked(Box<dyn Any + Send>),
    /// The task was cancelled because its runtime's thread exited first.
    Cancelled,
}

impl<T> JoinHandle<T> {
    /// Wraps the handle `async-task` returned.
    pub(crate) fn new(task: async_task::Task<TaskOutput<T>, u64>) -> JoinHandle<T> {
        JoinHandle {
            task: Some(task.fallible()),
        }
    }

    /// Lets the task run to completion on its own; its output is dropped.
    pub fn detach(mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }

    /// Cancels the task: it will not be polled again, and its future (with every socket it
    /// owns) is dropped at the runtime's next turn.
    pub fn cancel(mut self) {
        drop(self.task.take());
    }

    /// Whether the task has finished (returned, panicked or been cancelled).
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|task| task.is_finished())
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let task = self
            .task
            .as_mut()
            .expect("JoinHandle polled after it completed");
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
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl JoinError {
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
