//! One client's state machine in the `poll` architecture: what an `async fn` would keep in
//! its local variables, spelled out.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

use rustix::event::epoll::{self, EventData, EventFlags};

use crate::arch::LINGER_LIMIT;
use crate::limits::Clock;
use crate::protocol::{Flow, Session};

/// One client's state between events.
pub struct Connection<S> {
    /// The socket (non-blocking).
    stream: TcpStream,
    /// The client's address, for log lines.
    pub peer: SocketAddr,
    /// The protocol state.
    pub session: S,
    /// When bytes last arrived and when the current request began.
    pub clock: Clock,
    /// Answers not yet sent.
    output: Vec<u8>,
    /// How much of `output` has been sent.
    sent: usize,
    /// The socket is in the epoll set.
    registered: bool,
    /// Close once `output` is sent: the session said so, or the client sent EOF.
    closing: Option<Option<String>>,
    /// Bytes discarded since the session rejected the client (`None`: not rejected); see
    /// [`Flow::Reject`]. It lingers until EOF, the byte limit or the request timeout.
    lingering: Option<usize>,
    /// The write side has been shut down (after a rejection).
    fin_sent: bool,
    /// The server is stopping: close as soon as idle.
    pub stopping: bool,
}

/// What one turn of a connection's state machine ended with.
pub enum Turn {
    /// The kernel said `EAGAIN`: wait for the next event.
    Waiting,
    /// The conversation is over; close the socket.
    Done(io::Result<Option<String>>),
}

impl<S: Session> Connection<S> {
    /// A connection just accepted (non-blocking, not registered yet).
    pub fn new(stream: TcpStream, peer: SocketAddr, stopping: bool) -> Connection<S> {
        Connection {
            stream,
            peer,
            session: S::default(),
            clock: Clock::new(Instant::now()),
            output: Vec::new(),
            sent: 0,
            registered: false,
            closing: None,
            lingering: None,
            fin_sent: false,
            stopping,
        }
    }

    /// Sends what is owed, then reads and answers, until the kernel says `EAGAIN` or the
    /// conversation ends. Edge-triggered epoll reports a change once, so each turn must go
    /// all the way to `EAGAIN`. A panic ends this connection only.
    pub fn turn(&mut self, buffer: &mut [u8], epoll: &impl AsFd, key: usize) -> Turn {
        panic::catch_unwind(AssertUnwindSafe(|| self.run(buffer, epoll, key)))
            .unwrap_or_else(|_| Turn::Done(Err(io::Error::other("the connection panicked"))))
    }

    /// The body of [`turn`](Self::turn).
    fn run(&mut self, buffer: &mut [u8], epoll: &impl AsFd, key: usize) -> Turn {
        loop {
            // 1. Send the answers owed. Until they are sent, read nothing more (so a client
            //    that never reads cannot make us buffer without bound).
            while self.sent < self.output.len() {
                match self.stream.write(&self.output[self.sent..]) {
                    Ok(n) => self.sent += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        return self.wait(epoll, key)
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Turn::Done(Err(e)),
                }
            }
            self.output.clear();
            self.sent = 0;
            // 2. Closing, and everything is sent: done. Rejected: send a FIN, keep reading.
            if let Some(unfinished) = self.closing.take() {
                return Turn::Done(Ok(unfinished));
            }
            if self.lingering.is_some() && !self.fin_sent {
                self.fin_sent = true;
                if let Err(e) = self.stream.shutdown(Shutdown::Write) {
                    return Turn::Done(Err(e));
                }
            }
            // 3. Read and answer (or, rejected, discard).
            match self.stream.read(buffer) {
                Ok(0) if self.lingering.is_some() => self.closing = Some(None),
                Ok(0) => self.closing = Some(self.session.unfinished_at_eof()),
                Ok(n) => self.received(&buffer[..n]),
                // Nothing more to read: idle. A stopping server closes idle connections.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && self.stopping => {
                    return Turn::Done(Ok(None))
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return self.wait(epoll, key),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Turn::Done(Err(e)),
            }
        }
    }

    /// Hands bytes read to the session (or discards them, once rejected).
    fn received(&mut self, bytes: &[u8]) {
        if let Some(discarded) = &mut self.lingering {
            *discarded += bytes.len();
            if *discarded > LINGER_LIMIT {
                self.closing = Some(None);
            }
            return;
        }
        match self.session.feed(bytes, &mut self.output) {
            Flow::Continue => {}
            Flow::Close => self.closing = Some(None),
            Flow::Reject => self.lingering = Some(0),
        }
        self.clock
            .on_read(Instant::now(), self.session.in_request());
    }

    /// The socket would block: register it on its first wait (`EPOLL_CTL_ADD`, both
    /// directions, edge-triggered), never again.
    fn wait(&mut self, epoll: &impl AsFd, key: usize) -> Turn {
        if !self.registered {
            let interest = EventFlags::IN | EventFlags::OUT | EventFlags::RDHUP | EventFlags::ET;
            let data = EventData::new_u64(key as u64);
            if let Err(error) = epoll::add(epoll, &self.stream, data, interest) {
                return Turn::Done(Err(error.into()));
            }
            self.registered = true;
        }
        Turn::Waiting
    }
}
