//! `Sleep`: a future that completes at a deadline.
//!
//! On its first `Pending` it puts a timer in the reactor's queue with the task's waker; the
//! reactor bounds its `epoll_wait` by the earliest deadline and wakes the task when it is due.
//! Dropping a `Sleep` removes its timer. asyncio's `asyncio.sleep(delay)` does the same with
//! `loop.call_later(delay, future.set_result, None)`.
//!
//! See chapter 10 of the book: `docs/10-timers.md`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::context;
use crate::reactor::TimerKey;

/// A duration long enough to mean "never" (tokio uses the same 30 years), which still fits in
/// an `Instant`.
const NEVER: Duration = Duration::from_secs(86_400 * 365 * 30);

/// Completes once `duration` has passed; see [`Sleep`]. (Durations over 30 years are cut
/// to 30 years.)
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration.min(NEVER))
}

/// Completes at `deadline` (at once if it has passed); see [`Sleep`].
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        timer: None,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`]. It never completes early; it may
/// complete late by up to a millisecond (the resolution of `epoll_wait`) plus the time other
/// tasks hold the thread.
#[derive(Debug)]
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep {
    /// When the future completes.
    deadline: Instant,
    /// Its entry in the reactor's timer queue, once it has waited, and the waker stored
    /// there: polling again from the same task then touches nothing.
    timer: Option<(TimerKey, Waker)>,
}

impl Sleep {
    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Moves the deadline (the timer is re-queued at the next poll).
    pub fn reset(&mut self, deadline: Instant) {
        self.cancel_timer();
        self.deadline = deadline;
    }

    /// Takes the timer out of the reactor's queue, if it is there.
    fn cancel_timer(&mut self) {
        if let Some((key, _)) = self.timer.take() {
            context::try_with(|rt| rt.reactor.remove_timer(key));
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Once queued, the timer is due exactly when the reactor has fired it, which it does
        // by the turn's time (`crate::now`): no need to read the clock on every poll.
        let now = match self.timer {
            Some(_) => crate::time::now(),
            None => Instant::now(),
        };
        if now >= self.deadline {
            self.cancel_timer();
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        let waker = cx.waker();
        match &mut self.timer {
            Some((_, stored)) if stored.will_wake(waker) => {}
            Some((key, stored)) => {
                context::with(|rt| rt.reactor.update_timer(*key, waker));
                stored.clone_from(waker);
            }
            None => {
                let key = context::with(|rt| rt.reactor.insert_timer(deadline, waker));
                self.timer = Some((key, waker.clone()));
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel_timer();
    }
}
