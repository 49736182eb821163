//! `floor-server`: the floor. The zen and hello servers as a minimal hand-written epoll loop
//! with no runtime at all: what a runtime cannot beat. It exists only for benchmarks.
//!
//! Run it:   cargo run --release -p zenio-benches --bin floor-server -- [HOST] [-p PORT]
//!               --proto zen|hello [--cores N]
//! Poke it:  nc 127.0.0.1 1060   (then type `Beautiful is better than?`)
//!           curl -i http://127.0.0.1:8000/   (with `--proto hello`)
//!
//! No futures, no wakers, no task queue, no timers, and no allocation per request (nor, once
//! warm, per connection): per-connection state lives in a `slab`, all connections of a loop
//! share one 64 KiB read buffer and one output buffer, and the sessions are zenio's own
//! `ZenSession` and `HelloSession`. The system calls are the fewest we know how to make:
//!
//! - `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)` in a loop until `EAGAIN`, and a `read` right after
//!   it: the request has usually arrived with the handshake.
//! - Answers are written at once, from the shared output buffer. Only what the kernel would
//!   not take is copied into the connection's own `unsent` buffer (never, on loopback).
//! - A socket is registered with epoll (`EPOLL_CTL_ADD`, `EPOLLIN | EPOLLRDHUP | EPOLLET`) only
//!   the first time it would block, once; `EPOLLOUT` is added only if a write blocks. Never
//!   `EPOLL_CTL_DEL`: `close` removes a socket from the set.
//! - A short read (fewer bytes than the buffer) means the socket is drained, as in zenio: wait
//!   for the next edge instead of paying a `read` for `EAGAIN`. That is safe because an
//!   edge-triggered socket reports every new arrival, and because a FIN that arrived with the
//!   data raises `EPOLLRDHUP`, after which we read on until EOF.
//!
//! `--cores N` runs N loops, each on its own thread (pinned to its own core with `--pin`, as
//! zenio's `--cores N --pin`) with its own `SO_REUSEPORT` listener. The listeners are made by zenio's
//! `listen_per_core`. It serves until killed: no graceful shutdown, no lingering close.
#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::thread;

use clap::Parser;
use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::io::Errno;
use rustix::net::SocketFlags;
use slab::Slab;
use zenio_benches::peer::{cores, listeners, pin, Proto};
use zenio_servers::arch::announce;
use zenio_servers::cli::fail;
use zenio_servers::protocol::{Flow, HelloSession, Session, ZenSession};

/// The epoll key of the listening socket; connections use their slab index.
const LISTENER: u64 = u64::MAX;

/// Bytes per read: one buffer per loop, so it can be large.
const READ_BUFFER: usize = 64 * 1024;

/// Serves the zen or hello protocol from a bare epoll loop (a benchmark peer).
#[derive(Parser)]
#[command(name = "floor-server")]
struct Args {
    /// The address to listen on.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (0: any free port); by default 1060 for zen, 8000 for hello.
    #[arg(short)]
    port: Option<u16>,
    /// The protocol to speak.
    #[arg(long, value_enum, default_value_t = Proto::Zen)]
    proto: Proto,
    /// Event loops, one per core, each with its own SO_REUSEPORT listener; 0 means one per
    /// available core.
    #[arg(long, default_value_t = 1)]
    cores: usize,
    /// Pin each loop's thread to its own core, as zenio's servers do with `--pin`; by
    /// default the kernel places the threads, as it places zenio's.
    #[arg(long)]
    pin: bool,
}

/// One client's state between events.
struct Connection<S> {
    /// The socket (non-blocking).
    stream: TcpStream,
    /// The protocol state.
    session: S,
    /// Answers the kernel would not take yet; empty, and unallocated, unless a write blocked.
    unsent: Vec<u8>,
    /// What the socket is registered for in epoll; `None` until it first would block.
    interest: Option<EventFlags>,
    /// The client sent its FIN (epoll said `EPOLLRDHUP`): read until EOF, trust no short read.
    hangup: bool,
    /// The session said `Close` or `Reject`: end once `unsent` is sent.
    ending: Option<Flow>,
}

/// What a loop lends to each connection's turn.
struct Shared {
    /// The epoll instance.
    epoll: OwnedFd,
    /// The one read buffer.
    input: Vec<u8>,
    /// The one output buffer, cleared before each `feed`.
    output: Vec<u8>,
}

/// How a connection's turn ended.
enum Turn {
    /// Waiting for the next event.
    Wait,
    /// Done: drop the connection (which closes the socket).
    Close,
}

fn main() {
    let args = Args::parse();
    let served = match args.proto {
        Proto::Zen => run::<ZenSession>(&args),
        Proto::Hello => run::<HelloSession>(&args),
    };
    if let Err(error) = served {
        fail("floor-server", error);
    }
}

/// Binds, says where, and runs one loop per listener until killed. A loop that fails
/// ends the whole process with its error.
fn run<S: Session>(args: &Args) -> io::Result<()> {
    let port = args.port.unwrap_or(args.proto.default_port());
    let listeners = listeners(&args.host, port, cores(args.cores))?;
    announce(listeners[0].local_addr()?)?;
    thread::scope(|scope| {
        for (index, listener) in listeners.into_iter().enumerate() {
            scope.spawn(move || {
                pin(args.pin, index, "floor-server");
                if let Err(error) = serve::<S>(listener) {
                    fail("floor-server", error);
                }
            });
        }
    });
    Ok(())
}

