//! One conversation with blocking calls: `recv`, feed the conversation, `send`, repeat.
//!
//! This is the seed's `handle_conversation`, shared by the `serial`, `threads` and
//! `prefork` architectures: while it waits in `recv`, its thread (or process) can do
//! nothing else. Every read and write waits at most `STOP_CHECK`, so that a waiting
//! conversation still notices its deadline and the server's stop. This file also holds
//! the stop watcher, the thread that hears the stop signal for a blocking server.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::mpsc::{self, Receiver};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use rustix::net::RecvFlags;

use super::Options;
use crate::conversation::{Conversation, Limits, Next};
use crate::log;
use crate::protocol::Session;
use crate::shutdown::{Stage, StopSignal, Stopping};

/// How long a blocking read or write waits before looking at the time and the stop state.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Serves one client until the conversation ends, logs how, and returns how many requests
/// it answered. A panic in the conversation ends this conversation only.
pub fn converse<S: Session>(mut stream: TcpStream, peer: SocketAddr, server: &Server) -> u64 {
    log::accepted(Some(&peer));
    let mut conversation = Conversation::<S>::new(Instant::now(), &server.limits);
    let talking = AssertUnwindSafe(|| talk(&mut stream, &mut conversation, server));
    if panic::catch_unwind(talking).is_err() {
        conversation.failed(io::Error::other("the conversation panicked"));
    }
    let answered = conversation.answered();
    log::closed(Some(&peer), conversation.finish());
    answered
}

/// Does what the conversation asks until it says close.
fn talk<S: Session>(stream: &mut TcpStream, conversation: &mut Conversation<S>, server: &Server) {
    let timeouts = stream.set_read_timeout(Some(STOP_CHECK));
    if let Err(error) = timeouts.and_then(|()| stream.set_write_timeout(Some(STOP_CHECK))) {
        return conversation.failed(error);
    }
    let mut buffer = [0; 4096];
    loop {
        if server.stopping.is_draining() {
            conversation.stop();
        }
        match conversation.next(Instant::now()) {
            Next::Write(bytes) => {
                let written = stream.write(bytes);
                conversation.write_done(written);
            }
            Next::ShutDown => match stream.shutdown(Shutdown::Write) {
                Ok(()) => conversation.shut_down(),
                Err(error) => conversation.failed(error),
            },
            next @ (Next::Read | Next::ReadNow) => {
                let flags = match next {
                    Next::ReadNow => RecvFlags::DONTWAIT,
                    _ => RecvFlags::empty(),
                };
                let read = rustix::net::recv(&*stream, &mut buffer, flags);
                let read = read.map(|(n, _)| &buffer[..n]).map_err(Into::into);
                conversation.read_done(read, Instant::now(), &server.limits);
            }
            Next::Close => return,
        }
    }
}

/// A blocking server: what its accept loops (one, or one per thread) share.
pub struct Server {
    /// The listening socket, in blocking mode.
    pub listener: TcpListener,
    /// The connections the stop watcher took from the listen queue, for the accept loops to
    /// serve before they return: `recv` blocks until the watcher hands them over, and fails
    /// once it has handed over all (these are blocking servers' threads).
    pub drained: Mutex<Receiver<(TcpStream, SocketAddr)>>,
    /// How far the server has got in stopping.
    pub stopping: Stopping,
    /// Timeouts (a blocking loop serves one connection at a time: no cap).
    pub limits: Limits,
}

/// Starts the stop watcher of a server on `listener`, a thread that waits for the stop
/// signal. Then it takes every connection already in the listen queue (their handshake
/// finished before the signal, so their requests are owed answers) and hands them to the
/// accept loops through [`Server::drained`]; shuts the listening socket down, so new clients
/// are refused and every `accept` blocked on it fails at once; moves the server's `stopping`
/// on to draining; and gives the conversations the grace period to finish before it ends
/// the process.
pub fn watch_for_stop(listener: TcpListener, options: &Options) -> io::Result<Server> {
    let signal = StopSignal::group(1)?.remove(0);
    let (queue, drained) = mpsc::channel();
    let server = Server {
        listener,
        drained: Mutex::new(drained),
        stopping: Stopping::default(),
        limits: options.limits(),
    };
    let listener = server.listener.try_clone()?;
    let stopping = server.stopping.clone();
    let grace = options.grace;
    thread::Builder::new()
        .name("stop-watcher".into())
        .spawn(move || {
            if signal.take().is_err() {
                return;
            }
            stopping.reach(Stage::ClosingListener);
            // The accept loops take these once their `accept` fails, after the shutdown.
            if listener.set_nonblocking(true).is_ok() {
                while let Ok(accepted) = listener.accept() {
                    let _ = queue.send(accepted);
                }
            }
            let _ = rustix::net::shutdown(&listener, rustix::net::Shutdown::Read);
            signal.listener_closed(); // the only listener: every listener is closed
            stopping.reach(Stage::Draining);
            drop(queue);
            thread::sleep(grace);
            tracing::warn!("grace period over: exiting with conversations still open");
            process::exit(0);
        })?;
    Ok(server)
}
