//! Graceful shutdown, part one: hearing SIGINT and SIGTERM.
//!
//! A signal handler may do almost nothing, so it does what asyncio's
//! `loop.add_signal_handler` does: it writes a byte to a self-pipe (here a Unix socket pair),
//! and the server reads that byte like any other input, in its reactor or in a thread. The
//! handlers come from `signal-hook`, so this crate needs no `unsafe`.
//!
//! The first signal sets [`stopping`] and writes to every [`StopPipe`]: each runtime (or the
//! watcher thread of a blocking server) then stops accepting, lets its connections finish what
//! they owe, and exits 0 within the grace period. A second signal exits at once, with status 1:
//! a thread counts the signals on a self-pipe of its own.

use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use std::{process, thread};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::{flag, low_level::pipe};

/// The signals that stop a server.
const SIGNALS: [i32; 2] = [SIGINT, SIGTERM];

/// Set by the first stop signal.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Installs the handlers, and the thread that ends the process at a second signal; call
/// once, before any [`StopPipe`] is made.
pub fn install() -> io::Result<()> {
    for signal in SIGNALS {
        flag::register(signal, &STOPPING)?;
    }
    exit_at_a_second_signal()
}

/// Every stop signal writes a byte to one more self-pipe, and a thread counts them in
/// ordinary code: at the second it exits with status 1. Counting bytes, rather than looking
/// at [`STOPPING`] inside a handler, also holds when two signals are handled at the same
/// moment on two threads, each before the other has set the flag.
fn exit_at_a_second_signal() -> io::Result<()> {
    let (mut reader, writer) = UnixStream::pair()?;
    for signal in SIGNALS {
        pipe::register(signal, writer.try_clone()?)?;
    }
    thread::Builder::new()
        .name("second-signal".into())
        .spawn(move || {
            let mut heard = 0;
            while heard < 2 {
                match reader.read(&mut [0; 16]) {
                    Ok(0) => return, // cannot happen: the writers live as long as the process
                    Ok(bytes) => heard += bytes,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => return,
                }
            }
            process::exit(1);
        })?;
    Ok(())
}

/// Whether a stop signal has arrived.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// The reading end of a self-pipe that the stop signals write to, one per event loop (or
/// per blocking server).
pub struct StopPipe(UnixStream, Arc<ListenersOpen>);

/// How many event loops of one server still have their listener open. In per-core mode each
/// loop hears the signal on its own; before any loop starts closing idle connections, every
/// loop must have closed its listener. Otherwise a client could see its conversation closed
/// for the shutdown, connect again, and be served by a loop that has not heard the signal.
pub struct ListenersOpen {
    /// Loops whose listener is still open.
    count: Mutex<usize>,
    /// Signalled when `count` reaches zero.
    all_closed: Condvar,
}

impl StopPipe {
    /// A new pipe, written to by every later stop signal.
    pub fn new() -> io::Result<StopPipe> {
        Ok(StopPipe::group(1)?.remove(0))
    }

    /// `count` pipes for the `count` event loops of one server.
    pub fn group(count: usize) -> io::Result<Vec<StopPipe>> {
        let open = Arc::new(ListenersOpen {
            count: Mutex::new(count),
            all_closed: Condvar::new(),
        });
        (0..count)
            .map(|_| {
                let (reader, writer) = UnixStream::pair()?;
                for signal in SIGNALS {
                    pipe::register(signal, writer.try_clone()?)?;
                }
                Ok(StopPipe(reader, Arc::clone(&open)))
            })
            .collect()
    }

    /// The count of open listeners this pipe's loop belongs to.
    pub fn listeners(&self) -> Arc<ListenersOpen> {
        Arc::clone(&self.1)
    }

    /// Blocks the thread until a stop signal arrives.
    pub fn wait_blocking(&self) -> io::Result<()> {
        (&self.0).read(&mut [0; 16]).map(drop)
    }

    /// Waits, in a zenio runtime, until a stop signal arrives.
    pub async fn wait(self) -> io::Result<()> {
        let pipe = zenio::AsyncFd::new(self.0)?;
        pipe.read_with(|mut reader| reader.read(&mut [0; 16]))
            .await
            .map(drop)
    }

    /// Puts the pipe in non-blocking mode, for a hand-written readiness loop.
    pub fn set_nonblocking(&self) -> io::Result<()> {
        self.0.set_nonblocking(true)
    }
}

impl AsFd for StopPipe {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl ListenersOpen {
    /// Says this loop's listener is closed, then waits (blocking the thread, for at most
    /// `limit`) until every loop's is.
    pub fn closed_and_wait_for_all(&self, limit: Duration) {
        let Ok(mut count) = self.count.lock() else {
            return;
        };
        *count = count.saturating_sub(1);
        if *count == 0 {
            self.all_closed.notify_all();
            return;
        }
        let _ = self
            .all_closed
            .wait_timeout_while(count, limit, |count| *count > 0);
    }
}
