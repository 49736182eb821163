//! One client connection: a non-blocking socket, the requests in flight on it, and the bytes
//! that lie between reads.
//!
//! The socket is made with `socket(SOCK_NONBLOCK)` and `connect`, which returns
//! `EINPROGRESS` at once; it goes into the epoll set a single time, edge-triggered, for
//! `EPOLLIN | EPOLLOUT | EPOLLRDHUP`, and is never modified. Every operation follows the
//! same rule: try the syscall; if it says `EAGAIN`, keep what is left and wait for the next
//! event. A write on a socket whose handshake is still under way also says `EAGAIN` (Linux
//! waits for the handshake in `send`), so a request may be written before we know the
//! connection is up, and the `EPOLLOUT` that ends the handshake sends it.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::OwnedFd;
use std::time::Instant;

use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketFlags, SocketType};

use super::record::Failure;
use super::workload::{Cut, Workload};

/// A request on the wire: when its latency started and the answer it must get.
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    /// When the request was handed to the kernel (in `close` mode: when `connect` began);
    /// with `--rate`, when it was due, which may be earlier.
    pub since: Instant,
    /// The exact answer a correct server gives.
    pub expected: &'static [u8],
}

/// How a read ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Everything that had arrived has been read; wait for the next event.
    Drained,
    /// The server closed its side (`read` returned 0).
    Eof,
}

/// One client connection.
pub struct Connection {
    /// The socket: non-blocking, and in the epoll set once, edge-triggered.
    stream: TcpStream,
    /// Whether the handshake is known to have completed.
    connected: bool,
    /// When `connect` was called; the handshake's clock for `--timeout`.
    opened: Instant,
    /// Requests sent and not yet answered, oldest first.
    in_flight: VecDeque<Pending>,
    /// The start of an answer that the last read cut short; empty between answers. Only an
    /// answer split across reads is copied here.
    partial: Vec<u8>,
    /// Request bytes the kernel had no room for yet; sent on the next `EPOLLOUT`.
    unsent: Vec<u8>,
    /// When we hung up (one-question mode), and so began waiting for the server's EOF.
    hung_up: Option<Instant>,
}

impl Connection {
    /// Begins connecting to `addr`, and puts the socket in `epoll` under `key`. `nodelay`
    /// turns off Nagle's algorithm, so that each small request goes out at once rather than
    /// when the previous one is acknowledged; a connection that carries one request has no
    /// use for it.
    pub fn open(
        addr: SocketAddr,
        epoll: &OwnedFd,
        key: u64,
        now: Instant,
        nodelay: bool,
    ) -> io::Result<Self> {
        let family = match addr {
            SocketAddr::V4(_) => AddressFamily::INET,
            SocketAddr::V6(_) => AddressFamily::INET6,
        };
        let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
        let socket = rustix::net::socket_with(family, SocketType::STREAM, flags, None)?;
        if nodelay {
            rustix::net::sockopt::set_tcp_nodelay(&socket, true)?;
        }
        match rustix::net::connect(&socket, &addr) {
            Ok(()) | Err(Errno::INPROGRESS) => {}
            Err(error) => return Err(error.into()),
        }
        let interest = EventFlags::IN | EventFlags::OUT | EventFlags::RDHUP | EventFlags::ET;
        epoll::add(epoll, &socket, EventData::new_u64(key), interest)?;
        Ok(Self {
            stream: TcpStream::from(socket),
            connected: false,
            opened: now,
            in_flight: VecDeque::new(),
            partial: Vec::new(),
            unsent: Vec::new(),
            hung_up: None,
        })
    }

    /// Whether the handshake is known to have completed.
    pub fn connected(&self) -> bool {
        self.connected
    }

    /// Requests sent and not yet answered.
    pub fn owed(&self) -> usize {
        self.in_flight.len()
    }

    /// Since when this connection has been waiting for the server: for the handshake, for
    /// the oldest answer, or for the EOF after we hung up. `None` when it waits for nothing.
    pub fn waiting_since(&self) -> Option<Instant> {
        if self.connected {
            let answer = self.in_flight.front().map(|pending| pending.since);
            answer.or(self.hung_up)
        } else {
            Some(self.opened)
        }
    }

    /// Asks `SO_ERROR` how the handshake went, after an event said the socket changed.
    ///
    /// Returns whether it has completed; an error means it failed (refused, unreachable).
    pub fn check_handshake(&mut self) -> Result<bool, Failure> {
        match rustix::net::sockopt::socket_error(&self.stream) {
            Ok(Ok(())) => {
                // No error yet; a connected socket has a peer address, a connecting one not.
                self.connected = self.stream.peer_addr().is_ok();
                Ok(self.connected)
            }
            Ok(Err(_)) | Err(_) => Err(Failure::Connect),
        }
    }

