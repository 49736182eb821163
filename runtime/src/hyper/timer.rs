//! `ZenioTimer`: hyper's clock, made of [`crate::Sleep`]s.
//!
//! hyper asks its `Timer` for a boxed sleep whenever it starts a timeout (HTTP/1's
//! header-read timeout, started again for every request head; HTTP/2's keep-alive pings),
//! and to move one. A zenio `Sleep` is already such a future: this file wraps it in a type
//! of ours, so that it can implement hyper's `Sleep` trait, and moves a deadline in place
//! instead of boxing a new sleep. hyper-util's `TokioTimer` is the same over
//! `tokio::time::Sleep`. asyncio's nearest is `asyncio.timeout(delay)`, whose `reschedule`
//! moves a deadline the same way.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// hyper's timer on zenio: its sleeps wait on the runtime of the thread that polls them.
///
/// `now` stays hyper's default, `Instant::now()`: HTTP/2 times ping round trips with it,
/// which the time of the runtime's turn ([`crate::now`]) is too coarse for.
///
/// # Example
///
/// An HTTP/1 server that closes a connection whose request head takes over five seconds:
///
/// ```
/// use std::time::Duration;
///
/// use hyper::server::conn::http1;
/// use zenio::hyper::ZenioTimer;
///
/// let mut http = http1::Builder::new();
/// http.timer(ZenioTimer::new())
///     .header_read_timeout(Duration::from_secs(5));
/// ```
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct ZenioTimer;

impl ZenioTimer {
    /// The timer (it has no state: every runtime is found through its thread).
    pub const fn new() -> ZenioTimer {
        ZenioTimer
    }
}

impl Timer for ZenioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(ZenioSleep {
            sleep: crate::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(ZenioSleep {
            sleep: crate::sleep_until(deadline),
        })
    }

    /// Moves the deadline of one of our sleeps in place; anything else is replaced.
    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<ZenioSleep>() {
            Some(ours) => ours.get_mut().sleep.reset(deadline),
            None => *sleep = self.sleep_until(deadline),
        }
    }
}

/// A zenio [`Sleep`](crate::Sleep) that hyper can hold.
struct ZenioSleep {
    /// The timer in zenio's reactor.
    sleep: crate::Sleep,
}

impl Future for ZenioSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.sleep).poll(cx)
    }
}

impl Sleep for ZenioSleep {}
