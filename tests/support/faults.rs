//! Fault injection, for any server and any protocol: silent clients, clients that trickle a
//! request, clients that reset at random points, clients that never read their answers, and
//! clients whose request is too long; and the good clients that must not notice any of them.
//! The fault tests take one fault at a time; the soak (`tests/soak.rs`) plays them all at once.
//!
//! A [`Dialect`] gives the bytes (a request, its answer, the start of a request that never
//! ends), so the same checks drive `zen-server` and `hello-server`. Each check panics with
//! the server's `label` when the server misbehaves; each loop is bounded and every read has
//! a timeout, so a broken server fails a test rather than hanging it.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rustix::net::sockopt;

use super::{exchange, Server};

/// The bytes a protocol is spoken with, as far as the fault checks need them.
pub struct Dialect {
    /// One whole request.
    pub request: &'static [u8],
    /// The server's answer to [`Dialect::request`].
    pub answer: &'static [u8],
    /// The start of a request that [`Dialect::endless_filler`] never finishes.
    pub endless_start: &'static [u8],
    /// Bytes that, repeated after [`Dialect::endless_start`], keep the request unfinished.
    pub endless_filler: &'static [u8],
    /// What the server's answer to a request too long to read contains.
    pub refusal: &'static [u8],
}

/// How long a client keeps at it: a number of rounds, or until a moment.
#[derive(Clone, Copy, Debug)]
pub enum Length {
    /// Rounds 0 to N - 1.
    Rounds(u64),
    /// Every round that starts before this moment.
    Until(Instant),
}

impl Length {
    /// Whether round `round` (from 0) is to be played.
    pub fn more(self, round: u64) -> bool {
        match self {
            Length::Rounds(rounds) => round < rounds,
            Length::Until(end) => Instant::now() < end,
        }
    }
}

/// The zen protocol: a question ends at `?`, so words without one never end it.
pub const ZEN: Dialect = Dialect {
    request: b"Sparse is better than?",
    answer: b"dense.",
    endless_start: b"",
    endless_filler: b"Beautiful ",
    refusal: b"Error: question too long.",
};

/// HTTP/1.1 as `hello-server` speaks it: a header value that never ends its line.
pub const HELLO: Dialect = Dialect {
    request: b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    answer: b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
    endless_start: b"GET / HTTP/1.1\r\nX-Slow: ",
    endless_filler: b"a",
    refusal: b" 431 ",
};

/// Whether the server has closed `client` (EOF or reset), reading with the socket's timeout.
pub fn closed_by_server(client: &mut TcpStream) -> bool {
    match client.read(&mut [0; 64]) {
        Ok(0) => true,
        Err(e) => e.kind() == ErrorKind::ConnectionReset,
        Ok(_) => false,
    }
}

/// A client that has one exchange, then says nothing, is closed (the read ends within the
/// socket's generous timeout), and not before `idle` minus a 10% margin.
///
/// The idle time counts from just before the request is sent, not from when the answer is
/// read: the server's clock starts at the time of the loop turn that read the request, which
/// began at most one short turn before the send, but the client may read the answer much
/// later. Counted
/// from the answer, a client kept off the CPU after the server had answered (the soak runs
/// dozens of client threads on two cores) made a punctual server look early by over the
/// margin: the soak failed once so, with the `poll` server.
pub fn silent_client_is_closed_after(
    label: &str,
    server: &Server,
    dialect: &Dialect,
    idle: Duration,
) {
    let mut client = server.connect();
    let asked_at = Instant::now();
    exchange(&mut client, dialect.request, dialect.answer);
    assert!(
        closed_by_server(&mut client),
        "{label}: closed after idling"
    );
    assert!(
        asked_at.elapsed() >= idle.mul_f64(0.9),
        "{label}: not early"
    );
}

/// A client that trickles an endless request, one byte every ~100 ms, is closed: each byte
/// keeps it from being idle, but the request never ends. The server must give up long
/// before 200 bytes (20 s).
pub fn trickling_client_is_closed(label: &str, server: &Server, dialect: &Dialect) {
    let mut client = server.connect();
    client.set_nodelay(true).unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let filler = dialect.endless_filler.iter().cycle();
    let trickle = dialect.endless_start.iter().chain(filler).take(200);
    for (sent, byte) in trickle.enumerate() {
        if client.write_all(&[*byte]).is_err() {
            return; // already closed: the write failed
        }
        match client.read(&mut [0; 64]) {
            Ok(0) => return,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            other => panic!("{label}: unexpected {other:?} after {sent} bytes"),
        }
    }
    panic!("{label}: a trickled request held the connection for 20 s");
}

