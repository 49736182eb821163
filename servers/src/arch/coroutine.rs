//! `coroutine`: an `async fn` per connection (the seed's `srv_asyncio2.py`, asyncio's
//! streams).
//!
//! The code reads like the blocking version (read, feed, write, repeat), but each `.await`
//! gives the thread back to the runtime while the socket is not ready, so one thread serves
//! thousands of clients. The task per connection is asyncio's `start_server` callback.
//!
//! Each read also races the connection's deadline ([`Limits`]: idle timeout, request
//! timeout) and the stop signal. At shutdown the accept loop closes the listener and calls
//! [`Stop::begin`]; a connection waiting for its next request then answers whatever the
//! client already sent (a read that does not wait) and closes.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};
use std::time::Instant;

use futures_lite::future;
use zenio::{Sleep, TcpStream};

use super::accept_loop::AcceptLoop;
use super::{LINGER_LIMIT, LINGER_TIME};
use crate::limits::{Clock, Expiry, Limits};
use crate::log;
use crate::protocol::{Flow, Session};
use crate::stop::{OpenConnection, Stop, Summary};

/// Bytes per read: what one thread's connections share (see [`read_and_feed`]).
const READ_BUFFER: usize = 64 * 1024;

thread_local! {
    /// The read buffer every coroutine connection of this thread borrows for one poll.
    static SHARED_BUFFER: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_BUFFER].into());
}

/// Serves with an `async fn` per connection until the stop signal (see [`AcceptLoop`]).
/// Returns what it served.
pub async fn serve<S: Session>(accept: AcceptLoop) -> Summary {
    let limits = accept.limits;
    accept
        .serve(|stop, stream, peer| {
            // Counted as open from now, not from the task's first poll, so that a shutdown
            // starting in between waits for it.
            let open = stop.open_connection();
            let stop = stop.clone();
            zenio::spawn(converse::<S>(stream, peer, stop, open, limits)).detach();
        })
        .await
}

/// One connection's task.
async fn converse<S: Session>(
    stream: TcpStream,
    peer: SocketAddr,
    stop: Stop,
    mut open: OpenConnection,
    limits: Limits,
) {
    log::accepted(peer);
    let mut session = S::default();
    let outcome = talk(&stream, &mut session, &stop, &limits).await;
    open.set_requests(session.answered());
    log::closed(peer, outcome);
}

/// The conversation loop; returns what the client left unfinished at EOF.
async fn talk<S: Session>(
    stream: &TcpStream,
    session: &mut S,
    stop: &Stop,
    limits: &Limits,
) -> io::Result<Option<String>> {
    let mut output = Vec::new();
    let mut clock = Clock::new(zenio::now());
    let mut watch = Watch {
        timer: zenio::sleep_until(clock.deadline(limits).0),
        stopped: stop.stopped(),
        stop,
    };
    loop {
        let flow = match next_read(stream, session, &mut output, &mut watch, &clock, limits).await?
        {
            Next::Fed(flow) => flow,
            Next::Eof => return Ok(session.unfinished_at_eof()),
            Next::IdleAtStop => return Ok(None),
            Next::Expired(why) => {
                return Err(io::Error::new(io::ErrorKind::TimedOut, why.describe()))
            }
        };
        clock.on_read(zenio::now(), session.in_request());
        stream.write_all(&output).await?;
        output.clear();
        match flow {
            Flow::Continue => {}
            Flow::Close => return Ok(None),
            Flow::Reject => {
                stream.shutdown(Shutdown::Write)?;
                // Rare, so boxed: the lingering close's timer and loop would otherwise
                // add to every connection's task.
                let _ = Box::pin(zenio::timeout(LINGER_TIME, discard(stream))).await;
                return Ok(None);
            }
        }
    }
}

/// What a connection watches besides its socket, kept across reads so that waiting costs no
/// new timer and no new waiter slot per request.
struct Watch<'a, F> {
    /// Fires at the connection's deadline (re-armed lazily).
    timer: Sleep,
    /// Completes when the server starts stopping.
    stopped: F,
    /// The runtime's stop state.
    stop: &'a Stop,
}

/// What waiting for the next read ended with.
enum Next {
    /// Bytes came and were fed to the session, which said this; its answers are in `output`.
    Fed(Flow),
    /// The client closed its side.
    Eof,
    /// The server is stopping and nothing more has arrived.
    IdleAtStop,
    /// The connection's time ran out (see [`Limits`]).
    Expired(Expiry),
}

/// Waits for the next bytes (and feeds them to `session`), the stop signal, or the
/// connection's deadline. Once the server is stopping, only takes what is already there.
///
/// The deadline is checked lazily: `timer` is armed once and re-armed only when it fires
/// before the (moving) deadline, or when the deadline moves earlier (a request began), so a
/// busy connection does not touch the timer queue on every request.
async fn next_read<S: Session, F: Future<Output = ()> + Unpin>(
    stream: &TcpStream,
    session: &mut S,
    output: &mut Vec<u8>,
    watch: &mut Watch<'_, F>,
    clock: &Clock,
    limits: &Limits,
) -> io::Result<Next> {
    while !watch.stop.is_stopping() {
        let (deadline, why) = clock.deadline(limits);
        if deadline < watch.timer.deadline() {
            watch.timer.reset(deadline);
        }
        let read = poll_fn(|cx| read_and_feed(stream, session, output, cx).map(Some));
        let stopped = async {
            (&mut watch.stopped).await;
            None
        };
        let timed_out = async {
            (&mut watch.timer).await;
            None
        };
        match future::or(read, future::or(stopped, timed_out)).await {
            Some(result) => return result,
            None if watch.stop.is_stopping() => break,
            None if Instant::now() >= deadline => return Ok(Next::Expired(why)),
            None => watch.timer.reset(deadline), // fired early: the deadline moved on
        }
    }
    SHARED_BUFFER.with_borrow_mut(|buffer| match stream.try_read(buffer) {
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(Next::IdleAtStop),
        Err(error) => Err(error),
        Ok(0) => Ok(Next::Eof),
        Ok(n) => Ok(Next::Fed(session.feed(&buffer[..n], output))),
    })
}

/// One poll of a read that feeds what it got to `session` at once. The buffer is borrowed for
/// this poll only, from one shared by the thread's connections, so a connection waiting for its
/// next request holds none: the callback style's trick (see `zenio::serve`), inside a
/// coroutine.
fn read_and_feed<S: Session>(
    stream: &TcpStream,
    session: &mut S,
    output: &mut Vec<u8>,
    cx: &mut Context<'_>,
) -> Poll<io::Result<Next>> {
    SHARED_BUFFER.with_borrow_mut(|buffer| {
        stream.poll_read_with(cx, buffer).map_ok(|n| match n {
            0 => Next::Eof,
            n => Next::Fed(session.feed(&buffer[..n], output)),
        })
    })
}

/// The reading half of a lingering close (see [`Flow::Reject`]): discards what the client
/// still sends, up to [`LINGER_LIMIT`] bytes, until it closes.
async fn discard(stream: &TcpStream) -> io::Result<()> {
    let mut buffer = [0; 1024];
    let mut discarded = 0;
    while discarded < LINGER_LIMIT {
        match stream.read(&mut buffer).await? {
            0 => break,
            n => discarded += n,
        }
    }
    Ok(())
}
