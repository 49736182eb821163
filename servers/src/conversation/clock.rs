//! The limits every conversation keeps, so that no client can hold the server hostage: an
//! idle timeout, a timeout on one request, and a cap on open connections.
//!
//! A [`Clock`] per connection holds the deadlines these limits set; it is told when bytes
//! arrive and whether a request is left unfinished. Architectures check the deadline lazily:
//! a coroutine arms one timer and re-arms it only when it fires early, so a busy connection
//! costs one look at the runtime's clock per read (`zenio::now()`, the time of the loop's
//! turn, which reads no clock), not a timer per request (the trick tokio's and nginx's
//! timers rely on too).

use std::time::{Duration, Instant};

/// The limits of one server (from `--idle-timeout`, `--question-timeout`, `--max-conns`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A connection that receives nothing for this long is closed.
    pub idle: Duration,
    /// A request (a zen question, an HTTP request) must arrive whole within this long of its
    /// first byte, so a client that trickles bytes cannot hold a connection.
    pub request: Duration,
    /// Connections one event loop keeps open at most; more are accepted and closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            idle: Duration::from_secs(60),
            request: Duration::from_secs(10),
            max_connections: 10_000,
        }
    }
}

impl Limits {
    /// How often an architecture that sweeps for connections whose time ran out (`poll`,
    /// `callback`) should look: a quarter of the shortest timeout, between 10 ms and 1 s, so
    /// a connection is closed at most a quarter late.
    pub fn sweep_interval(&self) -> Duration {
        (self.idle.min(self.request) / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
    }
}

/// Why a connection's time ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Nothing arrived for `Limits::idle`.
    Idle,
    /// A request took longer than `Limits::request` to arrive.
    Request,
}

impl Expiry {
    /// The text of the log line.
    pub fn describe(self) -> &'static str {
        match self {
            Expiry::Idle => "idle timeout",
            Expiry::Request => "request timeout (bytes trickling in too slowly)",
        }
    }
}

/// One connection's deadlines.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// When the connection is idle for too long: the last read plus `Limits::idle`.
    idle_deadline: Instant,
    /// When the request in progress must be whole: its first byte plus `Limits::request`;
    /// `None` between requests.
    request_deadline: Option<Instant>,
}

impl Clock {
    /// The clock of a connection opened at `now`, or whose lingering close began then:
    /// nothing has arrived yet, and it may wait `idle` for something.
    pub fn new(now: Instant, idle: Duration) -> Clock {
        Clock {
            idle_deadline: now + idle,
            request_deadline: None,
        }
    }

    /// Bytes arrived at `now`; `in_request` says whether a request is left unfinished.
    pub fn on_read(&mut self, now: Instant, in_request: bool, limits: &Limits) {
        self.idle_deadline = now + limits.idle;
        self.request_deadline =
            in_request.then(|| self.request_deadline.unwrap_or(now + limits.request));
    }

    /// When the connection must be closed, and why.
    pub fn deadline(&self) -> (Instant, Expiry) {
        match self.request_deadline {
            Some(request) if request < self.idle_deadline => (request, Expiry::Request),
            _ => (self.idle_deadline, Expiry::Idle),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        idle: Duration::from_secs(60),
        request: Duration::from_secs(10),
        max_connections: 1,
    };

    #[test]
    fn an_idle_connection_expires_after_the_idle_timeout() {
        let start = Instant::now();
        let clock = Clock::new(start, LIMITS.idle);
        assert_eq!(clock.deadline(), (start + LIMITS.idle, Expiry::Idle));
    }

    #[test]
    fn every_read_restarts_the_idle_clock() {
        let start = Instant::now();
        let mut clock = Clock::new(start, LIMITS.idle);
        clock.on_read(start + Duration::from_secs(50), false, &LIMITS);
        assert_eq!(
            clock.deadline(),
            (start + Duration::from_secs(110), Expiry::Idle)
        );
    }

    #[test]
    fn a_trickled_request_expires_after_the_request_timeout_however_often_bytes_come() {
        let start = Instant::now();
        let mut clock = Clock::new(start, LIMITS.idle);
        for second in 0..10 {
            clock.on_read(start + Duration::from_secs(second), true, &LIMITS);
        }
        assert_eq!(clock.deadline(), (start + LIMITS.request, Expiry::Request));
    }

    #[test]
    fn a_finished_request_stops_the_request_clock() {
        let start = Instant::now();
        let mut clock = Clock::new(start, LIMITS.idle);
        clock.on_read(start, true, &LIMITS);
        clock.on_read(start + Duration::from_secs(5), false, &LIMITS);
        assert_eq!(clock.deadline().1, Expiry::Idle);
    }
}
