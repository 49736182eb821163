//! What to do when `accept4` fails, so that accept loops neither die nor spin.
//!
//! Some errors concern one connection that died in the queue (`ECONNABORTED`): skip it.
//! Others mean the process is out of descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`,
//! `ENOMEM`): the pending connection stays queued and the listener stays readable, so trying
//! again at once would spin at 100% CPU; pause instead, and let connections close. The rest
//! mean the listener itself is broken. asyncio's `_accept_connection` makes the same three
//! choices (it pauses for `ACCEPT_RETRY_DELAY`, one second).
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

use std::io;
use std::time::Duration;

use rustix::io::Errno;

/// How long an accept loop pauses after running out of descriptors or memory.
pub const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// What an accept loop should do after an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptAction {
    /// One connection failed before it was accepted: accept the next.
    Skip,
    /// The process is out of descriptors or memory: wait [`ACCEPT_PAUSE`], then retry.
    Pause,
    /// The listener itself is broken: stop.
    Fatal,
}

impl AcceptAction {
    /// Sorts an error returned by `accept`.
    pub fn of(error: &io::Error) -> AcceptAction {
        match error.raw_os_error().map(Errno::from_raw_os_error) {
            Some(Errno::CONNABORTED | Errno::PROTO | Errno::PERM | Errno::INTR) => {
                AcceptAction::Skip
            }
            Some(Errno::MFILE | Errno::NFILE | Errno::NOBUFS | Errno::NOMEM) => AcceptAction::Pause,
            _ => AcceptAction::Fatal,
        }
    }
}
