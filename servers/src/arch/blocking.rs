//! One conversation with blocking calls: `recv`, feed the session, `sendall`, repeat.
//!
//! This is the seed's `handle_conversation`, shared by the `serial`, `threads` and
//! `prefork` architectures: while it waits in `recv`, its thread (or process) can do
//! nothing else. It also holds their shutdown: a watcher thread that, on the stop signal,
//! wakes every thread blocked in `accept`, and a read timeout that lets a conversation
//! notice the signal while its client is idle.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process;
use std::thread;
use std::time::Duration;

use super::{LINGER_LIMIT, LINGER_TIME};
use crate::log;
use crate::protocol::{Flow, Session};
use crate::shutdown::{self, StopPipe};

/// How long a read blocks before the conversation checks whether the server is stopping.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Serves one client until it closes, logs how it ended, and returns how many requests it
/// answered.
pub fn converse<S: Session>(mut stream: TcpStream, peer: SocketAddr) -> u64 {
    log::accepted(peer);
    let mut session = S::default();
    let outcome = talk(&mut stream, &mut session);
    log::closed(peer, outcome);
    session.answered()
}

/// The conversation loop; returns what the client left unfinished at EOF.
fn talk<S: Session>(stream: &mut TcpStream, session: &mut S) -> io::Result<Option<String>> {
    stream.set_read_timeout(Some(STOP_CHECK))?;
    let mut buffer = [0; 4096];
    let mut output = Vec::new();
    loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) => return Ok(session.unfinished_at_eof()),
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            // The read timed out: the client is idle. Close if the server is stopping.
            Err(error) if is_timeout(&error) && shutdown::stopping() => return Ok(None),
            Err(error) if is_timeout(&error) => continue,
            Err(error) => return Err(error),
        };
        let flow = session.feed(&buffer[..n], &mut output);
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

/// Starts the thread that waits for the stop signal. It then shuts the listening socket
/// down, which makes every `accept` blocked on it fail at once (so accept loops end), and
/// gives the open conversations `grace` to finish before ending the process.
pub fn watch_for_stop(listener: &TcpListener, grace: Duration) -> io::Result<()> {
    let pipe = StopPipe::new()?;
    let listener = listener.try_clone()?;
    thread::Builder::new()
        .name("stop-watcher".into())
        .spawn(move || {
            if pipe.wait_blocking().is_err() {
                return;
            }
            let _ = rustix::net::shutdown(&listener, rustix::net::Shutdown::Read);
            thread::sleep(grace);
            tracing::warn!("grace period over: exiting with conversations still open");
            process::exit(0);
        })?;
    Ok(())
}
