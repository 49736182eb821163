//! `ZenioTimer`: hyper's timers, made of [`zenio::Sleep`]s.
//!
//! hyper asks its `Timer` for a boxed `Sleep` future whenever it starts a timeout (here:
//! the header-read timeout, restarted for every request head), and sometimes to move one.
//! A zenio `Sleep` is already such a future: this file only wraps it in a type of ours, so
//! that it can implement hyper's `Sleep` trait, and moves deadlines in place instead of
//! boxing a new `Sleep`. hyper-util's `TokioTimer` is the same over `tokio::time::Sleep`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// hyper's clock on the runtime of the thread that polls the connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct ZenioTimer;

impl Timer for ZenioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(ZenioSleep(zenio::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(ZenioSleep(zenio::sleep_until(deadline)))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<ZenioSleep>() {
            Some(ours) => ours.get_mut().0.reset(deadline),
            None => *sleep = self.sleep_until(deadline),
        }
    }
}

/// A [`zenio::Sleep`] that hyper can hold.
struct ZenioSleep(zenio::Sleep);

impl Future for ZenioSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl Sleep for ZenioSleep {}
