//! `poll`: a raw readiness loop, no futures (the seed's `srv_async.py`).
//!
//! One thread, one epoll instance, and a slab of connections (`connection.rs`), each a socket
//! and its [`Conversation`](crate::conversation::Conversation). `epoll_wait` says which
//! sockets are ready; for each, the loop does what its conversation asks (send what is owed,
//! read what has arrived) until the kernel says `EAGAIN`. Compared with the seed it follows
//! the lessons of `001_*.txt`: it reads right after `accept4` and writes right away, and it
//! registers a socket with epoll (once, edge-triggered) only when an operation would block.
//!
//! This is what zenio's reactor and executor do for you. Here the state that an `async fn`
//! keeps in its local variables lives in the slab, and the loop that an `.await` hides is
//! written by hand. (It uses rustix's epoll calls: `polling`'s `Poller::add` is `unsafe`,
//! and this crate has no `unsafe`.)
//!
//! Two more inputs share the loop. The stop signal's self-pipe sits in the epoll set: when
//! it fires, the loop accepts the clients still queued and closes the listener, and once
//! every loop's listener is closed it drains (see [`shutdown`](crate::shutdown)). And time:
//! `epoll_wait` returns at least every
//! [`Limits::sweep_interval`], and the loop gives a turn to the
//! connections whose deadline has passed, which then close.

mod connection;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::event::Timespec;
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::net::SocketFlags;
use slab::Slab;

use crate::accept::{AcceptAction, AcceptPolicy, ACCEPT_PAUSE};
use crate::conversation::Limits;
use crate::log;
use crate::protocol::Session;
use crate::shutdown::{Stage, StopSignal, Stopping, Summary};
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
    /// The connection cap and accept errors.
    policy: AcceptPolicy,
    /// Accepting is paused after running out of descriptors.
    accept_paused: bool,
    /// How far the loop has got in stopping.
    stopping: Stopping,
    /// Where the stop signal arrives.
    signal: StopSignal,
    /// How long conversations get to finish after the stop signal.
    grace: Duration,
    /// When the grace period ends, once the stop signal has come.
    grace_over: Option<Instant>,
    /// The time of this turn of the loop (read once per `epoll_wait`).
    now: Instant,
    /// The next time to look for connections whose time ran out.
    next_sweep: Instant,
}

/// The readiness loop: serves on `listener` until the stop `signal`, then drains, for at
/// most `grace`. Returns what it served.
pub fn serve<S: Session>(
    listener: TcpListener,
    signal: StopSignal,
    grace: Duration,
    limits: Limits,
) -> io::Result<Summary> {
    let epoll = epoll::create(CreateFlags::CLOEXEC)?;
    let edge = EventFlags::IN | EventFlags::ET;
    epoll::add(&epoll, &listener, EventData::new_u64(LISTENER), edge)?;
    rustix::io::ioctl_fionbio(&signal, true)?; // the pipe: `take` must not wait
    epoll::add(&epoll, &signal, EventData::new_u64(STOP), edge)?;
    let now = Instant::now();
    let mut state = EventLoop::<S> {
        epoll,
        listener: Some(listener),
        connections: Slab::new(),
        buffer: vec![0; 64 * 1024],
        summary: Summary::default(),
        limits,
        policy: AcceptPolicy::new(&limits),
        accept_paused: false,
        stopping: Stopping::default(),
        signal,
        grace,
        grace_over: None,
        now,
        next_sweep: now + limits.sweep_interval(),
    };
    state.run()
}

