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
    /// How much of `output` the kernel has already taken.
    sent: Cell<usize>,
    /// `close()` was called: close once `output` is sent.
    closing: Cell<bool>,
    /// `close_when_idle()` was called: answer what the peer already sent, then close.
    closing_when_idle: Cell<bool>,
    /// `write_eof()` was called: shut down the write side once `output` is sent.
    eof_wanted: Cell<bool>,
    /// The write side has been shut down.
    eof_sent: Cell<bool>,
    /// The peer's address.
    peer: SocketAddr,
    /// The connection's task while it waits, so that a write from elsewhere can wake it.
    waiting_task: Cell<Option<Waker>>,
}

impl Transport {
    /// A transport for a new connection with `peer`.
    pub(crate) fn new(peer: SocketAddr) -> Transport {
        Transport {
            state: Rc::new(TransportState {
                output: RefCell::new(Vec::new()),
                sent: Cell::new(0),
                closing: Cell::new(false),
                closing_when_idle: Cell::new(false),
                eof_wanted: Cell::new(false),
                eof_sent: Cell::new(false),
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
        if self.state.eof_wanted.get() {
            output.truncate(before);
        }
        drop(output);
        self.wake_task();
        result
    }

    /// Closes the connection once everything written has been sent (asyncio's
    /// `transport.close()`).
    pub fn close(&self) {
        self.state.closing.set(true);
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
        self.state.closing_when_idle.set(true);
        self.wake_task();
    }

    /// Whether `close_when_idle` was called.
    pub(crate) fn is_closing_when_idle(&self) -> bool {
        self.state.closing_when_idle.get()
    }

    /// Sends a FIN once everything written has been sent: the peer reads EOF, and can still
    /// send (asyncio's `transport.write_eof()`). Nothing can be written after it.
    pub fn write_eof(&self) {
        self.state.eof_wanted.set(true);
        self.wake_task();
    }

    /// Whether `close` was called.
    pub fn is_closing(&self) -> bool {
        self.state.closing.get()
    }

    /// The peer's address (asyncio's `transport.get_extra_info('peername')`).
    pub fn peer_addr(&self) -> SocketAddr {
        self.state.peer
    }

    /// Bytes written and not yet sent (asyncio's `transport.get_write_buffer_size()`).
    pub fn write_buffer_size(&self) -> usize {
        self.state.output.borrow().len() - self.state.sent.get()
    }

    /// Wakes the connection's task if it is waiting (it is not while it runs a callback).
    fn wake_task(&self) {
        if let Some(waker) = self.state.waiting_task.take() {
            waker.wake();
        }
    }

    /// The connection's task is about to wait: remember its waker.
    pub(crate) fn park(&self, cx: &Context<'_>) {
        self.state.waiting_task.set(Some(cx.waker().clone()));
    }

    /// The connection's task is running: writes need no wake.
    pub(crate) fn unpark(&self) {
        self.state.waiting_task.set(None);
    }

    /// Sends the buffered output; `Ready(Ok)` once all of it is sent.
    pub(crate) fn poll_send(
        &self,
        stream: &TcpStream,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut output = self.state.output.borrow_mut();
        while self.state.sent.get() < output.len() {
            let n = match stream.poll_write_with(cx, &output[self.state.sent.get()..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            };
            self.state.sent.set(self.state.sent.get() + n);
        }
        output.clear();
        self.state.sent.set(0);
        if self.state.eof_wanted.get() && !self.state.eof_sent.replace(true) {
            stream.shutdown(std::net::Shutdown::Write)?;
        }
        Poll::Ready(Ok(()))
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
