//! The fixed schedule of an open-loop run (`--rate R`), and the verdict on whether the run
//! kept it; sans-I/O.
//!
//! A closed loop lets the server set the pace, so a server that keeps up better is offered
//! more load, and every server is pressed toward the pace of the generator's own core. An
//! open loop (wrk2's method) offers the same load to every server: R requests a second,
//! whatever the answers do. The requests of a run are numbered 0, 1, 2, ...; request `n` is
//! due at `t0 + n/R` and goes on connection `n mod C`, so connection `i` sends at
//! `t0 + i/R + k·C/R`: each connection at R/C a second, the connections evenly staggered.
//!
//! **Latency counts from the due time.** A generator that measures from the moment it
//! actually sent, and that stops sending while it waits, hides a stall: the requests it
//! should have sent during the stall were never sent, so never measured ("coordinated
//! omission", Gil Tene's name for it). So each request's clock starts when it was due, not
//! when it went out: a request sent late, because the generator or its connection was
//! behind, carries that delay in its latency, as wrk2 does it.
//!
//! **Open loop on each connection.** A connection whose last answer has not come when its
//! next request is due sends anyway (both protocols allow pipelining), up to `--pipeline`
//! (64 by default) unanswered at once. A connection at that bound skips its turn, and the
//! run no longer counts: the server is not keeping up with the offered load (which is
//! itself the finding: report the load it did keep up with). We skip rather than queue,
//! because a queue behind the bound would only hide how far behind the run is.
//!
//! **The verdict.** A run is valid only if it kept its schedule: no send skipped, at most
//! [`LATE_SHARE`] of the sends later than `--late` (1 ms by default) after their due time,
//! and as many answers in the window as [`MIN_ANSWERED`] of the requests that came due in
//! it (in a window of T seconds, answers at 98% of R, give or take the requests in flight
//! at its edges). An invalid run is still printed, marked so.
//!
//! The driver sends on ticks of 100 µs, so a generator that keeps up is never much more
//! than a tick behind, unless the kernel gives its core to something else: on a machine
//! busy with other work, sends 1 to 10 ms late are common (a waking task may wait out the
//! running one's time slice), and such a run is rightly invalid, since each delay is
//! counted in a latency. There, `--late` says how much delay to put up with.

use std::time::{Duration, Instant};

/// The share of late sends a valid run may have: a scheduler hiccup, not a habit.
pub const LATE_SHARE: f64 = 0.01;

/// The least share of the requests due in the window that must be answered in it.
pub const MIN_ANSWERED: f64 = 0.98;

/// When each request of an open-loop run is due, and on which connection it goes.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// When request 0 is due.
    start: Instant,
    /// Nanoseconds between two requests due: 1e9 / R.
    period_ns: f64,
    /// Connections the requests are dealt out to, round-robin.
    connections: u64,
}

/// The requests one connection has due in one pass: `first`, `first + C`, ... (`count` of
/// them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The connection's index.
    pub connection: usize,
    /// The number of its first request due.
    pub first: u64,
    /// How many are due.
    pub count: usize,
    /// The stride between its requests' numbers: the number of connections.
    pub stride: usize,
}

impl Batch {
    /// The numbers of the batch's requests, in order.
    pub fn numbers(self) -> impl Iterator<Item = u64> + Clone {
        (self.first..).step_by(self.stride).take(self.count)
    }
}

impl Schedule {
    /// `rate` requests a second from `start`, dealt out to `connections` connections.
    pub fn new(start: Instant, rate: f64, connections: usize) -> Self {
        Self {
            start,
            period_ns: 1e9 / rate,
            connections: connections as u64,
        }
    }

    /// When request `n` is due; its latency counts from then.
    pub fn due(&self, n: u64) -> Instant {
        self.start + Duration::from_nanos((n as f64 * self.period_ns) as u64)
    }

