//! One conversation with blocking calls: `recv`, feed the session, `sendall`, repeat.
//!
//! This is the seed's `handle_conversation`, shared by the `serial`, `threads` and
//! `prefork` architectures: while it waits in `recv`, its thread (or process) can do
//! nothing else. It also holds what their shutdown needs: a read timeout (`STOP_CHECK`),
//! so that an idle conversation notices the stop signal, and the stop watcher thread.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::{LINGER_LIMIT, LINGER_TIME};
use crate::limits::{Clock, Limits};
use crate::log;
use crate::protocol::{Flow, Session};
use crate::shutdown::StopPipe;

/// How long a blocking read waits before checking whether the server is stopping.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Serves one client until it closes, logs how it ended, and returns how many requests it
/// answered. A panic in the conversation ends this conversation only.
pub fn converse<S: Session>(mut stream: TcpStream, peer: SocketAddr, limits: &Limits) -> u64 {
    log::accepted(peer);
    let mut session = S::default();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| talk(&mut stream, &mut session, limits)))
        .unwrap_or_else(|_| Err(io::Error::other("the conversation panicked")));
    log::closed(peer, outcome);
    session.answered()
}

/// The conversation loop; returns what the client left unfinished at EOF.
fn talk<S: Session>(
    stream: &mut TcpStream,
    session: &mut S,
    limits: &Limits,
) -> io::Result<Option<String>> {
    stream.set_read_timeout(Some(STOP_CHECK))?;
    let mut buffer = [0; 4096];
    let mut output = Vec::new();
    let mut clock = Clock::new(Instant::now());
    loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) => return Ok(session.unfinished_at_eof()),
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            // The read timed out: the client is idle. Close if the server is stopping, or
            // if the client has been idle (or slow) for too long.
            Err(error) if is_timeout(&error) => {
                if LISTENER_CLOSED.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                if let Some(why) = clock.expired(Instant::now(), limits) {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, why.describe()));
                }
                continue;
            }
            Err(error) => return Err(error),
        };
        let flow = session.feed(&buffer[..n], &mut output);
        clock.on_read(Instant::now(), session.in_request());
        stream.write_all(&output)?;
        output.clear();
        match flow {
            Flow::Continue => {}
            Flow::Close => return Ok(None),
            Flow::Reject => return linger(stream, &mut buffer).map(|()| None),
        }
    }
}

/// Whether a read error is the read timeout expiring.
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A lingering close (see [`Flow::Reject`]): FIN, then discard what the client still sends,
/// for at most [`LINGER_TIME`] between reads and [`LINGER_LIMIT`] bytes.
fn linger(stream: &mut TcpStream, buffer: &mut [u8]) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(LINGER_TIME))?;
    let mut discarded = 0;
    while discarded < LINGER_LIMIT {
        match stream.read(buffer) {
            Ok(0) => break,
            Ok(n) => discarded += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// Set by the stop watcher once the listener is shut down: from then on, conversations close
/// when idle. (Not before: a client that connects after a conversation has closed for the
/// shutdown must find the port closed.)
static LISTENER_CLOSED: AtomicBool = AtomicBool::new(false);

/// The connections the stop watcher took from the listen queue, for the accept loops to
/// serve before they return.
#[derive(Clone)]
pub struct Drained(Arc<Mutex<Receiver<(TcpStream, SocketAddr)>>>);

impl Drained {
    /// The next drained connection; `None` once the watcher has taken them all and none is
    /// left. Blocks until the watcher is done.
    pub fn next(&self) -> Option<(TcpStream, SocketAddr)> {
        self.0.lock().ok()?.recv().ok()
    }
}

/// Starts the stop watcher, a thread that waits for the stop signal. Then it takes every
/// connection already in the listen queue (their handshake finished before the signal, so
/// their requests are owed answers) and hands them to the accept loops through [`Drained`];
/// shuts the listening socket down, so new clients are refused and every `accept` blocked
/// on it fails at once; and gives the conversations `grace` to finish before it ends the
/// process.
pub fn watch_for_stop(listener: &TcpListener, grace: Duration) -> io::Result<Drained> {
    let pipe = StopPipe::new()?;
    let listener = listener.try_clone()?;
    let (queue, drained) = mpsc::channel();
    thread::Builder::new()
        .name("stop-watcher".into())
        .spawn(move || {
            if pipe.wait_blocking().is_err() {
                return;
            }
            let mut queued = Vec::new();
            if listener.set_nonblocking(true).is_ok() {
                while let Ok(accepted) = listener.accept() {
                    queued.push(accepted);
                }
            }
            let _ = rustix::net::shutdown(&listener, rustix::net::Shutdown::Read);
            pipe.listeners().closed_and_wait_for_all(grace);
            LISTENER_CLOSED.store(true, Ordering::SeqCst);
            for accepted in queued {
                let _ = queue.send(accepted);
            }
            drop(queue);
            thread::sleep(grace);
            tracing::warn!("grace period over: exiting with conversations still open");
            process::exit(0);
        })?;
    Ok(Drained(Arc::new(Mutex::new(drained))))
}
