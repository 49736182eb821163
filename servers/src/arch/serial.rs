//! `serial`: one client at a time (the seed's `srv_single.py`).
//!
//! Accept a connection, talk with it until it closes, accept the next. While one client
//! talks (or just stays connected), every other client waits in the listen queue. That is
//! the problem every other architecture here solves.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::thread;

use zenio::{AcceptAction, ACCEPT_PAUSE};

use super::{announce, blocking, listen::listen};
use crate::protocol::Session;

/// Binds `addr` and serves clients one after another.
pub fn run<S: Session>(addr: SocketAddr) -> io::Result<()> {
    let listener = listen(addr, false)?;
    announce(listener.local_addr()?)?;
    accept_forever::<S>(&listener)
}

/// The blocking accept loop, also run by each thread of `threads` and each process of
/// `prefork`. Accept errors are sorted by [`AcceptAction`]: out of descriptors pauses
/// instead of spinning.
pub fn accept_forever<S: Session>(listener: &TcpListener) -> io::Result<()> {
    loop {
        match listener.accept() {
            Ok((stream, peer)) => blocking::converse::<S>(stream, peer),
            Err(error) => match AcceptAction::of(&error) {
                AcceptAction::Skip => {}
                AcceptAction::Pause => {
                    tracing::warn!("accept failed ({error}); pausing for {ACCEPT_PAUSE:?}");
                    thread::sleep(ACCEPT_PAUSE);
                }
                AcceptAction::Fatal => return Err(error),
            },
        }
    }
}