/// The loop: wait for events, give each ready socket a turn.
fn serve<S: Session>(listener: TcpListener) -> io::Result<()> {
    let mut shared = Shared {
        epoll: epoll::create(CreateFlags::CLOEXEC)?,
        input: vec![0; READ_BUFFER],
        output: Vec::new(),
    };
    let edge = EventFlags::IN | EventFlags::ET;
    epoll::add(&shared.epoll, &listener, EventData::new_u64(LISTENER), edge)?;
    let mut connections: Slab<Connection<S>> = Slab::new();
    let mut events = Vec::with_capacity(1024);
    loop {
        // 1. Wait for readiness: one `epoll_wait` per turn of the loop.
        events.clear();
        match epoll::wait(&shared.epoll, spare_capacity(&mut events), None) {
            Ok(_) | Err(Errno::INTR) => {}
            Err(errno) => return Err(errno.into()),
        }
        for event in &events {
            // (`Event` is a packed struct on x86-64: copy its fields out.)
            let (flags, data) = (event.flags, event.data);
            // 2. The listener: accept everyone queued.
            let key = match data.u64() {
                LISTENER => {
                    accept_all(&listener, &mut connections, &mut shared);
                    continue;
                }
                key => key as usize,
            };
            // 3. A connection. (If it closed earlier in this batch and a new one took its key,
            //    this turn is spurious and harmless.)
            let Some(connection) = connections.get_mut(key) else {
                continue;
            };
            if flags.intersects(EventFlags::RDHUP | EventFlags::HUP | EventFlags::ERR) {
                connection.hangup = true;
            }
            if !matches!(turn(connection, key, &mut shared), Ok(Turn::Wait)) {
                connections.remove(key);
            }
        }
    }
}

/// Accepts until `EAGAIN`, giving each new connection its first turn at once.
fn accept_all<S: Session>(
    listener: &TcpListener,
    connections: &mut Slab<Connection<S>>,
    shared: &mut Shared,
) {
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    loop {
        let fd = match rustix::net::accept_with(listener, flags) {
            Ok(fd) => fd,
            Err(Errno::AGAIN) => return,
            Err(Errno::CONNABORTED | Errno::INTR) => continue,
            // Simplified: zenio pauses accepting when out of descriptors; the floor gives up
            // until the next connection raises a new edge.
            Err(errno) => return eprintln!("floor-server: accept: {errno}"),
        };
        let key = connections.insert(Connection {
            stream: TcpStream::from(fd),
            session: S::default(),
            unsent: Vec::new(),
            interest: None,
            hangup: false,
            ending: None,
        });
        if !matches!(turn(&mut connections[key], key, shared), Ok(Turn::Wait)) {
            connections.remove(key);
        }
    }
}

/// Reads and answers until the socket would block (or a short read says it is drained), or
/// the conversation ends. An error ends it too: the caller closes the socket.
fn turn<S: Session>(c: &mut Connection<S>, key: usize, shared: &mut Shared) -> io::Result<Turn> {
    loop {
        // 1. Answers left over from a blocked write go first; read nothing until they are out.
        if !c.unsent.is_empty() {
            let sent = send(&mut c.stream, &c.unsent)?;
            c.unsent.drain(..sent);
            if !c.unsent.is_empty() {
                return c.wait(key, &shared.epoll, true);
            }
        }
        // 2. The session ended the conversation and everything is sent.
        match c.ending {
            Some(Flow::Reject) => return c.stream.shutdown(Shutdown::Write).map(|()| Turn::Close),
            Some(_) => return Ok(Turn::Close),
            None => {}
        }
        // 3. Read into the shared buffer.
        let n = match c.stream.read(&mut shared.input) {
            Ok(0) => return Ok(Turn::Close), // EOF
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return c.wait(key, &shared.epoll, false)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // 4. Answer, and write the answers at once; keep only what the kernel would not take.
        shared.output.clear();
        let flow = c.session.feed(&shared.input[..n], &mut shared.output);
        let sent = send(&mut c.stream, &shared.output)?;
        c.unsent.extend_from_slice(&shared.output[sent..]);
        if flow != Flow::Continue {
            c.ending = Some(flow);
        }
        if !c.unsent.is_empty() {
            return c.wait(key, &shared.epoll, true);
        }
        // 5. A short read drained the socket: wait for the next edge, no `read` for `EAGAIN`.
        if c.ending.is_none() && n < shared.input.len() && !c.hangup {
            return c.wait(key, &shared.epoll, false);
        }
    }
}

impl<S> Connection<S> {
    /// The socket would block: register it the first time (`EPOLL_CTL_ADD`), and add
    /// `EPOLLOUT` (`EPOLL_CTL_MOD`) the first time a write blocks. Otherwise no syscall.
    fn wait(&mut self, key: usize, epoll: &OwnedFd, writing: bool) -> io::Result<Turn> {
        let mut wanted = EventFlags::IN | EventFlags::RDHUP | EventFlags::ET;
        if writing {
            wanted |= EventFlags::OUT;
        }
        let data = EventData::new_u64(key as u64);
        match self.interest {
            None => epoll::add(epoll, &self.stream, data, wanted)?,
            Some(current) if !current.contains(wanted) => {
                epoll::modify(epoll, &self.stream, data, wanted)?
            }
            Some(_) => return Ok(Turn::Wait),
        }
        self.interest = Some(wanted);
        Ok(Turn::Wait)
    }
}

/// Writes as much of `bytes` as the kernel takes now; returns how much it took.
fn send(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut sent = 0;
    while sent < bytes.len() {
        match stream.write(&bytes[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}
