//! `poll`: a raw readiness loop, no futures (the seed's `srv_async.py`).
//!
//! One thread, one epoll instance, and a slab of per-connection state machines
//! (`Connection`, in `connection.rs`). `epoll_wait` says which sockets are ready; for each, the loop sends what
//! is owed and reads what has arrived, until the kernel says `EAGAIN`. Compared with the seed
//! it follows the lessons of `001_*.txt`: it reads right after `accept4` and writes right
//! away, and it registers a socket with epoll (once, edge-triggered) only when an operation
//! would block.
//!
//! This is what zenio's reactor and executor do for you. Here the state that an `async fn`
//! keeps in its local variables is spelled out in `Connection`, and the loop that an
//! `.await` hides is written by hand. (It uses rustix's epoll calls: `polling`'s
//! `Poller::add` is `unsafe`, and this crate has no `unsafe`.)
//!
//! Two more inputs share the loop. The stop signal's self-pipe sits in the epoll set: when
//! it fires, the loop accepts the clients still queued, closes the listener, and closes each
//! connection as soon as it is idle. And time: `epoll_wait` returns at least every
//! [`sweep_interval`], and the loop closes the connections whose time ran out ([`Limits`]).

mod connection;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::event::Timespec;
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::net::SocketFlags;
use slab::Slab;
use zenio::{AcceptAction, ACCEPT_PAUSE};

use crate::limits::Limits;
use crate::log;
use crate::protocol::Session;
use crate::shutdown::{ListenersOpen, StopPipe};
use crate::stop::{sweep_interval, Summary};
use connection::{Connection, Turn};

/// The epoll key of the listening socket; connections use their slab index.
const LISTENER: u64 = u64::MAX;

/// The epoll key of the stop signal's self-pipe.
const STOP: u64 = u64::MAX - 1;

/// The loop's state.
struct EventLoop<S> {
    /// The epoll instance.
    epoll: OwnedFd,
    /// The listening socket, until the stop signal closes it.
    listener: Option<TcpListener>,
    /// Every open connection, by epoll key.
    connections: Slab<Connection<S>>,
    /// The read buffer all connections share (each turn reads and answers at once).
    buffer: Vec<u8>,
    /// What the loop has served.
    summary: Summary,
    /// Timeouts and the connection cap.
    limits: Limits,
    /// Accepting is paused after running out of descriptors.
    accept_paused: bool,
    /// The connection cap was reached (for one log line per episode).
    at_limit: bool,
    /// Set by the stop signal: the end of the grace period.
    deadline: Option<Instant>,
    /// The next time to look for connections whose time ran out.
    next_sweep: Instant,
}

/// The readiness loop: serves on `listener` until a stop signal arrives on `pipe`, then
/// closes each connection once idle, for at most `grace`. Returns what it served.
pub fn serve<S: Session>(
    listener: TcpListener,
    pipe: StopPipe,
    grace: Duration,
    limits: Limits,
) -> io::Result<Summary> {
    let epoll = epoll::create(CreateFlags::CLOEXEC)?;
    let edge = EventFlags::IN | EventFlags::ET;
    epoll::add(&epoll, &listener, EventData::new_u64(LISTENER), edge)?;
    pipe.set_nonblocking()?;
    epoll::add(&epoll, &pipe, EventData::new_u64(STOP), edge)?;
    let mut state = EventLoop::<S> {
        epoll,
        listener: Some(listener),
        connections: Slab::new(),
        buffer: vec![0; 64 * 1024],
        summary: Summary::default(),
        limits,
        accept_paused: false,
        at_limit: false,
        deadline: None,
        next_sweep: Instant::now() + sweep_interval(&limits),
    };
    state.run(&pipe.listeners(), grace)
}

