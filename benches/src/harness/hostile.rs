//! Hostile zen clients, for the soak run: each does one bad thing to a server and says
//! whether the server answered it the way it must.
//!
//! - [`Kind::Reset`]: connects, sends part of a question (or a whole one, or reads part of
//!   an answer), and resets the connection (`SO_LINGER` 0, then `close`).
//! - [`Kind::Slowloris`]: trickles a question a byte at a time; the server must close the
//!   connection (its `--question-timeout`).
//! - [`Kind::Idle`]: connects and says nothing; the server must close it (`--idle-timeout`).
//! - [`Kind::NeverReads`]: sends questions without reading the answers until its own send
//!   buffer is full (the server has stopped reading from it), then resets.
//! - [`Kind::Garbage`]: sends 70 KiB without a `?`, longer than any question may be; the
//!   server must say `Error: question too long.` and close.
//!
//! Every socket has read and write timeouts, so a client never waits longer than
//! [`PATIENCE`]: a server that fails to close a connection it must close is reported, not
//! waited for.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use rustix::net::sockopt;

/// How long a hostile client waits for the server to close on it.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The question the clients start (and sometimes finish).
const QUESTION: &[u8] = b"Beautiful is better than?";

/// The kinds of hostile client, in the order the soak cycles through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Resets at a random point.
    Reset,
    /// Trickles a question.
    Slowloris,
    /// Says nothing.
    Idle,
    /// Never reads its answers.
    NeverReads,
    /// Sends a question longer than the protocol allows.
    Garbage,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::Reset,
        Kind::Slowloris,
        Kind::Idle,
        Kind::NeverReads,
        Kind::Garbage,
    ];

    /// The kind's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Reset => "reset at a random point",
            Kind::Slowloris => "slowloris (a byte every 100 ms)",
            Kind::Idle => "idle (connects, says nothing)",
            Kind::NeverReads => "never reads its answers",
            Kind::Garbage => "70 KiB without a `?`",
        }
    }

    /// The kind's name in a crowded table cell.
    pub fn short(self) -> &'static str {
        match self {
            Kind::Reset => "resets",
            Kind::Slowloris => "slowloris",
            Kind::Idle => "idle",
            Kind::NeverReads => "never-reading",
            Kind::Garbage => "over-long",
        }
    }

    /// Plays this kind of client once against 127.0.0.1:`port`; `seed` picks the reset
    /// point. `Err` says how the server failed to do what it must.
    pub fn play(self, port: u16, seed: u64) -> Result<(), String> {
        let mut client = TcpStream::connect(("127.0.0.1", port))
            .map_err(|e| format!("could not connect: {e}"))?;
        client
            .set_read_timeout(Some(PATIENCE))
            .and_then(|()| client.set_write_timeout(Some(PATIENCE)))
            .map_err(|e| format!("socket timeouts: {e}"))?;
        match self {
            Kind::Reset => reset(client, seed),
            Kind::Slowloris => slowloris(&mut client),
            Kind::Idle => closed_by_server(&mut client, b""),
            Kind::NeverReads => never_reads(client),
            Kind::Garbage => {
                // The server may close while we still write: a reset here is its right.
                let _ = client.write_all(&[b'x'; 70 * 1024]);
                closed_by_server(&mut client, b"Error: question too long.")
            }
        }
    }
}

/// Sends a prefix of three questions chosen by `seed`, sometimes reads a little, resets.
fn reset(mut client: TcpStream, seed: u64) -> Result<(), String> {
    let questions = QUESTION.repeat(3);
    let cut = (seed as usize).wrapping_mul(7919) % (questions.len() + 1);
    // The server may have answered and we may be resetting: write errors are expected.
    let _ = client.write_all(&questions[..cut]);
    if seed.is_multiple_of(4) && cut >= QUESTION.len() {
        let _ = client.read(&mut [0; 3]);
    }
    abort(client)
}

/// Trickles a question a byte every 100 ms, for longer than any question timeout the soak
/// uses; the server must close the connection first.
fn slowloris(client: &mut TcpStream) -> Result<(), String> {
    client
        .set_nodelay(true)
        .map_err(|e| format!("TCP_NODELAY: {e}"))?;
    let trickle = (PATIENCE.as_millis() / 100) as usize;
    for &byte in QUESTION[..QUESTION.len() - 1].iter().cycle().take(trickle) {
        if client.write_all(&[byte]).is_err() {
            return Ok(()); // closed (or reset) by the server: what it must do
        }
        std::thread::sleep(Duration::from_millis(100));
        if server_closed_yet(client) {
            return Ok(());
        }
    }
    Err(format!(
        "still open after trickling for {} s",
        PATIENCE.as_secs()
    ))
}

/// Fills the socket with questions without reading, then resets.
fn never_reads(client: TcpStream) -> Result<(), String> {
    client
        .set_write_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| format!("write timeout: {e}"))?;
    let questions = QUESTION.repeat(2600);
    // Stops when a write times out (the server stopped reading) or fails.
    let mut sent = 0usize;
    while let Ok(n) = (&client).write(&questions) {
        sent += n;
        if sent > 64 * 1024 * 1024 {
            return Err("the server read 64 MiB without our reading an answer".into());
        }
    }
    abort(client)
}

/// Reads until the server closes the connection (EOF or reset): what it sent before must
/// end with `last_words`. Fails if it stays open for [`PATIENCE`].
fn closed_by_server(client: &mut TcpStream, last_words: &[u8]) -> Result<(), String> {
    let mut heard = Vec::new();
    match client.read_to_end(&mut heard) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            return Err(format!("still open after {} s", PATIENCE.as_secs()))
        }
        Err(e) => return Err(format!("read: {e}")),
    }
    if heard.ends_with(last_words) || heard.is_empty() && last_words.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "closed after saying {:?}, not {:?}",
            String::from_utf8_lossy(&heard),
            String::from_utf8_lossy(last_words)
        ))
    }
}

/// Whether the server has closed `client`, without waiting.
fn server_closed_yet(client: &mut TcpStream) -> bool {
    if client.set_nonblocking(true).is_err() {
        return false;
    }
    let closed = match client.read(&mut [0; 64]) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    };
    let _ = client.set_nonblocking(false);
    closed
}

/// Closes `client` with a reset (`SO_LINGER` 0) instead of a FIN.
fn abort(client: TcpStream) -> Result<(), String> {
    sockopt::set_socket_linger(&client, Some(Duration::ZERO))
        .map_err(|e| format!("SO_LINGER: {e}"))?;
    drop(client);
    Ok(())
}