    /// How many requests are due by `now` (requests `0..` that number).
    pub fn due_by(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start).as_nanos() as f64;
        (elapsed / self.period_ns) as u64 + 1
    }

    /// Requests `first..end`, grouped by connection: one batch for each connection with
    /// any, so that its requests go out in one write.
    pub fn batches(&self, first: u64, end: u64) -> impl Iterator<Item = Batch> {
        let connections = self.connections;
        let due = end.saturating_sub(first);
        // The k-th connection after `first`'s has one request for every C due, counting
        // from its own first one.
        (0..due.min(connections)).map(move |offset| Batch {
            connection: ((first + offset) % connections) as usize,
            first: first + offset,
            count: (due - offset).div_ceil(connections) as usize,
            stride: connections as usize,
        })
    }
}

/// How well the generator kept its schedule while the measurement window was open.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pace {
    /// Requests that came due: sent or skipped.
    pub due: u64,
    /// Requests sent more than `--late` after their due time.
    pub late: u64,
    /// Requests not sent: their connection had `--pipeline` answers owed, or had failed.
    pub skipped: u64,
    /// The longest a send waited past its due time.
    pub max_lag: Duration,
}

impl Pace {
    /// Counts one request, due at `due`, sent at `now`: late if that is more than `late`
    /// after.
    pub fn sent(&mut self, due: Instant, now: Instant, late: Duration) {
        let lag = now.saturating_duration_since(due);
        self.due += 1;
        self.late += u64::from(lag > late);
        self.max_lag = self.max_lag.max(lag);
    }

    /// Counts `count` requests that came due and were not sent.
    pub fn skip(&mut self, count: u64) {
        self.due += count;
        self.skipped += count;
    }

