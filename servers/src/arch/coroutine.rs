//! `coroutine`: an `async fn` per connection (the seed's `srv_asyncio2.py`, asyncio's
//! streams).
//!
//! The code reads like the blocking version (read, feed, write, repeat), but each `.await`
//! gives the thread back to the runtime while the socket is not ready, so one thread serves
//! thousands of clients. The task per connection is asyncio's `start_server` callback.

use std::io;
use std::net::{Shutdown, SocketAddr};

use zenio::{TcpListener, TcpStream};

use super::{announce, bind_error, LINGER_LIMIT, LINGER_TIME};
use crate::log;
use crate::protocol::{Flow, Session};

/// Bytes per read. Small on purpose: the buffer lives in every connection's task, idle or
/// not, and requests here are short.
const READ_BUFFER: usize = 1024;

/// Binds `addr` and serves every client in a task of its own.
pub async fn run<S: Session>(addr: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::bind(addr).map_err(|e| bind_error(addr, e))?;
    announce(listener.local_addr()?)?;
    serve::<S>(&listener).await
}

/// Accepts forever on `listener`, one task per connection.
pub async fn serve<S: Session>(listener: &TcpListener) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept_next().await?;
        zenio::spawn(converse::<S>(stream, peer)).detach();
    }
}

/// One connection's task.
async fn converse<S: Session>(stream: TcpStream, peer: SocketAddr) {
    log::accepted(peer);
    let outcome = talk(&stream, S::default()).await;
    log::closed(peer, outcome);
}

/// The conversation loop; returns what the client left unfinished at EOF.
async fn talk<S: Session>(stream: &TcpStream, mut session: S) -> io::Result<Option<String>> {
    let mut buffer = [0; READ_BUFFER];
    let mut output = Vec::new();
    loop {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Ok(session.unfinished_at_eof());
        }
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
