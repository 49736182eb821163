//! `poll`: a raw readiness loop, no futures (the seed's `srv_async.py`).
//!
//! One thread, one epoll instance, and a slab of per-connection state machines. `epoll_wait`
//! says which sockets are ready; for each, the loop sends what is owed and reads what has
//! arrived, until the kernel says `EAGAIN`. Compared with the seed it follows the lessons of
//! `001_*.txt`: it reads right after `accept4` and writes right away, and it registers a
//! socket with epoll (once, edge-triggered) only when an operation would block.
//!
//! This is what zenio's reactor and executor do for you. Here the state that an `async fn`
//! keeps in its local variables (what was read, what is left to send, whether we are
//! closing) is spelled out in [`Connection`], and the loop that an `.await` hides is written
//! by hand. (It uses rustix's epoll calls: `polling`'s `Poller::add` is `unsafe`, and this
//! crate has no `unsafe`.)
//!
//! Shutdown is one more input: the stop signal's self-pipe sits in the same epoll set. When
//! it fires, the loop closes the listener and closes each connection as soon as it is idle
//! (its last read said `EAGAIN` and nothing is left to send).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::event::Timespec;
use rustix::io::Errno;
use rustix::net::SocketFlags;
use slab::Slab;
use zenio::{AcceptAction, ACCEPT_PAUSE};

use super::LINGER_LIMIT;
use crate::log;
use crate::protocol::{Flow, Session};
use crate::shutdown::StopPipe;
use crate::stop::Summary;

/// The epoll key of the listening socket; connections use their slab index.
const LISTENER: u64 = u64::MAX;

/// The epoll key of the stop signal's self-pipe.
const STOP: u64 = u64::MAX - 1;

/// One client's state between events.
struct Connection<S> {
    /// The socket (non-blocking).
    stream: TcpStream,
    /// The client's address, for log lines.
    peer: SocketAddr,
    /// The protocol state.
    session: S,
    /// Answers not yet sent.
    output: Vec<u8>,
    /// How much of `output` has been sent.
    sent: usize,
    /// The socket is in the epoll set.
    registered: bool,
    /// Close once `output` is sent: the session said so, or the client sent EOF.
    closing: Option<Option<String>>,
    /// Bytes discarded since the session rejected the client (`None`: not rejected); see
    /// [`Flow::Reject`]. (This loop has no timers, so it lingers until EOF or the limit.)
    lingering: Option<usize>,
    /// The write side has been shut down (after a rejection).
    fin_sent: bool,
    /// The server is stopping: close as soon as idle.
    stopping: bool,
}

/// What one turn of a connection's state machine ended with.
enum Turn {
    /// The kernel said `EAGAIN`: wait for the next event.
    Waiting,
    /// The conversation is over; close the socket.
    Done(io::Result<Option<String>>),
}

/// The readiness loop: serves on `listener` until a stop signal arrives on `pipe`, then
/// closes each connection once idle, for at most `grace`. Returns what it served.
pub fn serve<S: Session>(
    listener: TcpListener,
    pipe: StopPipe,
    grace: Duration,
) -> io::Result<Summary> {
    let epoll = epoll::create(CreateFlags::CLOEXEC)?;
    let edge = EventFlags::IN | EventFlags::ET;
    epoll::add(&epoll, &listener, EventData::new_u64(LISTENER), edge)?;
    pipe.set_nonblocking()?;
    epoll::add(&epoll, &pipe, EventData::new_u64(STOP), edge)?;
    let listeners = pipe.listeners();
    let mut listener = Some(listener);
    let mut connections: Slab<Connection<S>> = Slab::new();
    let mut summary = Summary::default();
    let mut events = Vec::with_capacity(1024);
    let mut buffer = vec![0; 64 * 1024];
    let mut accept_paused = false;
    let mut deadline: Option<Instant> = None;
    loop {
        // 1. Wait for readiness (or for a pause in accepting, or the grace period, to end).
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) || (deadline.is_some() && connections.is_empty()) {
            return Ok(summary);
        }
        let timeout = match (deadline, accept_paused) {
            (Some(deadline), _) => Some(deadline - now),
            (None, true) => Some(ACCEPT_PAUSE),
            (None, false) => None,
        };
        let timeout = timeout.and_then(|t| Timespec::try_from(t).ok());
        events.clear();
        match epoll::wait(&epoll, spare_capacity(&mut events), timeout.as_ref()) {
            Ok(_) | Err(Errno::INTR) => {}
            Err(error) => return Err(error.into()),
        }
        if let (true, Some(listener)) = (accept_paused, &listener) {
            accept_paused = accept_all(
                listener,
                &epoll,
                &mut connections,
                &mut buffer,
                &mut summary,
            )?;
        }
        // 2. Run the state machine of every ready socket.
        for event in events.iter() {
            match event.data.u64() {
                LISTENER => {
                    if let Some(listener) = &listener {
                        accept_paused |= accept_all(
                            listener,
                            &epoll,
                            &mut connections,
                            &mut buffer,
                            &mut summary,
                        )?;
                    }
                }
                STOP => {
                    // 3. Stop: accept the clients still queued, close the listener, wait for
                    //    the other loops to close theirs, then close every connection as soon
                    //    as it is idle.
                    if let Some(listener) = listener.take() {
                        accept_all(
                            &listener,
                            &epoll,
                            &mut connections,
                            &mut buffer,
                            &mut summary,
                        )?;
                    }
                    listeners.closed_and_wait_for_all(grace);
                    deadline = Some(Instant::now() + grace);
                    let keys: Vec<usize> = connections.iter().map(|(key, _)| key).collect();
                    for key in keys {
                        connections[key].stopping = true;
                        run_turn(&mut connections, key, &mut buffer, &epoll, &mut summary);
                    }
                }
                key => run_turn(
                    &mut connections,
                    key as usize,
                    &mut buffer,
                    &epoll,
                    &mut summary,
                ),
            }
        }
    }
}

