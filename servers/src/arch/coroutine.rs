//! `coroutine`: an `async fn` per connection (the seed's `srv_asyncio2.py`, asyncio's
//! streams).
//!
//! The code reads like the blocking version (do what the conversation asks: write, read,
//! repeat), but each `.await` gives the thread back to the runtime while the socket is not
//! ready, so one thread serves thousands of clients. The task per connection is asyncio's
//! `start_server` callback.
//!
//! Each wait also races the conversation's deadline (one timer per connection, re-armed
//! only when it fires early) and, for reads, the start of the [`Drain`]; then the
//! conversation takes its last look, a read that does not wait.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::net::{Shutdown, SocketAddr};
use std::task::{ready, Context, Poll};
use std::time::Instant;

use futures_lite::future;
use zenio::{Sleep, TcpStream};

use super::accept_loop::AcceptLoop;
use crate::conversation::{Conversation, Limits, Next};
use crate::log;
use crate::protocol::Session;
use crate::shutdown::{Drain, OpenConnection, Summary};

/// Bytes per read: what one thread's connections share (see [`read`]).
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
        .serve(|drain, stream, peer| {
            // Counted as open from now, not from the task's first poll, so that a shutdown
            // starting in between waits for it.
            let open = drain.open_connection();
            let drain = drain.clone();
            zenio::spawn(converse::<S>(stream, peer, drain, open, limits)).detach();
        })
        .await
}

/// One connection's task.
async fn converse<S: Session>(
    stream: TcpStream,
    peer: SocketAddr,
    drain: Drain,
    mut open: OpenConnection,
    limits: Limits,
) {
    log::accepted(peer);
    let mut conversation = Conversation::<S>::new(zenio::now(), &limits);
    talk(&stream, &mut conversation, &drain, &limits).await;
    open.set_requests(conversation.answered());
    log::closed(peer, conversation.finish());
}

/// Does what the conversation asks until it says close.
async fn talk<S: Session>(
    stream: &TcpStream,
    conversation: &mut Conversation<S>,
    drain: &Drain,
    limits: &Limits,
) {
    let mut timer = zenio::sleep_until(conversation.deadline());
    let mut draining = drain.draining();
    loop {
        if drain.is_draining() {
            conversation.stop();
        }
        let now = zenio::now();
        arm(&mut timer, conversation.deadline(), now);
        match conversation.next(now) {
            Next::Write(bytes) => {
                // `None`: the deadline came first, and `next` decides.
                if let Some(written) = or_timer(stream.write(bytes), &mut timer).await {
                    conversation.write_done(written);
                }
            }
            Next::ShutDown => match stream.shutdown(Shutdown::Write) {
                Ok(()) => conversation.shut_down(),
                Err(error) => conversation.failed(error),
            },
            Next::Read => {
                let read = poll_fn(|cx| read(stream, cx, conversation, limits));
                let drained = async {
                    (&mut draining).await;
                    None
                };
                // Bytes (already fed to the conversation), the drain, or the deadline.
                let _ = future::or(or_timer(read, &mut timer), drained).await;
            }
            Next::ReadNow => read_now(stream, conversation, limits),
            Next::Close => return,
        }
    }
}

/// Moves the connection's one timer to `deadline` when it would fire late (the deadline
/// moved earlier: a request began) or has fired (the deadline moved on since): so a busy
/// connection does not touch the timer queue on every request.
fn arm(timer: &mut Sleep, deadline: Instant, now: Instant) {
    if deadline < timer.deadline() || timer.deadline() <= now {
        timer.reset(deadline);
    }
}

/// Runs `io` until it completes (`Some`) or `timer` fires (`None`).
async fn or_timer<T>(io: impl Future<Output = T>, timer: &mut Sleep) -> Option<T> {
    let io = async { Some(io.await) };
    let fired = async {
        timer.await;
        None
    };
    future::or(io, fired).await
}

/// One poll of a read that feeds what it got to the conversation at once. The buffer is
/// borrowed for this poll only, from one shared by the thread's connections, so a connection
/// waiting for its next request holds none: the callback style's trick (see `zenio::serve`),
/// inside a coroutine.
fn read<S: Session>(
    stream: &TcpStream,
    cx: &mut Context<'_>,
    conversation: &mut Conversation<S>,
    limits: &Limits,
) -> Poll<()> {
    SHARED_BUFFER.with_borrow_mut(|buffer| {
        let read = ready!(stream.poll_read_with(cx, buffer));
        conversation.read_done(read.map(|n| &buffer[..n]), zenio::now(), limits);
        Poll::Ready(())
    })
}

/// The last look: a read that does not wait; finding nothing ends the conversation.
fn read_now<S: Session>(stream: &TcpStream, conversation: &mut Conversation<S>, limits: &Limits) {
    SHARED_BUFFER.with_borrow_mut(|buffer| {
        let read = stream.try_read(buffer).map(|n| &buffer[..n]);
        conversation.read_done(read, zenio::now(), limits);
    })
}
