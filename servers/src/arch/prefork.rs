//! `prefork`: N worker processes sharing one listening socket (`001_*.txt`, and Apache's
//! prefork model).
//!
//! The parent binds the socket once, then starts N copies of this program, handing each the
//! socket as its standard input, the way `inetd` hands a service its connection. Each worker
//! runs the serial accept loop; the kernel gives every new connection to one worker blocked in
//! `accept` (modern Linux wakes only one: no thundering herd on `accept`). The parent only
//! waits for workers and replaces any that dies. Processes share nothing, so a crash takes
//! down one worker, not the server; the price is memory and context switches per process.
//!
//! On a stop signal the parent passes `SIGTERM` on to every worker, stops replacing them,
//! and exits once they have all finished (or the grace period is over).

use std::env;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{self as std_process, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustix::io::Errno;
use rustix::process::{self, Pid, Signal, WaitOptions};

use super::{announce, blocking, listen_blocking, serial, Options};
use crate::protocol::Session;
use crate::shutdown::{print_summary, Stage, StopSignal, Stopping};

/// The hidden flag (`--prefork-worker`) that turns a copy of the program into a worker.
pub const WORKER_FLAG: &str = "prefork-worker";

/// What a worker prints once it is ready to stop gracefully.
const READY: &str = "ready";

/// The environment variable that tells a worker its parent's pid.
const PARENT_PID: &str = "ZENIO_PREFORK_PARENT";

/// How long the parent waits before replacing a worker that died, so that a worker that
/// cannot start does not turn into a fork loop.
const RESPAWN_PAUSE: Duration = Duration::from_millis(200);

/// The parent: binds `addr`, keeps `options.workers` workers running until a stop signal,
/// then stops them.
pub fn run(addr: SocketAddr, options: &Options) -> io::Result<()> {
    let listener = listen_blocking(addr)?;
    // The stop signal's pipe exists before the first worker, so no signal can slip past it.
    let signal = StopSignal::group(1)?.remove(0);
    let stopping = Stopping::default();
    let (mut pids, mut forwarders) = (Vec::new(), Vec::new());
    for _ in 0..options.workers.max(1) {
        forwarders.push(start_worker(&listener, &mut pids)?);
    }
    let pids = Arc::new(Mutex::new(pids));
    stop_workers_on_signal(signal, &stopping, Arc::clone(&pids), options.grace)?;
    announce(listener.local_addr()?)?;
    loop {
        let (pid, status) = match process::wait(WaitOptions::empty()) {
            Ok(Some(exited)) => exited,
            Ok(None) | Err(Errno::CHILD) => break,
            Err(Errno::INTR) => continue,
            Err(error) => return Err(error.into()),
        };
        let mut pids = pids.lock().expect("the pid list is never poisoned");
        pids.retain(|&p| p != pid);
        if stopping.is_draining() {
            continue; // once the last worker is gone, `wait` says ECHILD
        }
        tracing::warn!("worker {pid:?} exited ({status:?}); starting another");
        thread::sleep(RESPAWN_PAUSE);
        forwarders.push(start_worker(&listener, &mut pids)?);
    }
    // Every worker is gone: let their last lines (the summaries) reach our stdout.
    for forwarder in forwarders {
        let _ = forwarder.join();
    }
    Ok(())
}

/// Starts the parent's watcher thread: on a stop signal it sends `SIGTERM` to every worker
/// and, if they are not all gone after `grace`, ends them with `SIGKILL` and exits.
fn stop_workers_on_signal(
    signal: StopSignal,
    stopping: &Stopping,
    pids: Arc<Mutex<Vec<Pid>>>,
    grace: Duration,
) -> io::Result<()> {
    let stopping = stopping.clone();
    let signal_all = move |signal: Signal| {
        for &pid in pids.lock().expect("the pid list is never poisoned").iter() {
            let _ = process::kill_process(pid, signal);
        }
    };
    thread::Builder::new()
        .name("stop-watcher".into())
        .spawn(move || {
            if signal.take().is_err() {
                return;
            }
            // Before the first worker exits, so the parent never replaces it.
            stopping.reach(Stage::Draining);
            signal_all(Signal::TERM);
            thread::sleep(grace);
            signal_all(Signal::KILL);
            std_process::exit(0);
        })?;
    Ok(())
}

/// Starts one worker: this same program, with the listening socket as its stdin, and adds
/// its pid to `pids`.
///
/// It returns once the worker has said `ready` on its stdout (its signal handlers are in
/// place, so a stop signal forwarded from now on is a graceful one), and leaves a thread
/// copying the rest of the worker's output (its summary line) to ours.
fn start_worker(listener: &TcpListener, pids: &mut Vec<Pid>) -> io::Result<JoinHandle<()>> {
    let socket: OwnedFd = listener.try_clone()?.into();
    let mut child = Command::new(env::current_exe()?)
        .args(env::args_os().skip(1))
        .arg(format!("--{WORKER_FLAG}"))
        .env(PARENT_PID, process::getpid().as_raw_nonzero().to_string())
        .stdin(Stdio::from(socket))
        .stdout(Stdio::piped())
        // Its own process group, so that Ctrl-C in a terminal (SIGINT to the whole group)
        // reaches the parent only, which forwards one SIGTERM: a worker that got both would
        // count them as two signals and exit at once instead of finishing its conversations.
        .process_group(0)
        .spawn()?;
    let mut output = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    output.read_line(&mut line)?;
    if line.trim_end() != READY {
        return Err(io::Error::other("a worker failed to start"));
    }
    let forward = thread::spawn(move || {
        let _ = io::copy(&mut output, &mut io::stdout());
    });
    let pid = i32::try_from(child.id()).ok().and_then(Pid::from_raw);
    pids.push(pid.ok_or_else(|| io::Error::other("the worker has no pid"))?);
    Ok(forward)
}

/// A worker: takes the listening socket from stdin and runs the serial accept loop until
/// the stop signal (which the parent forwards). It asks the kernel for `SIGKILL` when the
/// parent dies, so no worker outlives the server: a graceful stop always comes from the
/// parent, and a parent that is gone (killed, or ended by a second signal) takes its workers
/// with it at once. It also checks that the parent did not die before it asked.
pub fn worker<S: Session>(options: &Options) -> io::Result<()> {
    process::set_parent_process_death_signal(Some(Signal::KILL))?;
    let parent = process::getppid().map(|pid| pid.as_raw_nonzero().to_string());
    if parent.is_none() || parent != env::var(PARENT_PID).ok() {
        return Err(io::Error::other("the prefork parent is gone"));
    }
    let listener = TcpListener::from(io::stdin().as_fd().try_clone_to_owned()?);
    let server = blocking::watch_for_stop(listener, options)?;
    println!("{READY}");
    io::stdout().flush()?;
    let summary = serial::accept_forever::<S>(&server)?;
    print_summary(&format!("worker {}", std_process::id()), &summary);
    Ok(())
}
