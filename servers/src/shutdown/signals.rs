//! Hearing SIGINT and SIGTERM, and telling every event loop.
//!
//! A signal handler may do almost nothing, so it does what asyncio's
//! `loop.add_signal_handler` does: it writes a byte to a self-pipe (here a Unix socket pair),
//! and each event loop reads that byte like any other input, in its reactor (or a watcher
//! thread, for the blocking servers). The handlers come from `signal-hook`, so this crate
//! needs no `unsafe`. A second signal exits at once, with status 1: a thread counts the
//! signals on a self-pipe of its own.
//!
//! The same pipe carries one more message. In per-core mode each loop hears the signal on
//! its own, and before any loop closes idle connections, every loop must have closed its
//! listener: otherwise a client could see its conversation closed for the shutdown, connect
//! again, and be served by a loop that has not heard the signal yet. So each loop reports
//! its listener closed ([`StopSignal::listener_closed`]); the last one to do so writes a
//! byte to every other loop's pipe, and a loop waiting for the others simply waits on its
//! pipe again. Nothing blocks: a zenio loop awaits the pipe, the `poll` loop has it in its
//! epoll set.

use std::io::{self, BufReader, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::process;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use rustix::net::SendFlags;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::low_level::pipe;

/// The signals that stop a server.
const SIGNALS: [i32; 2] = [SIGINT, SIGTERM];

/// Installs the thread that ends the process at a second stop signal; call once, before
/// any [`StopSignal`] is made.
pub fn install() -> io::Result<()> {
    let (reader, _writer) = signal_pipe()?;
    // Counting bytes in ordinary code, rather than looking at a flag inside a handler, also
    // holds when two signals are handled at the same moment on two threads.
    thread::Builder::new()
        .name("second-signal".into())
        .spawn(move || {
            // One byte a signal (`bytes` retries after `EINTR`); no end of file comes, as the
            // writers live as long as the process.
            let signals = BufReader::new(reader).bytes();
            if signals.map_while(Result::ok).nth(1).is_some() {
                process::exit(1);
            }
        })?;
    Ok(())
}

/// A self-pipe that every stop signal writes a byte to: its reading and writing ends.
fn signal_pipe() -> io::Result<(UnixStream, UnixStream)> {
    let (reader, writer) = UnixStream::pair()?;
    for signal in SIGNALS {
        pipe::register(signal, writer.try_clone()?)?;
    }
    Ok((reader, writer))
}

/// The stop signal as one event loop (or one blocking server) hears it: the reading end of
/// a self-pipe that every stop signal writes to.
pub struct StopSignal {
    /// Where the byte of a signal (or of the last loop to close its listener) arrives.
    pipe: UnixStream,
    /// The loops of this server, for the listeners' count.
    group: Arc<Group>,
}

/// The event loops of one server.
struct Group {
    /// Loops whose listener is still open.
    listening: AtomicUsize,
    /// The writing end of every loop's pipe, to wake them when the last listener closes.
    pipes: Vec<UnixStream>,
}

impl StopSignal {
    /// The stop signals of a server with `count` event loops, one each.
    pub fn group(count: usize) -> io::Result<Vec<StopSignal>> {
        let pipes = (0..count).map(|_| signal_pipe());
        let (readers, writers): (Vec<_>, Vec<_>) =
            pipes.collect::<io::Result<Vec<_>>>()?.into_iter().unzip();
        let group = Arc::new(Group {
            listening: AtomicUsize::new(count),
            pipes: writers,
        });
        let signal = |pipe| StopSignal {
            pipe,
            group: Arc::clone(&group),
        };
        Ok(readers.into_iter().map(signal).collect())
    }

    /// Takes the bytes that have arrived: for the `poll` loop, whose pipe is non-blocking
    /// and in its epoll set; or, blocking the thread until one arrives, for a blocking
    /// server's watcher thread (never an event loop).
    pub fn take(&self) -> io::Result<()> {
        match (&self.pipe).read(&mut [0; 16]) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(()),
            other => other.map(drop),
        }
    }

    /// Watches the pipe from a zenio runtime: one `AsyncFd`, registered with the reactor once,
    /// for every wait that follows (an `AsyncFd` must be its descriptor's only one).
    pub fn watch(&self) -> io::Result<SignalWatch<'_>> {
        Ok(SignalWatch(zenio::AsyncFd::new(&self.pipe)?))
    }

    /// Says this loop's listener is closed. Returns whether every loop's is now; if this was
    /// the last, every other loop's pipe gets a byte, so their waits return.
    pub fn listener_closed(&self) -> bool {
        let last = self.group.listening.fetch_sub(1, Ordering::AcqRel) == 1;
        if last {
            for pipe in &self.group.pipes {
                // MSG_DONTWAIT: never block, even if a pipe were full (then it is readable
                // already, which is all this byte is for).
                let _ = rustix::net::send(pipe, &[1], SendFlags::DONTWAIT);
            }
        }
        last
    }

    /// Whether every loop of this server has closed its listener.
    pub fn all_listeners_closed(&self) -> bool {
        self.group.listening.load(Ordering::Acquire) == 0
    }
}

/// A loop's watch on its [`StopSignal`] (see [`StopSignal::watch`]).
pub struct SignalWatch<'a>(zenio::AsyncFd<&'a UnixStream>);

impl SignalWatch<'_> {
    /// Waits until a byte arrives, and takes the bytes that have.
    pub async fn wait(&self) -> io::Result<()> {
        let read = self
            .0
            .read_with(|pipe| Ok(rustix::io::read(pipe, &mut [0; 16])?));
        read.await.map(drop)
    }
}

impl AsFd for StopSignal {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.pipe.as_fd()
    }
}
