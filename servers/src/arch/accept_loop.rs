//! The accept loop of the `callback` and `coroutine` styles, with graceful shutdown.
//!
//! It accepts until the stop signal arrives (closing at once any connection above the
//! `--max-conns` cap), then: accepts the clients still queued (their
//! handshake finished before the signal, so their requests are owed an answer too), closes
//! the listener, waits for the other event loops to close theirs (per-core mode), tells
//! every connection to finish ([`Stop::begin`]), and waits at most the grace period for the
//! last connection to close. The summary it returns carries the runtime's counters, read
//! then.

use std::net::SocketAddr;
use std::time::Duration;

use futures_lite::future;
use zenio::{TcpListener, TcpStream};

use crate::shutdown::StopPipe;
use crate::stop::{Stop, Summary};

/// Serves on `listener` with `start(stream, peer)` for each connection until a stop signal
/// arrives on `pipe`, then winds down (see the module docs). Returns what it served, with
/// this thread's runtime counters.
pub async fn serve_until_stopped(
    listener: TcpListener,
    pipe: StopPipe,
    grace: Duration,
    stop: &Stop,
    max_connections: usize,
    mut start: impl FnMut(TcpStream, SocketAddr),
) -> Summary {
    let listeners = pipe.listeners();
    let accepting = async {
        let mut at_limit = false;
        loop {
            let (stream, peer) = match listener.accept_next().await {
                Ok(accepted) => accepted,
                Err(error) => return tracing::error!("cannot accept any more: {error}"),
            };
            // Over the connection cap: accept and close at once, saying so once per episode.
            if stop.open_count() >= max_connections {
                if !at_limit {
                    tracing::warn!("{max_connections} connections open: closing new ones");
                }
                at_limit = true;
                drop(stream);
                continue;
            }
            at_limit = false;
            start(stream, peer);
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
        start(stream, peer);
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