/// Gives the connection `key` (if it still exists) a turn, and removes it if it ended.
fn run_turn<S: Session>(
    connections: &mut Slab<Connection<S>>,
    key: usize,
    buffer: &mut [u8],
    epoll: &impl AsFd,
    summary: &mut Summary,
) {
    let Some(connection) = connections.get_mut(key) else {
        return;
    };
    if let Turn::Done(outcome) = connection.turn(buffer, epoll, key) {
        let connection = connections.remove(key);
        summary.add_connection(connection.session.answered());
        log::closed(connection.peer, outcome);
    }
}

/// Accepts every queued connection and gives each a first turn at once (it has probably
/// sent its request already). Returns whether accepting must pause (out of descriptors).
fn accept_all<S: Session>(
    listener: &TcpListener,
    epoll: &impl AsFd,
    connections: &mut Slab<Connection<S>>,
    buffer: &mut [u8],
    summary: &mut Summary,
) -> io::Result<bool> {
    loop {
        let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
        let (fd, peer) = match rustix::net::acceptfrom_with(listener, flags) {
            Ok(accepted) => accepted,
            Err(Errno::AGAIN) => return Ok(false),
            Err(errno) => match AcceptAction::of(&errno.into()) {
                AcceptAction::Skip => continue,
                AcceptAction::Pause => {
                    tracing::warn!("accept failed ({errno}); pausing for {ACCEPT_PAUSE:?}");
                    return Ok(true);
                }
                AcceptAction::Fatal => return Err(errno.into()),
            },
        };
        let peer = peer.and_then(|peer| SocketAddr::try_from(peer).ok());
        let peer = peer.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
        log::accepted(peer);
        let key = connections.insert(Connection {
            stream: TcpStream::from(fd),
            peer,
            session: S::default(),
            output: Vec::new(),
            sent: 0,
            registered: false,
            closing: None,
            lingering: None,
            fin_sent: false,
            stopping: false,
        });
        run_turn(connections, key, buffer, epoll, summary);
    }
}

impl<S: Session> Connection<S> {
    /// Sends what is owed, then reads and answers, until the kernel says `EAGAIN` or the
    /// conversation ends. Edge-triggered epoll reports a change once, so each turn must go
    /// all the way to `EAGAIN`.
    fn turn(&mut self, buffer: &mut [u8], epoll: &impl AsFd, key: usize) -> Turn {
        loop {
            // 1. Send the answers owed. Until they are sent, read nothing more.
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
                Ok(n) => match &mut self.lingering {
                    Some(discarded) => {
                        *discarded += n;
                        if *discarded > LINGER_LIMIT {
                            self.closing = Some(None);
                        }
                    }
                    None => match self.session.feed(&buffer[..n], &mut self.output) {
                        Flow::Continue => {}
                        Flow::Close => self.closing = Some(None),
                        Flow::Reject => self.lingering = Some(0),
                    },
                },
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

    /// The socket would block: register it on its first wait (`EPOLL_CTL_ADD`, both
    /// directions, edge-triggered), never again.
    fn wait(&mut self, epoll: &impl AsFd, key: usize) -> Turn {
        if !self.registered {
            let interest = EventFlags::IN | EventFlags::OUT | EventFlags::RDHUP | EventFlags::ET;
            if let Err(error) = epoll::add(
                epoll,
                &self.stream,
                EventData::new_u64(key as u64),
                interest,
            ) {
                return Turn::Done(Err(error.into()));
            }
            self.registered = true;
        }
        Turn::Waiting
    }
}
