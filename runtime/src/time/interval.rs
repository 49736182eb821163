//! `Interval`: a clock that ticks at a fixed period, as a future per tick or as a `Stream`.
//!
//! It is a [`Sleep`] that, each time it completes, is reset to the next tick's deadline: one
//! timer in the reactor's queue, with no syscall of its own (`epoll_wait`'s timeout does the
//! waiting). asyncio has no interval; its idiom is a loop around `await asyncio.sleep(period)`,
//! which drifts by the time each turn takes. An `Interval` does not drift.
//!
//! See chapter 12 of the book: `docs/12-timers.md`.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use futures_lite::Stream;

use super::sleep::{sleep_until, Sleep};

/// A clock that ticks every `period`, the first tick at once; see [`Interval`].
///
/// ```
/// use futures_lite::StreamExt;
/// use std::time::Duration;
///
/// zenio::block_on(async {
///     let ticks: Vec<_> = zenio::interval(Duration::from_millis(5)).take(3).collect().await;
///     assert!(ticks[1] >= ticks[0] + Duration::from_millis(5));
///     assert!(ticks[2] >= ticks[1] + Duration::from_millis(5));
/// });
/// ```
///
/// # Panics
///
/// If `period` is zero.
pub fn interval(period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "zenio::interval: the period must be non-zero"
    );
    Interval {
        period,
        sleep: sleep_until(Instant::now()),
    }
}

/// Ticks at a fixed period; see [`interval`]. Await [`tick`](Self::tick), or use it as a
/// `Stream` of the times the ticks were due.
///
/// Missed ticks are delayed, never bunched up (tokio's `MissedTickBehavior::Delay`): when the
/// task falls behind by more than a period, the late tick comes at once, and the next one is
/// due a period after the late one was taken. The schedule restarts from there.
#[derive(Debug)]
pub struct Interval {
    /// Time between ticks.
    period: Duration,
    /// Sleeps until the next tick.
    sleep: Sleep,
}

impl Interval {
    /// Waits for the next tick and returns the time it was due.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Restarts the schedule: the next tick comes one period from now.
    pub fn reset(&mut self) {
        self.sleep.reset(Instant::now() + self.period);
    }

    /// The time between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Completes when the next tick is due, with the time it was due, and schedules the one
    /// after it.
    fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.sleep).poll(cx));
        let due = self.sleep.deadline();
        let now = Instant::now();
        let mut next = due + self.period;
        if next <= now {
            next = now + self.period; // behind by a period or more: restart from now
        }
        self.sleep.reset(next);
        Poll::Ready(due)
    }
}

impl Stream for Interval {
    type Item = Instant;

    /// The next tick's due time; the stream never ends.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}
