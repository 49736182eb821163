//! The two wire protocols, written sans-I/O: bytes in, answers out.
//!
//! A protocol session never touches a socket. The server reads some bytes (with `read`,
//! `recv` or whatever its architecture uses), hands them to the session's `feed`, and
//! writes whatever the session appended to its output buffer. The session remembers
//! whatever it needs between reads: half a question, the unread part of a request body.
//!
//! Because of that split, every architecture in this crate (serial, threads, prefork, the
//! poll loop, callbacks, coroutines) runs the same protocol code, and only the way it
//! waits for bytes differs. asyncio draws the same line: a `Protocol`'s `data_received`
//! gets bytes and calls `transport.write`, and never does I/O of its own.
//!
//! - [`zen`]: questions ending in `?` get Zen of Python answers ending in `.`.
//! - [`hello`]: HTTP/1.1 requests get `hello`.

pub mod hello;
pub mod zen;

pub use hello::HelloSession;
pub use zen::ZenSession;

/// What the connection should do once the output of a `feed` call has been written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep the connection open and read more bytes.
    Continue,
    /// Write all the output, then close the connection; later input is ignored.
    Close,
    /// The client broke the protocol and the output says why (`Error: question too long.`,
    /// `400`, `431`). The client is probably still sending, and closing a socket with unread
    /// input makes the kernel send a reset that can destroy the answer before the client
    /// reads it. So: write the output, shut down the write side (FIN), read and discard until
    /// the client closes (a "lingering close", as nginx and Apache do), then close.
    Reject,
}

/// One connection's protocol state, the way every architecture drives it (through a
/// [`Conversation`](crate::conversation::Conversation)): feed it the bytes read, write what
/// it appends, and ask it at EOF what was left unfinished.
pub trait Session: Default + 'static {
    /// Takes bytes read from the client and appends the answers now owed to `out`.
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Flow;

    /// The client closed its side: describes what it started and never finished (for the
    /// "sent ... but then closed" log line), or `None` if it ended cleanly.
    fn unfinished_at_eof(&mut self) -> Option<String>;

    /// How many requests (questions) this session has answered, for the server's summary.
    fn answered(&self) -> u64;

    /// Whether a request has begun and not ended: the clock of `--question-timeout` runs.
    fn in_request(&self) -> bool;
}
