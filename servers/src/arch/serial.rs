//! `serial`: one client at a time (the seed's `srv_single.py`).
//!
//! Accept a connection, talk with it until it closes, accept the next. While one client
//! talks (or just stays connected), every other client waits in the listen queue. That is
//! the problem every other architecture here solves.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::thread;
use std::time::Duration;

use zenio::{AcceptAction, ACCEPT_PAUSE};

use super::blocking::{self, Drained};
use super::{announce, listen::listen};
use crate::limits::Limits;
use crate::protocol::Session;
use crate::shutdown;
use crate::stop::{print_summaries, Summary};

/// Binds `addr` and serves clients one after another until a stop signal.
pub fn run<S: Session>(addr: SocketAddr, grace: Duration, limits: &Limits) -> io::Result<()> {
    let listener = listen(addr, false)?;
    let drained = blocking::watch_for_stop(&listener, grace)?;
    announce(listener.local_addr()?)?;
    let summary = accept_forever::<S>(&listener, &drained, limits)?;
    print_summaries("server", &[summary]);
    Ok(())
}

/// The blocking accept loop, also run by each thread of `threads` and each process of
/// `prefork`, until the server stops: then `accept` fails (the stop watcher shut the
/// listener down), and the loop serves the connections the watcher drained from the queue
/// before returning. Accept errors are sorted by [`AcceptAction`]: out of descriptors
/// pauses instead of spinning.
pub fn accept_forever<S: Session>(
    listener: &TcpListener,
    drained: &Drained,
    limits: &Limits,
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut starved = false;
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                starved = false;
                summary.add_connection(blocking::converse::<S>(stream, peer, limits));
            }
            Err(_) if shutdown::stopping() => {
                while let Some((stream, peer)) = drained.next() {
                    summary.add_connection(blocking::converse::<S>(stream, peer, limits));
                }
                return Ok(summary);
            }
            Err(error) => match AcceptAction::of(&error) {
                AcceptAction::Skip => {}
                AcceptAction::Pause => {
                    if !starved {
                        tracing::warn!("accept failed ({error}); pausing until it works again");
                    }
                    starved = true;
                    thread::sleep(ACCEPT_PAUSE);
                }
                AcceptAction::Fatal => return Err(error),
            },
        }
    }
}