/// 1,000 clients reset at random points while 50 good clients ask 20 requests each and get
/// every answer; the server still serves afterwards.
pub fn resets_disturb_no_good_client(server: &Server, dialect: &Dialect) {
    thread::scope(|scope| {
        for worker in 0..4u64 {
            scope.spawn(move || {
                for i in 0..250 {
                    reset_at_random_point(server, dialect, worker * 1000 + i);
                }
            });
        }
        good_clients(server, dialect, Length::Rounds(20));
    });
    exchange(&mut server.connect(), dialect.request, dialect.answer);
}

/// A client that sends requests until its send buffer is full, because the server has
/// stopped reading from it (its answers are not being read), does not stop 50 good clients.
pub fn a_hog_does_not_stop_the_others(label: &str, server: &Server, dialect: &Dialect) {
    let hog = hog(label, server, dialect);
    good_clients(server, dialect, Length::Rounds(20));
    drop(hog);
}

/// A client that sends requests and never reads an answer: the server must stop reading
/// from it (its writes then block), within 65 MB. Returns the client, still open.
pub fn hog(label: &str, server: &Server, dialect: &Dialect) -> TcpStream {
    let hog = server.connect();
    hog.set_write_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let requests = dialect.request.repeat(65_000 / dialect.request.len());
    let full = (0..1000).any(|_| (&hog).write(&requests).is_err());
    assert!(full, "{label}: read 65 MB from a client that reads nothing");
    hog
}

/// A client that sends 70 KiB of a request that never ends, more than any request may be,
/// is told so and closed.
pub fn over_long_request_is_refused(label: &str, server: &Server, dialect: &Dialect) {
    let mut client = server.connect();
    let filler = dialect.endless_filler.iter().cycle().take(70 * 1024);
    let request: Vec<u8> = dialect
        .endless_start
        .iter()
        .chain(filler)
        .copied()
        .collect();
    // The server may close while we still write: a reset here is its right.
    let _ = client.write_all(&request);
    let mut heard = Vec::new();
    match client.read_to_end(&mut heard) {
        Err(e) if e.kind() != ErrorKind::ConnectionReset => panic!("{label}: {e}"),
        _ => {}
    }
    let refused = heard
        .windows(dialect.refusal.len())
        .any(|w| w == dialect.refusal);
    assert!(
        refused,
        "{label}: said {:?}",
        String::from_utf8_lossy(&heard)
    );
}

/// 50 good clients, each on its connection asking requests for `length` and checking every
/// answer. Returns the answers they checked.
pub fn good_clients(server: &Server, dialect: &Dialect, length: Length) -> u64 {
    let answers = AtomicU64::new(0);
    thread::scope(|scope| {
        for _ in 0..50 {
            scope.spawn(|| {
                let mut client = server.connect();
                let mut round = 0;
                while length.more(round) {
                    exchange(&mut client, dialect.request, dialect.answer);
                    round += 1;
                }
                answers.fetch_add(round, Ordering::Relaxed);
            });
        }
    });
    answers.into_inner()
}

/// Connects and resets (`SO_LINGER` 0, then close) at a point chosen by `seed`: before
/// sending, mid-request, after a whole request, or after reading part of an answer.
pub fn reset_at_random_point(server: &Server, dialect: &Dialect, seed: u64) {
    let Ok(mut client) = TcpStream::connect(server.addr) else {
        return;
    };
    let _ = sockopt::set_socket_linger(&client, Some(Duration::ZERO));
    let requests = dialect.request.repeat(3);
    let cut = (seed as usize * 7919) % (requests.len() + 1);
    let _ = client.write_all(&requests[..cut]);
    if seed.is_multiple_of(4) {
        client
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let _ = client.read(&mut [0; 3]);
    }
    drop(client); // with linger 0: a reset, not a FIN
}
