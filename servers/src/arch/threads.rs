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

use super::{announce, blocking, listen_blocking, serial, Options};
use crate::protocol::Session;
use crate::shutdown::print_summaries;

/// Binds `addr` and serves with `options.workers` threads until a stop signal.
pub fn run<S: Session>(addr: SocketAddr, options: &Options) -> io::Result<()> {
    let server = blocking::watch_for_stop(listen_blocking(addr)?, options)?;
    announce(server.listener.local_addr()?)?;
    let summaries = thread::scope(|scope| {
        let workers: Vec<_> = (0..options.workers.max(1))
            .map(|_| scope.spawn(|| serial::accept_forever::<S>(&server)))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a worker thread panicked"))
            .collect::<io::Result<Vec<_>>>()
    })?;
    print_summaries("worker", &summaries);
    Ok(())
}
