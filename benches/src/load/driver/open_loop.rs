//! The open loop (`--rate`): sending what the schedule says is due, on ticks.
//!
//! At 50,000 requests a second, one is due every 20 µs; waking for each would cost the
//! generator most of its core. Instead a timer ticks every [`TICK`], and each turn of the
//! loop (after a tick or after answers) sends everything due by then, each connection's
//! share in one write. A request may so go out up to a tick late; its latency counts from
//! its due time all the same (see [`schedule`](crate::load::schedule)).
//!
//! The tick is a `timerfd` (`timerfd_create`, `timerfd_settime` with a 100 µs interval) in
//! the epoll set, because `epoll_wait` counts its timeout in whole milliseconds. Each tick
//! is read (8 bytes: the count of expiries since the last read): the kernel starts a
//! periodic timerfd's next period only when the last one has been read, so a timer left
//! unread would tick once.

use std::io;
use std::time::{Duration, Instant};

use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::time::{
    timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags,
};

use super::Driver;
use crate::load::schedule::Schedule;

/// How often the open loop wakes to send what is due.
const TICK: Duration = Duration::from_micros(100);

/// The epoll key of the tick timer: it names no slot, so the event handlers pass it by.
const TICKER_KEY: u64 = u64::MAX;

impl Driver<'_> {
    /// Starts the schedule at `now`, offering `rate` requests a second, and the tick timer.
    pub(super) fn start_schedule(&mut self, rate: f64, now: Instant) -> io::Result<()> {
        let ticker = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        let every = TICK.try_into().expect("100 µs is a timespec");
        let period = Itimerspec {
            it_interval: every,
            it_value: every,
        };
        timerfd_settime(&ticker, TimerfdTimerFlags::empty(), &period)?;
        let interest = EventFlags::IN;
        epoll::add(
            &self.epoll,
            &ticker,
            EventData::new_u64(TICKER_KEY),
            interest,
        )?;
        self.ticker = Some(ticker);
        self.schedule = Some(Schedule::new(now, rate, self.slots.len()));
        Ok(())
    }

    /// Event `index` woke the loop; if it was the tick, reads it so that the timer goes on.
    pub(super) fn on_tick(&mut self, index: usize) {
        if let Some(ticker) = &self.ticker {
            if self.events[index].data.u64() == TICKER_KEY {
                // EAGAIN (no expiry since the last read) is as good as a count.
                let _ = rustix::io::read(ticker, &mut [0; 8]);
            }
        }
    }

    /// Sends every request due by `now` that has not gone out yet, as the budget allows.
    pub(super) fn send_due(&mut self, now: Instant) {
        let Some(schedule) = self.schedule else {
            return;
        };
        let first = self.started;
        let end = first + self.spend((schedule.due_by(now) - first) as usize) as u64;
        self.started = end;
        for batch in schedule.batches(first, end) {
            // 1. Each connection sends at most `--pipeline` unanswered requests; the rest
            //    of its share is skipped, and the run will not count. So is the share of a
            //    connection that failed.
            let slot = batch.connection;
            let Some(mut connection) = self.slots[slot].connection.take() else {
                self.recorder.pace.skip(batch.count as u64);
                continue;
            };
            let room = self.plan.pipeline.saturating_sub(connection.owed());
            let sending = batch.count.min(room);
            self.recorder.pace.skip((batch.count - sending) as u64);
            // 2. Count how late each goes out, then send them in one write, each with its
            //    latency counted from its due time.
            let numbers = batch.numbers().take(sending);
            for n in numbers.clone() {
                self.recorder
                    .pace
                    .sent(schedule.due(n), now, self.plan.late);
            }
            match self.send_numbered(&mut connection, numbers, |n| schedule.due(n)) {
                Ok(()) => self.slots[slot].connection = Some(connection),
                Err(failure) => self.close(slot, connection, Some(failure)),
            }
        }
    }
}
