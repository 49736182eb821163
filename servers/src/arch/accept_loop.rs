//! The accept loop of the zenio architectures (`callback`, `coroutine`, `hyper`), with
//! graceful shutdown. Each architecture supplies only what differs: how a connection starts.
//!
//! It accepts until the stop signal arrives (closing at once any connection above the
//! `--max-conns` cap), then: accepts the clients still queued (their
//! handshake finished before the signal, so their requests are owed an answer too), closes
//! the listener, waits for the other event loops to close theirs (per-core mode), tells
//! every connection to finish ([`Stop::begin`]), and waits at most the grace period for the
//! last connection to close. The summary it returns carries the runtime's counters, read
//! then.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use futures_lite::future;
use zenio::{TcpListener, TcpStream};

use crate::limits::Limits;
use crate::shutdown::StopPipe;
use crate::stop::{Stop, Summary};

/// One event loop's accept loop, ready to run: what every zenio architecture is given.
pub struct AcceptLoop {
    /// Where clients arrive.
    listener: TcpListener,
    /// Where the stop signal arrives.
    pipe: StopPipe,
    /// How long open conversations may take to finish after the stop signal.
    grace: Duration,
    /// Timeouts and the connection cap.
    pub limits: Limits,
    /// The shutdown state and counts this loop's connections share.
    pub stop: Stop,
}

impl AcceptLoop {
    /// An accept loop on `listener` (made non-blocking and registered with this thread's
    /// runtime) that stops when a signal arrives on `pipe`.
    pub fn new(
        listener: std::net::TcpListener,
        pipe: StopPipe,
        grace: Duration,
        limits: Limits,
    ) -> io::Result<AcceptLoop> {
        Ok(AcceptLoop {
            listener: zenio::TcpListener::from_std(listener)?,
            pipe,
            grace,
            limits,
            stop: Stop::default(),
        })
    }

    /// Serves with `start(&stop, stream, peer)` for each connection until a stop signal,
    /// then winds down (see the module docs). Returns what it served, with this thread's
    /// runtime counters.
    pub async fn serve(self, mut start: impl FnMut(&Stop, TcpStream, SocketAddr)) -> Summary {
        let AcceptLoop {
            listener,
            pipe,
            grace,
            limits,
            stop,
        } = self;
        let listeners = pipe.listeners();
        let accepting = async {
            let mut at_limit = false;
            loop {
                let (stream, peer) = match listener.accept_next().await {
                    Ok(accepted) => accepted,
                    Err(error) => return tracing::error!("cannot accept any more: {error}"),
                };
                // Over the connection cap: accept and close at once, saying so once per
                // episode.
                if stop.open_count() >= limits.max_connections {
                    if !at_limit {
                        let cap = limits.max_connections;
                        tracing::warn!("{cap} connections open: closing new ones");
                    }
                    at_limit = true;
                    drop(stream);
                    continue;
                }
                at_limit = false;
                start(&stop, stream, peer);
            }
        };
        let signalled = async {
            if let Err(error) = pipe.wait().await {
                tracing::error!("cannot watch for stop signals: {error}");
                future::pending::<()>().await;
            }
        };
        future::or(accepting, signalled).await;
        while let Ok((stream, peer)) = listener.try_accept() {
            start(&stop, stream, peer);
        }
        drop(listener);
        listeners.closed_and_wait_for_all(grace);
        stop.begin();
        let _ = zenio::timeout(grace, stop.all_closed()).await;
        Summary {
            runtime: Some(zenio::stats()),
            ..stop.summary()
        }
    }
}
