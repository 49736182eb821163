//! `Sleep`: a future that completes at a deadline.
//!
//! On its first `Pending` it puts a timer in the reactor's queue with the task's waker; the
//! reactor bounds its `epoll_wait` by the earliest deadline and wakes the task when it is due.
//! Dropping a `Sleep` removes its timer. asyncio's `asyncio.sleep(delay)` does the same with
//! `loop.call_later(delay, future.set_result, None)`. A `Sleep` is `Send`: it remembers which
//! runtime holds its timer, so that another thread's runtime neither misses it nor removes it.
//!
//! See chapter 12 of the book: `docs/12-timers.md`.

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
///
/// It waits only while a [`block_on`](crate::block_on) runs on the thread that polls it:
/// polled where none runs (under `futures_lite::future::block_on`, say), a `Sleep` that is
/// not yet due panics instead of never waking.
///
/// A `Sleep` is `Send`, so it may move to another thread's runtime between two polls. Polled
/// there, it puts its timer in that runtime's queue, and completes on time. The entry it
/// left in the first runtime's queue is that runtime's alone: it goes when it fires (which
/// only wakes a task for nothing) or when the `Sleep` is dropped or reset back on that
/// thread. A runtime never removes a timer it does not hold.
///
/// ```
/// use std::time::Duration;
///
/// let mut nap = zenio::sleep(Duration::from_millis(20));
/// zenio::block_on(futures_lite::future::poll_once(&mut nap));
/// // The timer is in this thread's runtime; the sleep ends on another thread's.
/// std::thread::spawn(move || zenio::block_on(nap)).join().unwrap();
/// ```
#[derive(Debug)]
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep {
    /// When the future completes.
    deadline: Instant,
    /// Its entry in a reactor's timer queue, once it has waited.
    timer: Option<Timer>,
}

/// A waiting `Sleep`'s entry in a reactor's timer queue.
#[derive(Debug)]
struct Timer {
    /// The runtime whose reactor holds the entry; its key means nothing to another runtime.
    runtime: usize,
    /// The entry's key in that reactor's queue.
    key: TimerKey,
    /// The waker stored with the entry: polling again from the same task then touches nothing.
    waker: Waker,
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

    /// Takes the timer out of the reactor's queue, if it is there and this thread's runtime
    /// holds it. (Elsewhere it stays until it fires; removing its key here could remove
    /// another timer.)
    fn cancel_timer(&mut self) {
        if let Some(timer) = self.timer.take() {
            let _ = context::with_home(timer.runtime, timer.key, |rt, key| {
                rt.reactor.remove_timer(key);
            });
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
        let (deadline, waker) = (self.deadline, cx.waker());
        context::with_running(|rt| match &mut self.timer {
            // Queued here, with this waker: nothing to do.
            Some(timer) if timer.runtime == rt.id && timer.waker.will_wake(waker) => {}
            // Queued here, for another task: point the entry at this one.
            Some(timer) if timer.runtime == rt.id => {
                rt.reactor.update_timer(timer.key, waker);
                timer.waker.clone_from(waker);
            }
            // Never queued, or queued by another thread's runtime: queue it here.
            _ => {
                let key = rt.reactor.insert_timer(deadline, waker);
                self.timer = Some(Timer {
                    runtime: rt.id,
                    key,
                    waker: waker.clone(),
                });
            }
        });
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel_timer();
    }
}
