//! `coroutine`: an `async fn` per connection (the seed's `srv_asyncio2.py`, asyncio's
//! streams).
//!
//! The code reads like the blocking version (read, feed, write, repeat), but each `.await`
//! gives the thread back to the runtime while the socket is not ready, so one thread serves
//! thousands of clients. The task per connection is asyncio's `start_server` callback.
//!
//! At shutdown the accept loop closes the listener and calls [`Stop::begin`]; a connection
//! waiting for its next request then answers whatever the client already sent (a read that
//! does not wait) and closes.

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use futures_lite::future;
use zenio::{TcpListener, TcpStream};

use super::accept_loop::serve_until_stopped;
use super::{LINGER_LIMIT, LINGER_TIME};
use crate::log;
use crate::protocol::{Flow, Session};
use crate::shutdown::StopPipe;
use crate::stop::{OpenConnection, Stop, Summary};

/// Bytes per read. Small on purpose: the buffer lives in every connection's task, idle or
/// not, and requests here are short.
const READ_BUFFER: usize = 1024;

/// Serves on `listener` until a stop signal arrives on `pipe`, then winds down for at most
/// `grace` (see [`serve_until_stopped`]). Returns what it served.
pub async fn serve<S: Session>(listener: TcpListener, pipe: StopPipe, grace: Duration) -> Summary {
    let stop = Stop::default();
    serve_until_stopped(listener, pipe, grace, &stop, |stream, peer| {
        // Counted as open from now, not from the task's first poll, so that a shutdown
        // starting in between waits for it.
        let open = stop.open_connection();
        zenio::spawn(converse::<S>(stream, peer, stop.clone(), open)).detach();
    })
    .await
}

/// One connection's task.
async fn converse<S: Session>(
    stream: TcpStream,
    peer: SocketAddr,
    stop: Stop,
    mut open: OpenConnection,
) {
    log::accepted(peer);
    let mut session = S::default();
    let outcome = talk(&stream, &mut session, &stop).await;
    open.set_requests(session.answered());
    log::closed(peer, outcome);
}

/// The conversation loop; returns what the client left unfinished at EOF.
async fn talk<S: Session>(
    stream: &TcpStream,
    session: &mut S,
    stop: &Stop,
) -> io::Result<Option<String>> {
    let mut buffer = [0; READ_BUFFER];
    let mut output = Vec::new();
    loop {
        let n = match next_read(stream, &mut buffer, stop).await? {
            Some(0) => return Ok(session.unfinished_at_eof()),
            Some(n) => n,
            None => return Ok(None), // idle when the server stopped
        };
        let flow = session.feed(&buffer[..n], &mut output);
        stream.write_all(&output).await?;
        output.clear();
        match flow {
            Flow::Continue => {}
            Flow::Close => return Ok(None),
            Flow::Reject => {
                stream.shutdown(Shutdown::Write)?;
                let _ = zenio::timeout(LINGER_TIME, discard(stream, &mut buffer)).await;
                return Ok(None);
            }
        }
    }
}

/// Reads the next bytes. Once the server is stopping, only takes what is already there:
/// `None` means the connection is idle and can close.
async fn next_read(
    stream: &TcpStream,
    buffer: &mut [u8],
    stop: &Stop,
) -> io::Result<Option<usize>> {
    if !stop.is_stopping() {
        let read = async { Some(stream.read(buffer).await) };
        let stopped = async {
            stop.stopped().await;
            None
        };
        if let Some(result) = future::or(read, stopped).await {
            return result.map(Some);
        }
    }
    match stream.try_read(buffer) {
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(None),
        result => result.map(Some),
    }
}

/// The reading half of a lingering close (see [`Flow::Reject`]): discards what the client
/// still sends, up to [`LINGER_LIMIT`] bytes, until it closes.
async fn discard(stream: &TcpStream, buffer: &mut [u8]) -> io::Result<()> {
    let mut discarded = 0;
    while discarded < LINGER_LIMIT {
        match stream.read(buffer).await? {
            0 => break,
            n => discarded += n,
        }
    }
    Ok(())
}
