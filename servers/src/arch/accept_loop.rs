//! The accept loop of the zenio architectures (`callback`, `coroutine`, `hyper`), with
//! graceful shutdown. Each architecture supplies only what differs: how a connection starts.
//!
//! It accepts until the stop signal arrives, following the [`AcceptPolicy`] (the connection
//! cap, running out of descriptors). Then it accepts the clients still queued, closes the
//! listener, waits (asynchronously: the loop keeps serving) until every loop of the server
//! has closed its listener, starts the [`Drain`], and waits at most the grace period for
//! the last connection to close. The summary it returns carries the runtime's counters,
//! read then.

use std::net::SocketAddr;
use std::time::Duration;

use futures_lite::future;
use zenio::{TcpListener, TcpStream};

use super::Options;
use crate::accept::{AcceptAction, AcceptPolicy, ACCEPT_PAUSE};
use crate::conversation::Limits;
use crate::shutdown::{Drain, OpenConnection, Stage, StopSignal, Summary};

/// One event loop's accept loop, ready to run: what every zenio architecture is given.
pub struct AcceptLoop {
    /// Where clients arrive.
    listener: TcpListener,
    /// Where the stop signal arrives.
    signal: StopSignal,
    /// How long open conversations may take to finish after the stop signal.
    grace: Duration,
    /// Timeouts and the connection cap.
    pub limits: Limits,
    /// The loop's connections winding down, shared with each of them.
    pub drain: Drain,
}

impl AcceptLoop {
    /// An accept loop on `listener` that stops at `signal`.
    pub fn new(listener: TcpListener, signal: StopSignal, options: &Options) -> AcceptLoop {
        AcceptLoop {
            listener,
            signal,
            grace: options.grace,
            limits: options.limits(),
            drain: Drain::default(),
        }
    }

    /// Serves with `start(open, stream, peer)` for each connection until the stop signal,
    /// then winds down (see the module docs). Returns what it served, with this thread's
    /// runtime counters. A connection counts as open from `start`, not from its task's first
    /// poll, so that a shutdown starting in between waits for it.
    pub async fn serve(self, start: impl Fn(OpenConnection, TcpStream, SocketAddr)) -> Summary {
        let (listener, signal, drain) = (self.listener, self.signal, self.drain);
        let accepting = async {
            let mut policy = AcceptPolicy::new(&self.limits);
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) if policy.admit(drain.open_count()) => {
                        start(drain.open_connection(), stream, peer)
                    }
                    Ok(_over_the_cap) => {}
                    Err(error) => match policy.after_error(&error) {
                        AcceptAction::Skip => {}
                        AcceptAction::Pause => zenio::sleep(ACCEPT_PAUSE).await,
                        AcceptAction::Fatal => {
                            return tracing::error!("cannot accept any more: {error}")
                        }
                    },
                }
            }
        };
        let watch = signal.watch();
        let signalled = async {
            let failed = match &watch {
                Ok(watch) => watch.wait().await.err().map(|error| error.to_string()),
                Err(error) => Some(error.to_string()),
            };
            if let Some(error) = failed {
                tracing::error!("cannot watch for stop signals: {error}");
                future::pending::<()>().await;
            }
        };
        future::or(accepting, signalled).await;
        drain.stopping().reach(Stage::ClosingListener);
        let winding_down = async {
            while let Ok((stream, peer)) = listener.try_accept() {
                start(drain.open_connection(), stream, peer);
            }
            drop(listener);
            if !signal.listener_closed() {
                while !signal.all_listeners_closed() {
                    let Ok(watch) = &watch else { break };
                    if watch.wait().await.is_err() {
                        break;
                    }
                }
            }
            drain.begin();
            drain.all_closed().await;
        };
        let _ = zenio::timeout(self.grace, winding_down).await;
        Summary {
            runtime: Some(zenio::stats()),
            ..drain.summary()
        }
    }
}
