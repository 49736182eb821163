//! The limits every architecture enforces, so that no client can hold the server hostage:
//! an idle timeout, a timeout on one request, and a cap on open connections.
//!
//! A [`Clock`] per connection remembers when it last received bytes and when its current
//! request began; [`Clock::deadline`] says when it must be closed. Architectures check it
//! lazily: a coroutine arms one timer and re-arms it only when it fires early, so a busy
//! connection costs one look at the runtime's clock per read (`zenio::now()`, the time of the
//! loop's turn, which reads no clock), not a timer per request (the trick tokio's and nginx's
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

/// One connection's clock.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// When bytes last arrived (or the connection opened).
    last_read: Instant,
    /// When the request now in progress began; `None` between requests.
    request_began: Option<Instant>,
}

impl Clock {
    /// The clock of a connection opened at `now`.
    pub fn new(now: Instant) -> Clock {
        Clock {
            last_read: now,
            request_began: None,
        }
    }

    /// Bytes arrived at `now`; `in_request` says whether a request is left unfinished.
    pub fn on_read(&mut self, now: Instant, in_request: bool) {
        self.last_read = now;
        self.request_began = match (in_request, self.request_began) {
            (false, _) => None,
            (true, began) => Some(began.unwrap_or(now)),
        };
    }

    /// When the connection must be closed, and why.
    pub fn deadline(&self, limits: &Limits) -> (Instant, Expiry) {
        let idle = (self.last_read + limits.idle, Expiry::Idle);
        match self.request_began {
            Some(began) if began + limits.request < idle.0 => {
                (began + limits.request, Expiry::Request)
            }
            _ => idle,
        }
    }

    /// Whether the time has run out at `now`, and why.
    pub fn expired(&self, now: Instant, limits: &Limits) -> Option<Expiry> {
        let (deadline, why) = self.deadline(limits);
        (now >= deadline).then_some(why)
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
        let clock = Clock::new(start);
        assert_eq!(clock.deadline(&LIMITS), (start + LIMITS.idle, Expiry::Idle));
        assert_eq!(
            clock.expired(start + Duration::from_secs(59), &LIMITS),
            None
        );
        assert_eq!(
            clock.expired(start + LIMITS.idle, &LIMITS),
            Some(Expiry::Idle)
        );
    }

    #[test]
    fn every_read_restarts_the_idle_clock() {
        let start = Instant::now();
        let mut clock = Clock::new(start);
        clock.on_read(start + Duration::from_secs(50), false);
        assert_eq!(
            clock.expired(start + Duration::from_secs(100), &LIMITS),
            None
        );
    }

    #[test]
    fn a_trickled_request_expires_after_the_request_timeout_however_often_bytes_come() {
        let start = Instant::now();
        let mut clock = Clock::new(start);
        for second in 0..10 {
            clock.on_read(start + Duration::from_secs(second), true);
        }
        let (deadline, why) = clock.deadline(&LIMITS);
        assert_eq!((deadline, why), (start + LIMITS.request, Expiry::Request));
    }

    #[test]
    fn a_finished_request_stops_the_request_clock() {
        let start = Instant::now();
        let mut clock = Clock::new(start);
        clock.on_read(start, true);
        clock.on_read(start + Duration::from_secs(5), false);
        assert_eq!(clock.deadline(&LIMITS).1, Expiry::Idle);
    }
}
