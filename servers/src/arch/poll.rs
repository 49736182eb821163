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

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::event::Timespec;
use rustix::io::Errno;
use rustix::net::SocketFlags;
use slab::Slab;
use zenio::{AcceptAction, ACCEPT_PAUSE};

use super::{announce, listen::listen, LINGER_LIMIT};
use crate::log;
use crate::protocol::{Flow, Session};

/// The epoll key of the listening socket; connections use their slab index.
const LISTENER: u64 = u64::MAX;

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
}

/// What one turn of a connection's state machine ended with.
enum Turn {
    /// The kernel said `EAGAIN`: wait for the next event.
    Waiting,
    /// The conversation is over; close the socket.
    Done(io::Result<Option<String>>),
}

/// Binds `addr` and runs the loop.
pub fn run<S: Session>(addr: SocketAddr) -> io::Result<()> {
    let listener = listen(addr, true)?;
    announce(listener.local_addr()?)?;
    serve::<S>(&listener)
}

/// The readiness loop.
pub fn serve<S: Session>(listener: &TcpListener) -> io::Result<()> {
    let epoll = epoll::create(CreateFlags::CLOEXEC)?;
    let edge = EventFlags::IN | EventFlags::ET;
    epoll::add(&epoll, listener, EventData::new_u64(LISTENER), edge)?;
    let mut connections: Slab<Connection<S>> = Slab::new();
    let mut events = Vec::with_capacity(1024);
    let mut buffer = vec![0; 64 * 1024];
    let mut accept_paused = false;
    loop {
        // 1. Wait for readiness (or, after running out of descriptors, for the pause to end).
        let timeout = accept_paused.then(|| Timespec::try_from(ACCEPT_PAUSE).expect("small"));
        events.clear();
        match epoll::wait(&epoll, spare_capacity(&mut events), timeout.as_ref()) {
            Ok(_) | Err(Errno::INTR) => {}
            Err(error) => return Err(error.into()),
        }
        if accept_paused {
            accept_paused = accept_all(listener, &epoll, &mut connections, &mut buffer)?;
        }
        // 2. Run the state machine of every ready socket.
        for event in events.iter() {
            let key = event.data.u64();
            if key == LISTENER {
                accept_all(listener, &epoll, &mut connections, &mut buffer)
                    .map(|paused| accept_paused |= paused)?;
                continue;
            }
            let key = key as usize;
            let Some(connection) = connections.get_mut(key) else {
                continue;
            };
            if let Turn::Done(outcome) = connection.turn(&mut buffer, &epoll, key) {
                let connection = connections.remove(key);
                log::closed(connection.peer, outcome);
            }
        }
    }
}

/// Accepts every queued connection and gives each a first turn at once (it has probably
/// sent its request already). Returns whether accepting must pause (out of descriptors).
fn accept_all<S: Session>(
    listener: &TcpListener,
    epoll: &impl AsFd,
    connections: &mut Slab<Connection<S>>,
    buffer: &mut [u8],
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
        let entry = connections.vacant_entry();
        let key = entry.key();
        let connection = entry.insert(Connection {
            stream: TcpStream::from(fd),
            peer,
            session: S::default(),
            output: Vec::new(),
            sent: 0,
            registered: false,
            closing: None,
            lingering: None,
            fin_sent: false,
        });
        if let Turn::Done(outcome) = connection.turn(buffer, epoll, key) {
            connections.remove(key);
            log::closed(peer, outcome);
        }
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
