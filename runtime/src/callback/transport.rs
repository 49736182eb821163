//! `Transport`: what a [`Protocol`](super::Protocol) writes to, like asyncio's transport.
//!
//! `write` appends to an output buffer; the connection's task sends it with `send(2)` as soon
//! as the protocol's callback returns, so all the answers to one read leave in one syscall.
//! `close` closes the connection once the buffer is sent. If the protocol writes from outside a
//! callback (a timer, another task), the transport wakes the connection's task to send it.
//!
//! See chapter 11 of the book: `docs/11-callbacks-and-coroutines.md`.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::TcpStream;

/// `close()` was called: close once the output is sent.
const CLOSING: u8 = 1;
/// `close_when_idle()` was called: answer what the peer already sent, then close.
const CLOSING_WHEN_IDLE: u8 = 1 << 1;
/// `write_eof()` was called: shut down the write side once the output is sent.
const EOF_WANTED: u8 = 1 << 2;
/// The write side has been shut down.
const EOF_SENT: u8 = 1 << 3;
/// The connection's task waits: a write from elsewhere must wake it.
const PARKED: u8 = 1 << 4;

/// The write side of a connection, handed to [`Protocol::connection_made`](super::Protocol).
/// Cloning it gives another handle to the same connection.
#[derive(Clone)]
pub struct Transport {
    /// State shared with the connection's task.
    state: Rc<TransportState>,
}

/// The output buffer and flags of one connection.
struct TransportState {
    /// Bytes written by the protocol and not yet sent.
    output: RefCell<Vec<u8>>,
    /// How much of `output` the kernel has already taken. (A `u32`, to share a word with
    /// `flags`; a connection that waits with 4 GiB sent from one buffer drops them instead.)
    sent: Cell<u32>,
    /// `CLOSING`, `CLOSING_WHEN_IDLE`, `EOF_WANTED`, `EOF_SENT`, `PARKED`.
    flags: Cell<u8>,
    /// The peer's address.
    peer: SocketAddr,
    /// The connection's task, so that a write from elsewhere can wake it while it waits. Kept
    /// from one wait to the next (cloning a waker is an atomic increment).
    waiting_task: Cell<Option<Waker>>,
}

impl Transport {
    /// A transport for a new connection with `peer`.
    pub(crate) fn new(peer: SocketAddr) -> Transport {
        Transport {
            state: Rc::new(TransportState {
                output: RefCell::new(Vec::new()),
                sent: Cell::new(0),
                flags: Cell::new(0),
                peer,
                waiting_task: Cell::new(None),
            }),
        }
    }

    /// Queues `data` to be sent (asyncio's `transport.write(data)`). Ignored after
    /// [`write_eof`](Self::write_eof), like writing to a shut-down socket.
    pub fn write(&self, data: &[u8]) {
        self.write_with(|output| output.extend_from_slice(data));
    }

    /// Lets `encode` append straight to the output buffer, saving a copy.
    pub fn write_with<R>(&self, encode: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let mut output = self.state.output.borrow_mut();
        let before = output.len();
        let result = encode(&mut output);
        if self.has(EOF_WANTED) {
            output.truncate(before);
        }
        drop(output);
        self.wake_task();
        result
    }

    /// Closes the connection once everything written has been sent (asyncio's
    /// `transport.close()`).
    pub fn close(&self) {
        self.set(CLOSING);
        self.wake_task();
    }

    /// Closes the connection at once, dropping whatever is written and not yet sent
    /// (asyncio's `transport.abort()`): for a peer that stopped reading.
    pub fn abort(&self) {
        self.state.output.borrow_mut().clear();
        self.state.sent.set(0);
        self.close();
    }

    /// Closes the connection once it is idle: whatever the peer has already sent is read
    /// (with reads that do not wait) and handed to the protocol, its answers are sent, and
    /// then the connection closes. For graceful shutdown: no question already asked goes
    /// unanswered, and no connection is kept waiting for a question not yet asked.
    pub fn close_when_idle(&self) {
        self.set(CLOSING_WHEN_IDLE);
        self.wake_task();
    }

    /// Whether `close_when_idle` was called.
    pub(crate) fn is_closing_when_idle(&self) -> bool {
        self.has(CLOSING_WHEN_IDLE)
    }

    /// Sends a FIN once everything written has been sent: the peer reads EOF, and can still
    /// send (asyncio's `transport.write_eof()`). Nothing can be written after it.
    pub fn write_eof(&self) {
        self.set(EOF_WANTED);
        self.wake_task();
    }

    /// Whether `close` was called.
    pub fn is_closing(&self) -> bool {
        self.has(CLOSING)
    }

    /// The peer's address (asyncio's `transport.get_extra_info('peername')`).
    pub fn peer_addr(&self) -> SocketAddr {
        self.state.peer
    }

    /// Bytes written and not yet sent (asyncio's `transport.get_write_buffer_size()`).
    pub fn write_buffer_size(&self) -> usize {
        self.state.output.borrow().len() - self.state.sent.get() as usize
    }

    /// Wakes the connection's task if it is waiting (it is not while it runs a callback).
    fn wake_task(&self) {
        if self.has(PARKED) {
            self.unpark();
            if let Some(waker) = self.state.waiting_task.take() {
                waker.wake();
            }
        }
    }

    /// The connection's task is about to wait: remember its waker (unless it already has).
    pub(crate) fn park(&self, cx: &Context<'_>) {
        let slot = &self.state.waiting_task;
        let kept = slot.take().filter(|w| w.will_wake(cx.waker()));
        slot.set(Some(kept.unwrap_or_else(|| cx.waker().clone())));
        self.set(PARKED);
    }

    /// The connection's task is running: writes need no wake.
    pub(crate) fn unpark(&self) {
        self.state.flags.set(self.state.flags.get() & !PARKED);
    }

    /// The connection's task has ended: let go of its waker.
    pub(crate) fn release_task(&self) {
        self.state.waiting_task.take();
    }

    /// Sends the buffered output; `Ready(Ok)` once all of it is sent.
    pub(crate) fn poll_send(
        &self,
        stream: &TcpStream,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut output = self.state.output.borrow_mut();
        let mut sent = self.state.sent.get() as usize;
        if output.is_empty() && self.state.flags.get() & EOF_WANTED == 0 {
            return Poll::Ready(Ok(())); // nothing to do: the common case
        }
        while sent < output.len() {
            match stream.poll_write_with(cx, &output[sent..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => sent += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => {
                    if u32::try_from(sent).is_err() {
                        output.drain(..sent);
                        sent = 0;
                    }
                    self.state.sent.set(sent as u32);
                    return Poll::Pending;
                }
            }
        }
        output.clear();
        self.state.sent.set(0);
        drop(output);
        if self.state.flags.get() & (EOF_WANTED | EOF_SENT) == EOF_WANTED {
            self.set(EOF_SENT);
            stream.shutdown(std::net::Shutdown::Write)?;
        }
        Poll::Ready(Ok(()))
    }

    /// Whether `flag` is set.
    fn has(&self, flag: u8) -> bool {
        self.state.flags.get() & flag != 0
    }

    /// Sets `flag`.
    fn set(&self, flag: u8) {
        self.state.flags.set(self.state.flags.get() | flag);
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("peer", &self.state.peer)
            .field("buffered", &self.write_buffer_size())
            .field("closing", &self.is_closing())
            .finish()
    }
}