    /// Why a run that counted sends later than `late` as late, and received `answered`
    /// answers, does not count; `None` when it kept its schedule.
    pub fn verdict(&self, late: Duration, answered: u64) -> Option<String> {
        if self.skipped > 0 {
            return Some(format!(
                "{} of {} sends skipped: a connection had --pipeline answers owed, or failed",
                self.skipped, self.due
            ));
        }
        if self.late as f64 > LATE_SHARE * self.due as f64 {
            return Some(format!(
                "{} of {} sends went out over {:.1} ms late (at most {:.1} ms)",
                self.late,
                self.due,
                late.as_secs_f64() * 1e3,
                self.max_lag.as_secs_f64() * 1e3
            ));
        }
        if (answered as f64) < MIN_ANSWERED * self.due as f64 {
            return Some(format!(
                "{answered} answers to {} requests due: the server fell behind",
                self.due
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// The tolerance the verdict tests use: `--late 1`.
    const LATE: Duration = MS;

    /// 1,000 requests a second over 4 connections: one due every millisecond.
    fn schedule(t0: Instant) -> Schedule {
        Schedule::new(t0, 1000.0, 4)
    }

    #[test]
    fn request_n_is_due_n_periods_after_the_start() {
        let t0 = Instant::now();
        let s = schedule(t0);
        assert_eq!(s.due(0), t0);
        assert_eq!(s.due(5), t0 + 5 * MS);
        // Request 0 is due at once; request 5 once 5 ms have passed, not a moment before.
        assert_eq!(s.due_by(t0), 1);
        assert_eq!(s.due_by(t0 + 5 * MS - Duration::from_micros(1)), 5);
        assert_eq!(s.due_by(t0 + 5 * MS), 6);
    }

    #[test]
    fn connection_i_sends_at_i_over_r_plus_k_times_c_over_r() {
        let t0 = Instant::now();
        let s = schedule(t0);
        let batches: Vec<Batch> = s.batches(0, 12).collect();
        assert_eq!(batches.len(), 4);
        let second = batches[1];
        assert_eq!((second.connection, second.count), (1, 3));
        let times: Vec<Instant> = second.numbers().map(|n| s.due(n)).collect();
        assert_eq!(times, [t0 + MS, t0 + 5 * MS, t0 + 9 * MS]);
    }

    #[test]
    fn a_pass_touches_only_the_connections_with_requests_due() {
        let s = schedule(Instant::now());
        let batch = |connection, first, count| Batch {
            connection,
            first,
            count,
            stride: 4,
        };
        // Requests 3, 4 and 5 wrap around from the last connection to the first.
        let wrapped: Vec<Batch> = s.batches(3, 6).collect();
        assert_eq!(wrapped, [batch(3, 3, 1), batch(0, 4, 1), batch(1, 5, 1)]);
        assert_eq!(s.batches(7, 7).count(), 0);
    }

    #[test]
    fn every_request_due_goes_out_once_on_connection_n_mod_c() {
        let s = schedule(Instant::now());
        for first in 0..9 {
            for end in first..first + 30 {
                let mut sent: Vec<u64> = Vec::new();
                for batch in s.batches(first, end) {
                    assert!(batch.numbers().all(|n| n % 4 == batch.connection as u64));
                    sent.extend(batch.numbers());
                }
                sent.sort_unstable();
                assert_eq!(sent, (first..end).collect::<Vec<u64>>());
            }
        }
    }

    #[test]
    fn latency_counts_from_the_due_time_not_from_a_late_send() {
        // Request 2 is due at 2 ms; the generator, stalled, sends it at 7 ms, and its
        // answer comes at 8 ms. Measured from the send it took 1 ms; the server's client
        // waited 6 ms, and that is what counts (wrk2's correction).
        let t0 = Instant::now();
        let s = schedule(t0);
        let (sent, answered) = (t0 + 7 * MS, t0 + 8 * MS);
        assert_eq!(answered.duration_since(s.due(2)), 6 * MS);
        let mut pace = Pace::default();
        pace.sent(s.due(2), sent, LATE);
        assert_eq!((pace.due, pace.late, pace.max_lag), (1, 1, 5 * MS));
    }

    /// A pace of `due` sends, `late` of them late and `skipped` skipped.
    fn pace(due: u64, late: u64, skipped: u64) -> Pace {
        let t0 = Instant::now();
        let mut pace = Pace::default();
        for n in 0..due - skipped {
            let lag = if n < late { 2 * LATE } else { LATE / 2 };
            pace.sent(t0, t0 + lag, LATE);
        }
        pace.skip(skipped);
        pace
    }

    #[test]
    fn a_run_that_kept_its_schedule_is_valid() {
        assert_eq!(pace(1000, 0, 0).verdict(LATE, 1000), None);
        assert_eq!(pace(1000, 0, 0).max_lag, LATE / 2);
    }

    #[test]
    fn a_late_send_in_a_hundred_is_a_hiccup_and_two_are_a_habit() {
        assert_eq!(pace(1000, 10, 0).verdict(LATE, 1000), None);
        let verdict = pace(1000, 11, 0).verdict(LATE, 1000);
        assert!(verdict.is_some_and(|why| why.starts_with("11 of 1000 sends")));
    }

    #[test]
    fn one_skipped_send_makes_the_run_invalid() {
        let verdict = pace(1000, 0, 1).verdict(LATE, 1000);
        assert!(verdict.is_some_and(|why| why.contains("1 of 1000 sends skipped")));
    }

    #[test]
    fn answers_to_under_98_percent_of_the_requests_due_make_the_run_invalid() {
        let on_time = pace(1000, 0, 0);
        assert_eq!(on_time.verdict(LATE, 980), None);
        assert!(on_time.verdict(LATE, 979).is_some());
    }

    #[test]
    fn how_late_is_late_is_the_users_call() {
        let t0 = Instant::now();
        let (mut strict, mut lenient) = (Pace::default(), Pace::default());
        for _ in 0..100 {
            strict.sent(t0, t0 + 2 * MS, MS);
            lenient.sent(t0, t0 + 2 * MS, 3 * MS);
        }
        assert!(strict.verdict(MS, 100).is_some());
        assert_eq!(lenient.verdict(3 * MS, 100), None);
    }
}