    /// Sends `bytes` carrying `requests`, or keeps what the kernel will not take yet.
    pub fn send(
        &mut self,
        bytes: &[u8],
        requests: impl IntoIterator<Item = Pending>,
    ) -> Result<(), Failure> {
        self.in_flight.extend(requests);
        if !self.unsent.is_empty() {
            // Earlier bytes are waiting for EPOLLOUT; these go after them.
            self.unsent.extend_from_slice(bytes);
            return Ok(());
        }
        let written = write_some(&self.stream, bytes).map_err(|error| self.failure(error))?;
        self.connected |= written > 0;
        self.unsent.extend_from_slice(&bytes[written..]);
        Ok(())
    }

    /// The socket is writable (or the handshake ended): sends what was kept back.
    pub fn flush(&mut self) -> Result<(), Failure> {
        if self.unsent.is_empty() {
            return Ok(());
        }
        let written =
            write_some(&self.stream, &self.unsent).map_err(|error| self.failure(error))?;
        self.connected |= written > 0;
        self.unsent.drain(..written);
        Ok(())
    }

    /// Reads what has arrived into `buf`, cuts it into answers, and calls `answered` with
    /// each answer's request and whether the answer was right.
    ///
    /// `flags` are the event's: after `EPOLLRDHUP` (the server's FIN has arrived) no later
    /// edge will come, so this read must find the EOF; after `EPOLLERR`, the error.
    pub fn receive(
        &mut self,
        buf: &mut [u8],
        flags: EventFlags,
        workload: Workload,
        mut answered: impl FnMut(Pending, bool),
    ) -> Result<Received, Failure> {
        loop {
            // 1. One read; 0 bytes means EOF, EAGAIN means nothing more for now.
            let read = match (&self.stream).read(buf) {
                Ok(0) => return Ok(Received::Eof),
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(Received::Drained)
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(self.failure(error)),
            };
            self.connected = true;
            // 2. Cut the answers out of it and check each.
            self.cut(&buf[..read], workload, &mut answered)?;
            // 3. A short read emptied the socket's receive queue. Anything that arrives
            //    later brings a new edge, so stop here and save the read that would say
            //    EAGAIN (tokio makes the same inference); and if the FIN had arrived before
            //    the event, nothing can follow it: this was the EOF, and a read would say 0.
            //    After EPOLLERR, read on to collect the error.
            if read < buf.len() && !flags.contains(EventFlags::ERR) {
                return Ok(if flags.intersects(EventFlags::RDHUP | EventFlags::HUP) {
                    Received::Eof
                } else {
                    Received::Drained
                });
            }
        }
    }

    /// Hangs up: `shutdown(SHUT_WR)` sends our FIN, and the server, reading EOF, closes its
    /// side, which ends the conversation. Once only.
    pub fn hang_up(&mut self, now: Instant) -> Result<(), Failure> {
        if self.hung_up.is_none() {
            self.hung_up = Some(now);
            rustix::net::shutdown(&self.stream, rustix::net::Shutdown::Write)
                .map_err(|error| self.failure(error.into()))?;
        }
        Ok(())
    }

    /// The server closed a `close`-mode connection: everything it sent is the answer.
    /// Returns the request and whether the answer was right, or `None` if nothing came.
    pub fn answer_at_eof(&mut self) -> Option<(Pending, bool)> {
        if self.partial.is_empty() {
            return None;
        }
        let pending = self.in_flight.pop_front()?;
        let right = self.partial == pending.expected;
        self.partial.clear();
        Some((pending, right))
    }

    /// Cuts `input`, with whatever an earlier read left, into answers.
    fn cut(
        &mut self,
        input: &[u8],
        workload: Workload,
        answered: &mut impl FnMut(Pending, bool),
    ) -> Result<(), Failure> {
        // An answer split across reads: join its pieces first. (Rare, so we copy.)
        let joined = if self.partial.is_empty() {
            None
        } else {
            let mut joined = std::mem::take(&mut self.partial);
            joined.extend_from_slice(input);
            Some(joined)
        };
        let mut rest = joined.as_deref().unwrap_or(input);
        while !rest.is_empty() {
            let expected = self
                .in_flight
                .front()
                .map_or(&b""[..], |pending| pending.expected);
            match workload.cut(rest, expected) {
                Cut::Answer(length) => {
                    // An answer to a request we never sent cannot be checked: give up.
                    let pending = self.in_flight.pop_front().ok_or(Failure::Garbled)?;
                    answered(pending, rest[..length] == *pending.expected);
                    rest = &rest[length..];
                }
                Cut::Incomplete => break,
                Cut::Garbled => return Err(Failure::Garbled),
            }
        }
        // Keep the start of the next answer for the next read.
        self.partial.extend_from_slice(rest);
        Ok(())
    }

    /// What an I/O error means here: before the handshake is known to have completed, a
    /// failed connection; after, a failed read or write.
    fn failure(&self, error: io::Error) -> Failure {
        let refused = matches!(
            error.kind(),
            io::ErrorKind::ConnectionRefused
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
        );
        if refused || !self.connected {
            Failure::Connect
        } else {
            Failure::Io
        }
    }
}

/// Writes as much of `bytes` as the kernel takes; returns how much that was. The one place
/// where "try the syscall, stop at `EAGAIN`" is written for writes.
fn write_some(stream: &TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < bytes.len() {
        match (&*stream).write(&bytes[written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(some) => written += some,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(written)
}
