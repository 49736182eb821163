//! zenio: a small async runtime you can read in an evening.
//!
//! zenio runs Rust futures on one thread, the way Python's asyncio runs coroutines on one event
//! loop. It has three parts:
//!
//! - the **reactor** asks the kernel which sockets are ready (`epoll_wait`) and when the next
//!   timer is due, and wakes the tasks waiting for them;
//! - the **executor** keeps a queue of ready tasks and polls each one, and when the queue is
//!   empty, asks the reactor to wait;
//! - **net** and **time** are the futures tasks await: [`TcpListener::accept`],
//!   [`TcpStream::read`], [`sleep`], [`interval`] (also a `Stream`)...
//!
//! With the feature `hyper`, the module `zenio::hyper` gives hyper's HTTP/1 and HTTP/2 what
//! they ask of a runtime: a stream adapter, a timer and an executor.
//!
//! Both of asyncio's styles are here: the coroutine style (`async fn` over a [`TcpStream`],
//! like asyncio's streams) and the callback style ([`Protocol`] and [`Transport`], like
//! `asyncio.Protocol`), which is itself a task that calls your methods.
//!
//! A runtime belongs to its thread, and turns while that thread is in [`block_on`]. zenio's
//! sockets and timers wait only there: one polled under another executor panics with a
//! `zenio:` message as soon as it would wait, instead of hanging. Other threads hand a runtime
//! work through its [`Spawner`] ([`spawner()`]). A [`JoinHandle`] can be awaited anywhere,
//! and [`JoinHandle::abort`] cancels its task.
//!
//! The book in `docs/` (start at `docs/README.md`) reads this crate chapter by chapter, from
//! the source documents' Python servers to this code; `docs/walkthrough.md` follows one
//! request through it.
//!
//! # Implementation
//!
//! On Linux: `epoll_create1` once per runtime; `epoll_ctl(EPOLL_CTL_ADD)` once per socket, and
//! only the first time an operation on it would block (edge-triggered, never modified); one
//! `epoll_wait` per turn of the loop, whose timeout is the next timer's deadline;
//! `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)` for new connections, so an accepted socket costs no
//! extra `fcntl`; `recv`/`send` tried at once, before any readiness is known. Tasks are
//! `async-task` tasks; wakes from other threads go through a `ConcurrentQueue` and
//! `polling`'s `Poller::notify`. zenio has no `unsafe` code.
//!
//! # Example
//!
//! An echo server (`runtime/examples/echo.rs` is the same, with comments):
//!
//! ```no_run
//! use futures_lite::io::{copy, split};
//!
//! fn main() -> std::io::Result<()> {
//!     zenio::block_on(async {
//!         let listener = zenio::TcpListener::bind("127.0.0.1:7000")?;
//!         loop {
//!             let (stream, _peer) = listener.accept().await?;
//!             zenio::spawn(async move {
//!                 let (reader, mut writer) = stream.split();
//!                 copy(reader, &mut writer).await
//!             })
//!             .detach();
//!         }
//!     })
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod book;
mod callback;
mod context;
mod executor;
#[cfg(feature = "hyper")]
pub mod hyper;
mod net;
mod per_core;
mod reactor;
mod stats;
mod time;
mod trace;

pub use callback::{serve, serve_connection, Protocol, Transport};
pub use executor::{JoinError, JoinHandle, Spawner};
pub use net::{
    AcceptAction, OwnedReadHalf, OwnedWriteHalf, ReadHalf, StreamSocket, TcpListener, TcpStream,
    UdpSocket, UnixListener, UnixStream, WriteHalf, ACCEPT_PAUSE,
};
pub use per_core::{available_cores, listen_per_core, pin_to_core, run_per_core};
pub use reactor::AsyncFd;
pub use stats::Stats;
pub use time::{call_later, interval, now, sleep, sleep_until, timeout, Elapsed, Interval, Sleep};

use std::future::Future;

/// Runs `future` to completion on this thread's runtime, running spawned tasks meanwhile.
///
/// This is asyncio's `loop.run_until_complete(future)` (or `asyncio.run`). Tasks spawned and
/// not finished when it returns stay queued and run at the next `block_on` on this thread.
///
/// zenio's sockets and timers wait only while a `block_on` runs on their thread: polled
/// where none runs (under `futures_lite::future::block_on`, say), one that would wait panics
/// at once, rather than hang waiting for a reactor that nobody turns.
///
/// Known limit: another executor's `block_on` nested *inside* a zenio task is not detected
/// (as with tokio's current-thread runtime). A zenio socket or timer polled under it finds
/// this `block_on` running, but the loop is stuck in the nested call, so it may hang.
///
/// ```
/// let answer = zenio::block_on(async {
///     zenio::sleep(std::time::Duration::from_millis(1)).await;
///     42
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
///
/// If called from inside another `block_on` on the same thread, and if `future` panics.
pub fn block_on<F: Future>(future: F) -> F::Output {
    context::with(|rt| rt.executor.block_on(rt, future))
}

/// Starts `future` as a new task on this thread's runtime, like `asyncio.create_task`.
///
/// The task runs when `block_on` runs on this thread. It need not be `Send`. The returned
/// [`JoinHandle`] gives its result; dropping the handle lets the task run on, detached.
///
/// Spawning before `block_on` is allowed: the task waits in the queue until this thread
/// runs `block_on`. On a thread that never does, the task never runs: when the thread ends,
/// its runtime cancels it, and awaiting the handle gives an error whose
/// [`is_cancelled`](JoinError::is_cancelled) is true. To run a task on another thread's
/// runtime, use that runtime's [`spawner`].
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    context::with(|rt| rt.executor.spawn(rt, future))
}

/// A [`Spawner`] for this thread's runtime, for other threads to start tasks on it.
///
/// ```
/// let spawner = zenio::spawner();
/// // Another thread gives this thread's runtime a job...
/// let job = std::thread::spawn(move || spawner.spawn(|| async { 6 * 7 }))
///     .join()
///     .unwrap();
/// // ...which runs when this thread runs `block_on`.
/// assert_eq!(zenio::block_on(job).unwrap(), 42);
/// ```
pub fn spawner() -> Spawner {
    context::with(|rt| rt.executor.spawner())
}

/// This thread's runtime counters: tasks, polls, waits, events, wakes, registrations.
pub fn stats() -> Stats {
    context::with(|rt| rt.counters.snapshot())
}

/// Lets other tasks run before this one continues (asyncio's `await asyncio.sleep(0)`).
pub async fn yield_now() {
    futures_lite::future::yield_now().await;
}
