//! One accept policy for every architecture: the connection cap, running out of
//! descriptors, and what an `accept` error means.
//!
//! Each architecture accepts in its own way (a blocking `accept`, `accept4` in an epoll
//! loop, an awaited [`zenio::TcpListener::accept`]) and asks this policy what to do with
//! the result. A connection over `--max-conns` is accepted and closed at once (so the
//! client hears "no" instead of waiting in the queue). An error is sorted by
//! [`zenio::AcceptAction`]: one connection died in the queue (skip it); the process is out
//! of descriptors or memory (pause [`ACCEPT_PAUSE`], so as not to spin on a listener that
//! stays readable, and let connections close); or the listener itself is broken (stop).
//! Each episode is logged once when it starts, and once when it ends. asyncio's
//! `_accept_connection` makes the same choices, and logs them the same way. And before
//! the first client, an event-loop server makes room in its descriptor table for every
//! connection it may accept ([`reserve_descriptors`]).

use std::io;
use std::os::fd::AsFd;

use rustix::process::{getrlimit, Resource};

pub use zenio::AcceptAction;

use crate::conversation::Limits;

/// How long accepting pauses after running out of descriptors or memory.
pub use zenio::ACCEPT_PAUSE;

/// The accept policy of one accept loop.
#[derive(Debug)]
pub struct AcceptPolicy {
    /// Connections the loop keeps open at most.
    max_connections: usize,
    /// The cap was reached and not left since (for one log line per episode).
    at_cap: bool,
    /// Accepting is pausing after running out of descriptors (one line per episode).
    starved: bool,
}

impl AcceptPolicy {
    /// The policy for a loop with these limits.
    pub fn new(limits: &Limits) -> AcceptPolicy {
        AcceptPolicy {
            max_connections: limits.max_connections,
            at_cap: false,
            starved: false,
        }
    }

    /// A connection was accepted while `open` others are open: whether to serve it (or,
    /// over the cap, close it at once).
    pub fn admit(&mut self, open: usize) -> bool {
        if self.starved {
            self.starved = false;
            tracing::warn!("accepting again");
        }
        let admitted = open < self.max_connections;
        if !admitted && !self.at_cap {
            let cap = self.max_connections;
            tracing::warn!("{cap} connections open: closing new ones");
        }
        self.at_cap = !admitted;
        admitted
    }

    /// `accept` failed with `error`: skip it, pause [`ACCEPT_PAUSE`], or stop accepting.
    pub fn after_error(&mut self, error: &io::Error) -> AcceptAction {
        let action = AcceptAction::of(error);
        if action == AcceptAction::Pause && !self.starved {
            self.starved = true;
            tracing::warn!("accept failed ({error}); pausing until it works again");
        }
        action
    }
}

/// Descriptors a server holds besides its connections (listeners, epoll, pipes), and the
/// room [`reserve_descriptors`] leaves for them.
const DESCRIPTORS_BESIDES_CONNECTIONS: usize = 64;

/// Grows this process's descriptor table, once and before the first client, to hold
/// `connections` more descriptors (as many as the soft `RLIMIT_NOFILE` allows): it opens a
/// copy of `anchor` at the top of that range (`F_DUPFD_CLOEXEC`) and closes it again.
///
/// Linux sizes the table to the highest descriptor in use, doubling it as descriptors are
/// opened, from 64 slots, and never shrinks it. In a process with more than one thread
/// (every server here has its second-signal thread, and per-core mode a thread per loop)
/// each doubling waits for an RCU grace period (`synchronize_rcu` in the kernel's
/// `expand_fdtable`), inside the `accept4` that needed the room, while clients wait: the
/// first 1,000 clients of a fresh server saw 20–38 ms stalls while its table grew to 1,024
/// slots, and no more than against a warmed-up server once it had been grown ahead
/// (`docs/benchmarks.md`). The cost is kernel memory, 8 bytes and 2 bits a slot: about
/// 130 KB for the default cap of 10,000.
pub fn reserve_descriptors(anchor: impl AsFd, connections: usize) -> io::Result<()> {
    let wanted = connections.saturating_add(DESCRIPTORS_BESIDES_CONNECTIONS) as u64;
    let allowed = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    let top = wanted.min(allowed.saturating_sub(1)).min(i32::MAX as u64) as i32;
    rustix::io::fcntl_dupfd_cloexec(anchor, top)?; // dropped, so closed, at once
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_connections: usize) -> AcceptPolicy {
        AcceptPolicy::new(&Limits {
            max_connections,
            ..Limits::default()
        })
    }

    #[test]
    fn connections_over_the_cap_are_refused_and_served_again_below_it() {
        let mut policy = policy(2);
        assert!(policy.admit(1));
        assert!(!policy.admit(2));
        assert!(!policy.admit(2));
        assert!(policy.admit(1));
    }

    #[test]
    fn running_out_of_descriptors_pauses_and_a_dead_connection_is_skipped() {
        let mut policy = policy(10);
        let emfile = io::Error::from_raw_os_error(24);
        assert_eq!(policy.after_error(&emfile), AcceptAction::Pause);
        let aborted = io::Error::from_raw_os_error(103);
        assert_eq!(policy.after_error(&aborted), AcceptAction::Skip);
        let not_a_socket = io::Error::from_raw_os_error(88);
        assert_eq!(policy.after_error(&not_a_socket), AcceptAction::Fatal);
    }
}
