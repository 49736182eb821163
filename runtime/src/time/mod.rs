//! Time: sleeping, timeouts, intervals and delayed callbacks.
//!
//! All of them rest on [`Sleep`], a timer in the reactor's queue, and on the reactor's clock,
//! read once per turn ([`now`]). The reactor passes the time
//! to the earliest deadline as the timeout of `epoll_wait(2)`, so timers cost no syscall of
//! their own. The asyncio names: `asyncio.sleep`, `asyncio.wait_for`, `loop.call_later`.
//!
//! See chapter 12 of the book: `docs/12-timers.md`.

mod interval;
mod sleep;

pub use interval::{interval, Interval};
pub use sleep::{sleep, sleep_until, Sleep};

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use futures_lite::future;

use crate::JoinHandle;

/// The time of the runtime's current turn: when its last `epoll_wait` returned.
///
/// It costs no clock read. `Instant::now()` is a vDSO call, cheap but not free, and a server
/// that stamps every read with it pays that on every request. This time lags the real one
/// by at most one turn of the loop (outside [`block_on`](crate::block_on): since the runtime
/// last waited), so use it for coarse stamps such as idle deadlines, and `Instant::now()`
/// for measuring. nginx keeps its time the same way (`ngx_time_update`, once per iteration
/// of its loop); asyncio's `loop.time()` reads the clock on each call.
pub fn now() -> Instant {
    crate::context::with(|rt| rt.reactor.now())
}

/// Runs `future`, giving up after `duration` (asyncio's `asyncio.wait_for(aw, timeout)`).
///
/// Returns `Err(Elapsed)` if the deadline passes first; `future` is then dropped, which
/// cancels it (and closes any socket it owns).
pub async fn timeout<F: Future>(duration: Duration, future: F) -> Result<F::Output, Elapsed> {
    let Some(deadline) = Instant::now().checked_add(duration) else {
        return Ok(future.await); // a deadline past the end of time never comes
    };
    future::or(async { Ok(future.await) }, async {
        sleep_until(deadline).await;
        Err(Elapsed { deadline })
    })
    .await
}

/// The error of [`timeout`]: the deadline passed before the future completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed {
    /// When the time ran out.
    deadline: Instant,
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let late = Instant::now().saturating_duration_since(self.deadline);
        write!(f, "deadline has elapsed ({late:?} ago)")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}

/// Calls `callback` once `delay` has passed (asyncio's `loop.call_later(delay, callback)`).
///
/// The returned handle cancels the call ([`JoinHandle::abort`], asyncio's
/// `TimerHandle.cancel()`); dropping it lets the call happen.
pub fn call_later<F>(delay: Duration, callback: F) -> JoinHandle<()>
where
    F: FnOnce() + 'static,
{
    crate::spawn(async move {
        sleep(delay).await;
        callback();
    })
}
