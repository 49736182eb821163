//! The conversation: one connection's policy, written once and sans-I/O.
//!
//! A protocol [`Session`] knows questions and answers. Around it, every server has the same
//! rules for a connection: answers are written before anything more is read (so a client
//! that never reads cannot make the server buffer without bound); a client silent for too
//! long, or too slow to finish a request, is closed ([`Limits`]); a client that broke the
//! protocol gets a *lingering close* (the answer, a FIN, then whatever it still sends is
//! read and thrown away, for at most [`LINGER_TIME`] and [`LINGER_LIMIT`] bytes, so that
//! closing with unread input does not make the kernel reset the connection and destroy the
//! answer); and once the server is stopping, the conversation takes a *last look*: it
//! answers what has already arrived, without waiting for more, and closes.
//!
//! A [`Conversation`] holds those rules and never touches a socket. An architecture feeds
//! it what happened (bytes read, EOF, a write that took some bytes, an error, the stop
//! signal, the time) and asks [`Conversation::next`] what to do: write these bytes, shut
//! down writing, wait for bytes until [`Conversation::deadline`], read without waiting, or
//! close. The architectures differ only in how they do it: a blocking `recv`, an epoll
//! loop, callbacks, or `.await`. asyncio leaves these rules to each `Protocol`; nginx keeps
//! them in its connection module (`ngx_http_set_lingering_close` is the lingering close).

mod clock;

pub use clock::{Clock, Expiry, Limits};

use std::io;
use std::time::{Duration, Instant};

use crate::protocol::{Flow, Session};

/// How long a rejected client (see [`Flow::Reject`]) may keep sending before the server
/// closes anyway.
pub const LINGER_TIME: Duration = Duration::from_secs(2);

/// How many bytes a rejected client may still send before the server closes anyway.
pub const LINGER_LIMIT: usize = 1 << 20;

