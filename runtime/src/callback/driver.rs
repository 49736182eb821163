//! The task behind each callback-style connection: read, call the protocol, send.
//!
//! Its loop, each time it is polled: send what the protocol wrote (at once, in one `send`);
//! if the transport is closing and everything is sent, stop; otherwise read and hand the bytes
//! to `data_received` (or, at EOF, call `eof_received`). While output is waiting to be sent it
//! does not read, so a client that never reads cannot make the server buffer without bound.
//! asyncio's `_SelectorSocketTransport` does this work with `_read_ready` and `_write_ready`.
//!
//! Reads go into one 64 KiB buffer per thread, not one per connection: callbacks cannot
//! await, so the buffer is free again when `data_received` returns. An idle connection then
//! costs only its protocol, its transport and its socket.
//!
//! See chapter 11 of the book: `docs/11-callbacks-and-coroutines.md`.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use super::{Protocol, Transport};
use crate::TcpStream;

/// The size of the shared read buffer.
const READ_BUFFER_SIZE: usize = 64 * 1024;

thread_local! {
    /// The read buffer shared by every connection of this thread.
    static READ_BUFFER: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_BUFFER_SIZE].into());
}

/// Runs one connection until it closes, then calls `connection_lost`.
///
/// A plain function returning a `poll_fn` that owns the connection, rather than an `async fn`:
/// an `async fn` keeps its arguments beside the locals it moves them into, so every
/// connection's task would hold its protocol twice.
pub(super) fn drive<P: Protocol>(
    stream: TcpStream,
    peer: SocketAddr,
    protocol: P,
) -> impl Future<Output = ()> {
    let mut connection = Some(Connection {
        stream,
        protocol,
        transport: Transport::new(peer),
        peer_closed: false,
        made: false,
    });
    poll_fn(move |cx| {
        let Some(open) = connection.as_mut() else {
            return Poll::Ready(()); // polled again after it finished: nothing left to do
        };
        if !open.made {
            open.made = true;
            open.protocol.connection_made(open.transport.clone());
        }
        open.transport.unpark();
        let outcome = match poll_connection(open, cx) {
            Poll::Pending => {
                open.transport.park(cx);
                return Poll::Pending;
            }
            Poll::Ready(outcome) => outcome,
        };
        open.transport.release_task();
        if let Some(Connection {
            stream,
            mut protocol,
            ..
        }) = connection.take()
        {
            drop(stream);
            protocol.connection_lost(outcome.err());
        }
        Poll::Ready(())
    })
}

/// One connection's state, owned by its task.
struct Connection<P> {
    /// The socket.
    stream: TcpStream,
    /// The user's callbacks.
    protocol: P,
    /// The protocol's handle for writing and closing.
    transport: Transport,
    /// The peer has sent EOF.
    peer_closed: bool,
    /// `connection_made` has been called (on the first poll, in the task).
    made: bool,
}

/// One turn of the connection's loop; see the module docs.
fn poll_connection<P: Protocol>(
    connection: &mut Connection<P>,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    let Connection {
        stream,
        protocol,
        transport,
        peer_closed,
        ..
    } = connection;
    loop {
        // 1. Send what the protocol wrote; wait (without reading) if the socket is full.
        if transport.poll_send(stream, cx)?.is_pending() {
            return Poll::Pending;
        }
        // 2. Closing, and everything is sent: done.
        if transport.is_closing() {
            return Poll::Ready(Ok(()));
        }
        // 3. The peer sent EOF and the protocol kept the connection open: wait for it to
        //    write or close (or close now, if closing once idle).
        if *peer_closed {
            if !transport.is_closing_when_idle() {
                return Poll::Pending;
            }
            transport.close();
            continue;
        }
        // 4. Read, and hand the bytes to the protocol.
        match READ_BUFFER
            .with_borrow_mut(|buffer| read_into(stream, transport, protocol, buffer, cx))
        {
            Step::Pending => return Poll::Pending,
            Step::Failed(error) => return Poll::Ready(Err(error)),
            Step::Eof => {
                *peer_closed = true;
                if !protocol.eof_received() {
                    transport.close();
                }
            }
            Step::Idle => transport.close(),
            Step::Data => {}
        }
    }
}

/// What one read brought.
enum Step {
    /// Bytes, already handed to `data_received`.
    Data,
    /// The peer closed its side.
    Eof,
    /// Nothing there, and the transport is closing once idle: close now.
    Idle,
    /// Nothing there: wait for readiness.
    Pending,
    /// The read failed.
    Failed(io::Error),
}

/// Reads once into `buffer` and hands what came to the protocol. When the transport is
/// closing once idle, reads without waiting: finding nothing means the connection is idle.
fn read_into<P: Protocol>(
    stream: &TcpStream,
    transport: &Transport,
    protocol: &mut P,
    buffer: &mut [u8],
    cx: &mut Context<'_>,
) -> Step {
    let read = if transport.is_closing_when_idle() {
        match stream.try_read(buffer) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Idle,
            result => result,
        }
    } else {
        match stream.poll_read_with(cx, buffer) {
            Poll::Ready(result) => result,
            Poll::Pending => return Step::Pending,
        }
    };
    match read {
        Ok(0) => Step::Eof,
        Ok(n) => {
            protocol.data_received(&buffer[..n]);
            Step::Data
        }
        Err(error) => Step::Failed(error),
    }
}
