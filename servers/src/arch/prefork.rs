//! `prefork`: N worker processes sharing one listening socket (`001_*.txt`, and Apache's
//! prefork model).
//!
//! The parent binds the socket once, then starts N copies of this program, handing each the
//! socket as its standard input, the way `inetd` hands a service its connection. Each worker
//! runs the serial accept loop; the kernel gives every new connection to one worker blocked in
//! `accept` (modern Linux wakes only one: no thundering herd on `accept`). The parent only
//! waits for workers and replaces any that dies. Processes share nothing, so a crash takes
//! down one worker, not the server; the price is memory and context switches per process.

use std::env;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use rustix::process::{self, Signal, WaitOptions};

use super::{announce, listen::listen, serial};
use crate::protocol::Session;

/// The hidden flag that turns a copy of the program into a worker.
pub const WORKER_FLAG: &str = "--prefork-worker";

/// The environment variable that tells a worker its parent's pid.
const PARENT_PID: &str = "ZENIO_PREFORK_PARENT";

/// How long the parent waits before replacing a worker that died, so that a worker that
/// cannot start does not turn into a fork loop.
const RESPAWN_PAUSE: Duration = Duration::from_millis(200);

/// The parent: binds `addr`, starts `workers` workers and keeps that many running.
pub fn run(addr: SocketAddr, workers: usize) -> io::Result<()> {
    let listener = listen(addr, false)?;
    for _ in 0..workers.max(1) {
        start_worker(&listener)?;
    }
    announce(listener.local_addr()?)?;
    loop {
        match process::wait(WaitOptions::empty())? {
            Some((pid, status)) => {
                tracing::warn!("worker {pid:?} exited ({status:?}); starting another");
                thread::sleep(RESPAWN_PAUSE);
                start_worker(&listener)?;
            }
            None => return Err(io::Error::other("no workers left to wait for")),
        }
    }
}

/// Starts one worker: this same program, with the listening socket as its stdin.
fn start_worker(listener: &TcpListener) -> io::Result<()> {
    let socket: OwnedFd = listener.try_clone()?.into();
    Command::new(env::current_exe()?)
        .args(env::args_os().skip(1))
        .arg(WORKER_FLAG)
        .env(PARENT_PID, process::getpid().as_raw_nonzero().to_string())
        .stdin(Stdio::from(socket))
        .spawn()?;
    Ok(())
}

/// A worker: takes the listening socket from stdin and runs the serial accept loop. It asks
/// the kernel for `SIGTERM` when the parent dies, so no worker outlives the server (and
/// checks that the parent did not die before it asked).
pub fn worker<S: Session>() -> io::Result<()> {
    process::set_parent_process_death_signal(Some(Signal::TERM))?;
    let parent = process::getppid().map(|pid| pid.as_raw_nonzero().to_string());
    if parent.is_none() || parent != env::var(PARENT_PID).ok() {
        return Err(io::Error::other("the prefork parent is gone"));
    }
    let listener = TcpListener::from(io::stdin().as_fd().try_clone_to_owned()?);
    serial::accept_forever::<S>(&listener)
}