thread_local! {
    /// The output buffer of this thread's conversations: lent to the one that has answers to
    /// write, and given back once they are written. So a connection waiting for its next
    /// request holds no buffer (as with the shared read buffers of the architectures); only
    /// one whose client is slow to read keeps one, and the next lender gets a new one.
    static SPARE_OUTPUT: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// One connection's state between events.
pub struct Conversation<S> {
    /// The protocol state.
    session: S,
    /// When the connection times out (idle, a request too slow to arrive, or the end of a
    /// lingering close).
    clock: Clock,
    /// Answers owed to the client; nothing more is read until they are written. Lent by
    /// [`SPARE_OUTPUT`] while it holds any.
    output: Vec<u8>,
    /// How much of `output` has been written (a `u32`, so that it shares its word with
    /// `stopping`: the answers to one read are far from 4 GiB).
    written: u32,
    /// Where the conversation stands.
    phase: Phase,
    /// The server is stopping: read only what has already arrived, then close.
    stopping: bool,
}

/// Where a conversation stands.
enum Phase {
    /// Reading requests and answering them.
    Talking,
    /// The client broke the protocol: after the answer, a FIN, then discard what it sends
    /// (until the clock's deadline).
    Lingering {
        /// The FIN has been sent.
        fin_sent: bool,
        /// Bytes discarded so far.
        discarded: usize,
    },
    /// Close once the output is written.
    Closing(Ending),
}

/// What to do next, from [`Conversation::next`].
#[derive(Debug, PartialEq, Eq)]
pub enum Next<'a> {
    /// Write these bytes (all or some), then report with [`Conversation::wrote`]. If the
    /// socket is full, wait until it is writable, or until the deadline.
    Write(&'a [u8]),
    /// Shut down the write side (send a FIN), then report with [`Conversation::shut_down`].
    ShutDown,
    /// Wait for bytes until [`Conversation::deadline`], then report what came with
    /// [`Conversation::received`] or [`Conversation::eof`], or just ask again when the
    /// deadline comes.
    Read,
    /// Read what has already arrived, without waiting, and report with
    /// [`Conversation::received`], [`Conversation::eof`] or, if nothing is there,
    /// [`Conversation::nothing_to_read`].
    ReadNow,
    /// Close the socket; [`Conversation::finish`] says how the conversation ended.
    Close,
}

/// How a conversation ended, for the log line.
#[derive(Debug)]
pub enum Ending {
    /// The client closed after whole requests, the protocol closed, or the server stopped.
    Clean,
    /// The client closed in the middle of a request; this describes what it sent.
    Unfinished(String),
    /// Its time ran out.
    Expired(Expiry),
    /// A read or write failed.
    Failed(io::Error),
}

impl<S: Session> Conversation<S> {
    /// A conversation with a client that connected at `now`.
    pub fn new(now: Instant, limits: &Limits) -> Conversation<S> {
        Conversation {
            session: S::default(),
            clock: Clock::new(now, limits.idle),
            output: Vec::new(),
            written: 0,
            phase: Phase::Talking,
            stopping: false,
        }
    }

    /// What to do now. Time is an input: past the deadline, the conversation closes. (Inlined:
    /// every step of every conversation asks it.)
    #[inline]
    pub fn next(&mut self, now: Instant) -> Next<'_> {
        if now >= self.deadline() {
            self.expire();
        }
        if !self.owed().is_empty() {
            return Next::Write(self.owed());
        }
        self.give_back_output(); // nothing owed: the lent buffer, if any, goes back
        match self.phase {
            Phase::Closing(_) => Next::Close,
            Phase::Lingering {
                fin_sent: false, ..
            } => Next::ShutDown,
            _ if self.stopping => Next::ReadNow,
            _ => Next::Read,
        }
    }

    /// What is owed and not yet written: what [`Next::Write`] offers.
    pub fn owed(&self) -> &[u8] {
        &self.output[self.written as usize..]
    }

    /// When the conversation closes unless something happens first: its clock's deadline
    /// (see [`Limits`]), or the end of a lingering close.
    pub fn deadline(&self) -> Instant {
        self.clock.deadline().0
    }

    /// Bytes arrived at `now`: the session answers them (or, lingering, they are dropped).
    pub fn received(&mut self, bytes: &[u8], now: Instant, limits: &Limits) {
        if matches!(self.phase, Phase::Talking) && self.output.capacity() == 0 {
            self.output = SPARE_OUTPUT.take();
        }
        let Conversation {
            session,
            clock,
            phase,
            output,
            ..
        } = self;
        take_in(session, clock, phase, bytes, now, limits, output);
    }

    /// [`received`](Self::received), for an architecture that keeps its own output buffer
    /// (the callback style's transport, which sends it once the callback returns): the
    /// answers are appended to `out`, and nothing is owed here. Call it only when nothing is
    /// owed ([`Next::Write`] done), so that the answers stay in order.
    pub fn received_into(
        &mut self,
        bytes: &[u8],
        now: Instant,
        limits: &Limits,
        out: &mut Vec<u8>,
    ) {
        debug_assert!(self.owed().is_empty(), "answers owed first");
        let (session, clock, phase) = (&mut self.session, &mut self.clock, &mut self.phase);
        take_in(session, clock, phase, bytes, now, limits, out);
    }

    /// A read ended: with bytes, with end of file (no bytes), or with an error. An error
    /// that only says nothing was there yet (`WouldBlock`, a blocking read's timeout, `EINTR`)
    /// ends the conversation at its last look ([`Next::ReadNow`]); otherwise it changes
    /// nothing: wait, then ask [`next`](Self::next) again.
    pub fn read_done(&mut self, read: io::Result<&[u8]>, now: Instant, limits: &Limits) {
        match read {
            Ok([]) => self.eof(),
            Ok(bytes) => self.received(bytes, now, limits),
            Err(error) if nothing_yet(&error) && self.stopping => self.nothing_to_read(),
            Err(error) if nothing_yet(&error) => {}
            Err(error) => self.failed(error),
        }
    }

    /// A write ended: it took `n` bytes, or failed (an error that only says "not now"
    /// changes nothing).
    pub fn write_done(&mut self, written: io::Result<usize>) {
        match written {
            Ok(n) => self.wrote(n),
            Err(error) if nothing_yet(&error) => {}
            Err(error) => self.failed(error),
        }
    }

    /// The client closed its side.
    pub fn eof(&mut self) {
        match self.phase {
            Phase::Talking => {
                let unfinished = self.session.unfinished_at_eof();
                self.phase = Phase::Closing(unfinished.map_or(Ending::Clean, Ending::Unfinished));
            }
            Phase::Lingering { .. } => self.phase = Phase::Closing(Ending::Clean),
            Phase::Closing(_) => {}
        }
    }

    /// The last look ([`Next::ReadNow`]) found nothing: the conversation is over.
    pub fn nothing_to_read(&mut self) {
        if !matches!(self.phase, Phase::Closing(_)) {
            self.phase = Phase::Closing(Ending::Clean);
        }
    }

    /// A write took `n` bytes of what [`Next::Write`] offered.
    pub fn wrote(&mut self, n: usize) {
        self.written += n as u32;
    }

    /// The FIN that [`Next::ShutDown`] asked for is sent.
    pub fn shut_down(&mut self) {
        if let Phase::Lingering { fin_sent, .. } = &mut self.phase {
            *fin_sent = true;
        }
    }

    /// A read or write failed: close at once, writing nothing more.
    pub fn failed(&mut self, error: io::Error) {
        self.give_back_output();
        self.phase = Phase::Closing(Ending::Failed(error));
    }

    /// The server is stopping: from now on, read only what has already arrived. (Telling it
    /// again changes nothing.)
    pub fn stop(&mut self) {
        self.stopping = true;
    }

    /// Requests answered so far, for the server's summary.
    pub fn answered(&self) -> u64 {
        self.session.answered()
    }

    /// How the conversation ended (after [`Next::Close`]; before, it is [`Ending::Clean`]).
    pub fn finish(self) -> Ending {
        match self.phase {
            Phase::Closing(ending) => ending,
            _ => Ending::Clean,
        }
    }

    /// The deadline passed: lingering ends cleanly, talking ends as expired, and what was
    /// still owed is dropped (the client is not reading it).
    fn expire(&mut self) {
        self.give_back_output();
        match self.phase {
            Phase::Talking => {
                self.phase = Phase::Closing(Ending::Expired(self.clock.deadline().1));
            }
            Phase::Lingering { .. } => self.phase = Phase::Closing(Ending::Clean),
            Phase::Closing(_) => {}
        }
    }

    /// Drops what is owed, and gives the buffer, if lent, back to [`SPARE_OUTPUT`].
    fn give_back_output(&mut self) {
        self.written = 0;
        self.output.clear();
        if self.output.capacity() > 0 {
            SPARE_OUTPUT.set(std::mem::take(&mut self.output));
        }
    }
}

/// What [`Conversation::received`] does, with the output buffer apart: the session answers
/// `bytes` into `out` (or, lingering, they are dropped). (Always inlined: it is every
/// request's step, and its callers pass it seven arguments.)
#[inline(always)]
fn take_in<S: Session>(
    session: &mut S,
    clock: &mut Clock,
    phase: &mut Phase,
    bytes: &[u8],
    now: Instant,
    limits: &Limits,
    out: &mut Vec<u8>,
) {
    match phase {
        Phase::Talking => {
            let flow = session.feed(bytes, out);
            clock.on_read(now, session.in_request(), limits);
            match flow {
                Flow::Continue => {}
                Flow::Close => *phase = Phase::Closing(Ending::Clean),
                Flow::Reject => {
                    *clock = Clock::new(now, LINGER_TIME);
                    *phase = Phase::Lingering {
                        fin_sent: false,
                        discarded: 0,
                    }
                }
            }
        }
        Phase::Lingering { discarded, .. } => {
            *discarded += bytes.len();
            if *discarded > LINGER_LIMIT {
                *phase = Phase::Closing(Ending::Clean);
            }
        }
        Phase::Closing(_) => {}
    }
}

/// Whether an I/O error only says that nothing could be done yet.
fn nothing_yet(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests;
