//! Log lines about connections, the ones the seed servers `print`.
//!
//! They go through `tracing` to stderr. Per-connection lines (accepted, closed, errors) are
//! at `INFO`, shown with `-v`; by default only warnings and errors appear, so a busy server
//! does not spend its time writing logs.

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;

use tracing::{enabled, info, Level};

use crate::conversation::Ending;

/// Sends `tracing` output to stderr: `INFO` and up with `-v`, `WARN` and up without.
pub fn init(verbose: bool) {
    let level = if verbose { Level::INFO } else { Level::WARN };
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_max_level(level)
        .with_target(false)
        .init();
}

thread_local! {
    /// The index of this thread's event loop in per-core mode, for log lines.
    static CORE: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Says, in this thread's log lines, which per-core event loop it runs.
pub fn set_core(core: usize) {
    CORE.with(|c| c.set(Some(core)));
}

/// A client's address, for its log lines: kept (see [`peer`]) only when they are shown.
pub type Peer = Option<Box<SocketAddr>>;

/// `addr`, kept if per-connection lines are shown (`-v`): so an idle connection does not
/// carry, unprinted, the 32 bytes of a `SocketAddr`.
pub fn peer(addr: SocketAddr) -> Peer {
    enabled!(Level::INFO).then(|| Box::new(addr))
}

/// A client connected (`None`: its address was not kept, as the line is not shown).
pub fn accepted(peer: Option<&SocketAddr>) {
    let Some(peer) = peer else { return };
    match CORE.with(Cell::get) {
        Some(core) => info!("Accepted connection from {peer} on core {core}"),
        None => info!("Accepted connection from {peer}"),
    }
}

/// A conversation ended: at EOF (with or without an unfinished request), after the protocol
/// or the server closed it, when its time ran out, or with an error.
pub fn closed(peer: Option<&SocketAddr>, ending: Ending) {
    let Some(peer) = peer else { return };
    match ending {
        Ending::Clean => info!("Client {peer} closed socket normally"),
        Ending::Unfinished(unfinished) => info!("Client {peer} sent {unfinished} but then closed"),
        Ending::Expired(why) => info!("Client {peer} error: {}", why.describe()),
        Ending::Failed(error) => info!("Client {peer} error: {error}"),
    }
}