impl<S: Session> EventLoop<S> {
    /// The loop itself.
    fn run(&mut self, listeners: &ListenersOpen, grace: Duration) -> io::Result<Summary> {
        let mut events = Vec::with_capacity(1024);
        loop {
            // 1. Done once the grace period is over, or every connection has closed after
            //    the stop signal.
            let now = Instant::now();
            if let Some(deadline) = self.deadline {
                if now >= deadline || self.connections.is_empty() {
                    return Ok(self.summary);
                }
            }
            // 2. Wait for readiness, at most until the next sweep or the end of a pause.
            let timeout = self.timeout(now).and_then(|t| Timespec::try_from(t).ok());
            events.clear();
            match epoll::wait(&self.epoll, spare_capacity(&mut events), timeout.as_ref()) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(error) => return Err(error.into()),
            }
            if self.accept_paused {
                self.accept_all()?;
            }
            // 3. Run the state machine of every ready socket.
            for event in events.iter() {
                match event.data.u64() {
                    LISTENER => self.accept_all()?,
                    STOP => self.stop(listeners, grace)?,
                    key => self.turn(key as usize),
                }
            }
            // 4. Close the connections whose time ran out.
            if Instant::now() >= self.next_sweep {
                self.sweep();
            }
        }
    }

    /// How long the next `epoll_wait` may block.
    fn timeout(&self, now: Instant) -> Option<Duration> {
        let mut timeout = None::<Duration>;
        let mut bound = |t: Duration| timeout = Some(timeout.map_or(t, |u| u.min(t)));
        if !self.connections.is_empty() {
            bound(self.next_sweep.saturating_duration_since(now));
        }
        if self.accept_paused {
            bound(ACCEPT_PAUSE);
        }
        if let Some(deadline) = self.deadline {
            bound(deadline.saturating_duration_since(now));
        }
        timeout
    }

    /// Accepts every queued connection and gives each a first turn at once (it has probably
    /// sent its request already).
    fn accept_all(&mut self) -> io::Result<()> {
        let Some(listener) = self.listener.take() else {
            return Ok(());
        };
        let accepted = self.accept_from(&listener);
        self.listener = Some(listener);
        accepted
    }

    /// The body of [`accept_all`](Self::accept_all).
    fn accept_from(&mut self, listener: &TcpListener) -> io::Result<()> {
        self.accept_paused = false;
        loop {
            let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
            let (fd, peer) = match rustix::net::acceptfrom_with(listener, flags) {
                Ok(accepted) => accepted,
                Err(Errno::AGAIN) => return Ok(()),
                Err(errno) => match AcceptAction::of(&errno.into()) {
                    AcceptAction::Skip => continue,
                    AcceptAction::Pause => {
                        if !self.accept_paused {
                            tracing::warn!("accept failed ({errno}); pausing for {ACCEPT_PAUSE:?}");
                        }
                        self.accept_paused = true;
                        return Ok(());
                    }
                    AcceptAction::Fatal => return Err(errno.into()),
                },
            };
            // Over the connection cap: close at once, saying so once per episode.
            if self.connections.len() >= self.limits.max_connections {
                if !self.at_limit {
                    let max = self.limits.max_connections;
                    tracing::warn!("{max} connections open: closing new ones");
                }
                self.at_limit = true;
                continue;
            }
            self.at_limit = false;
            let peer = peer.and_then(|peer| SocketAddr::try_from(peer).ok());
            let peer = peer.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
            log::accepted(peer);
            let stopping = self.deadline.is_some();
            let connection = Connection::new(TcpStream::from(fd), peer, stopping);
            let key = self.connections.insert(connection);
            self.turn(key);
        }
    }

    /// The stop signal: accept the clients still queued, close the listener, wait for the
    /// other loops to close theirs, then close every connection as soon as it is idle.
    fn stop(&mut self, listeners: &ListenersOpen, grace: Duration) -> io::Result<()> {
        self.accept_all()?;
        self.listener = None;
        listeners.closed_and_wait_for_all(grace);
        self.deadline = Some(Instant::now() + grace);
        let keys: Vec<usize> = self.connections.iter().map(|(key, _)| key).collect();
        for key in keys {
            self.connections[key].stopping = true;
            self.turn(key);
        }
        Ok(())
    }

    /// Gives the connection `key` (if it still exists) a turn, and closes it if it ended.
    fn turn(&mut self, key: usize) {
        let Some(connection) = self.connections.get_mut(key) else {
            return;
        };
        if let Turn::Done(outcome) = connection.turn(&mut self.buffer, &self.epoll, key) {
            self.close(key, outcome);
        }
    }

    /// Closes every connection whose time has run out.
    fn sweep(&mut self) {
        let now = Instant::now();
        self.next_sweep = now + sweep_interval(&self.limits);
        let expired: Vec<_> = self
            .connections
            .iter()
            .filter_map(|(key, c)| c.clock.expired(now, &self.limits).map(|why| (key, why)))
            .collect();
        for (key, why) in expired {
            let timed_out = io::Error::new(io::ErrorKind::TimedOut, why.describe());
            self.close(key, Err(timed_out));
        }
    }

    /// Closes connection `key`, counts it and logs how it ended.
    fn close(&mut self, key: usize, outcome: io::Result<Option<String>>) {
        let connection = self.connections.remove(key);
        self.summary.add_connection(connection.session.answered());
        log::closed(connection.peer, outcome);
    }
}