impl<S: Session> EventLoop<S> {
    /// The loop itself.
    fn run(&mut self) -> io::Result<Summary> {
        let mut events = Vec::with_capacity(1024);
        loop {
            // 1. Done once the grace period is over, or every connection has closed while
            //    draining.
            self.now = Instant::now();
            if let Some(grace_over) = self.grace_over {
                let drained = self.stopping.is_draining() && self.connections.is_empty();
                if drained || self.now >= grace_over {
                    return Ok(self.summary);
                }
            }
            // 2. Wait for readiness, at most until the next sweep, the end of a pause or of
            //    the grace period.
            let timeout = self.timeout().and_then(|t| Timespec::try_from(t).ok());
            events.clear();
            match epoll::wait(&self.epoll, spare_capacity(&mut events), timeout.as_ref()) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(error) => return Err(error.into()),
            }
            self.now = Instant::now();
            if self.accept_paused {
                self.accept_all()?;
            }
            // 3. Give a turn to every ready socket.
            for event in events.iter() {
                match event.data.u64() {
                    LISTENER => self.accept_all()?,
                    STOP => self.on_stop_signal()?,
                    key => self.turn(key as usize),
                }
            }
            // 4. Give a turn to the connections whose time ran out: they close.
            if self.now >= self.next_sweep {
                self.sweep();
            }
        }
    }

    /// How long the next `epoll_wait` may block.
    fn timeout(&self) -> Option<Duration> {
        let until = |deadline: Instant| deadline.saturating_duration_since(self.now);
        let waits = [
            (!self.connections.is_empty()).then(|| until(self.next_sweep)),
            self.accept_paused.then_some(ACCEPT_PAUSE),
            self.grace_over.map(until),
        ];
        waits.into_iter().flatten().min()
    }

    /// Accepts every queued connection and gives each a first turn at once (it has probably
    /// sent its request already).
    fn accept_all(&mut self) -> io::Result<()> {
        self.accept_paused = false;
        while let Some(listener) = &self.listener {
            let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
            let (fd, peer) = match rustix::net::acceptfrom_with(listener, flags) {
                Ok(accepted) => accepted,
                Err(Errno::AGAIN) => return Ok(()),
                Err(errno) => match self.policy.after_error(&errno.into()) {
                    AcceptAction::Skip => continue,
                    AcceptAction::Pause => {
                        self.accept_paused = true;
                        return Ok(());
                    }
                    AcceptAction::Fatal => return Err(errno.into()),
                },
            };
            if !self.policy.admit(self.connections.len()) {
                continue; // over the cap: dropping `fd` closes it
            }
            let peer = peer.and_then(|peer| SocketAddr::try_from(peer).ok());
            let peer = peer.and_then(log::peer);
            log::accepted(peer.as_deref());
            let mut connection = Connection::new(TcpStream::from(fd), peer, self.now, &self.limits);
            if self.stopping.is_draining() {
                connection.conversation.stop();
            }
            let key = self.connections.insert(connection);
            self.turn(key);
        }
        Ok(())
    }

    /// A byte on the stop signal's pipe: the signal itself (accept the clients still
    /// queued, close the listener), or the news that every loop's listener is closed
    /// (drain).
    fn on_stop_signal(&mut self) -> io::Result<()> {
        self.signal.take()?;
        if self.stopping.stage() == Stage::Serving {
            self.stopping.reach(Stage::ClosingListener);
            self.grace_over = Some(self.now + self.grace);
            self.accept_all()?;
            self.listener = None;
            self.signal.listener_closed();
        }
        if self.signal.all_listeners_closed() && !self.stopping.is_draining() {
            self.stopping.reach(Stage::Draining);
            let keys: Vec<usize> = self.connections.iter().map(|(key, _)| key).collect();
            for key in keys {
                self.connections[key].conversation.stop();
                self.turn(key);
            }
        }
        Ok(())
    }

    /// Gives the connection `key` (if it still exists) a turn, and closes it if it ended. A
    /// panic ends this connection only.
    fn turn(&mut self, key: usize) {
        let Some(connection) = self.connections.get_mut(key) else {
            return;
        };
        let turned = panic::catch_unwind(AssertUnwindSafe(|| {
            connection.turn(&mut self.buffer, &self.epoll, key, self.now, &self.limits)
        }));
        match turned {
            Ok(Turn::Waiting) => return,
            Ok(Turn::Done) => {}
            Err(_) => connection
                .conversation
                .failed(io::Error::other("the connection panicked")),
        }
        let connection = self.connections.remove(key);
        self.summary
            .add_connection(connection.conversation.answered());
        log::closed(connection.peer.as_deref(), connection.conversation.finish());
    }

    /// Gives a turn to every connection whose deadline has passed.
    fn sweep(&mut self) {
        self.next_sweep = self.now + self.limits.sweep_interval();
        for key in 0..self.connections.capacity() {
            let connection = self.connections.get(key);
            if connection.is_some_and(|c| self.now >= c.conversation.deadline()) {
                self.turn(key);
            }
        }
    }
}
