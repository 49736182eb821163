//! `threads`: N threads, each running the serial accept loop on one shared listener (the
//! seed's `srv_threaded.py`).
//!
//! The kernel hands each new connection to one of the threads blocked in `accept`, so up
//! to N clients are served at once. Each thread costs a stack (2 MiB of address space, some
//! of it touched) and a context switch per wake-up: fine for dozens of clients, not for
//! ten thousand (the C10K problem).

use std::io;
use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use super::{announce, blocking, listen_blocking, serial};
use crate::conversation::Limits;
use crate::protocol::Session;
use crate::shutdown::{print_summaries, Stopping};

/// Binds `addr` and serves with `workers` threads until a stop signal.
pub fn run<S: Session>(
    addr: SocketAddr,
    workers: usize,
    grace: Duration,
    limits: &Limits,
) -> io::Result<()> {
    let listener = listen_blocking(addr)?;
    let stopping = Stopping::default();
    let drained = blocking::watch_for_stop(&listener, grace, &stopping)?;
    announce(listener.local_addr()?)?;
    let summaries = thread::scope(|scope| {
        let workers: Vec<_> = (0..workers.max(1))
            .map(|_| {
                scope.spawn(|| serial::accept_forever::<S>(&listener, &drained, limits, &stopping))
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a worker thread panicked"))
            .collect::<io::Result<Vec<_>>>()
    })?;
    print_summaries("worker", &summaries);
    Ok(())
}
