//! `serial`: one client at a time (the seed's `srv_single.py`).
//!
//! Accept a connection, talk with it until it closes, accept the next. While one client
//! talks (or just stays connected), every other client waits in the listen queue. That is
//! the problem every other architecture here solves.

use std::io;
use std::net::SocketAddr;
use std::thread;

use super::blocking::{self, Server};
use super::{announce, listen_blocking, Options};
use crate::accept::{AcceptAction, AcceptPolicy, ACCEPT_PAUSE};
use crate::protocol::Session;
use crate::shutdown::{print_summaries, Stage, Summary};

/// Binds `addr` and serves clients one after another until a stop signal.
pub fn run<S: Session>(addr: SocketAddr, options: &Options) -> io::Result<()> {
    let server = blocking::watch_for_stop(listen_blocking(addr)?, options)?;
    announce(server.listener.local_addr()?)?;
    let summary = accept_forever::<S>(&server)?;
    print_summaries("server", &[summary]);
    Ok(())
}

/// The blocking accept loop, also run by each thread of `threads` and each process of
/// `prefork`, until the server stops: then `accept` fails (the stop watcher shut the
/// listener down), and the loop serves the connections the watcher drained from the queue
/// before returning. Accept errors follow the [`AcceptPolicy`]. (A blocking loop serves one
/// connection at a time, so the connection cap never applies.)
pub fn accept_forever<S: Session>(server: &Server) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut policy = AcceptPolicy::new(&server.limits);
    loop {
        match server.listener.accept() {
            Ok((stream, peer)) => {
                if policy.admit(0) {
                    let answered = blocking::converse::<S>(stream, peer, server);
                    summary.add_connection(answered);
                }
            }
            Err(_) if server.stopping.stage() >= Stage::ClosingListener => {
                let drained = || server.drained.lock().ok().and_then(|d| d.recv().ok());
                while let Some((stream, peer)) = drained() {
                    let answered = blocking::converse::<S>(stream, peer, server);
                    summary.add_connection(answered);
                }
                return Ok(summary);
            }
            Err(error) => match policy.after_error(&error) {
                AcceptAction::Skip => {}
                AcceptAction::Pause => thread::sleep(ACCEPT_PAUSE),
                AcceptAction::Fatal => return Err(error),
            },
        }
    }
}
