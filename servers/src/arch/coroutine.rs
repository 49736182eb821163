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
//!
//! The task is what an idle connection costs, so its future is kept small: the limits are
//! the loop's, shared; each wait is one `poll_fn` that polls the socket, the drain and the
//! timer by hand (a combinator of `async` blocks would hold references to all of them
//! again); and nothing is moved into the task twice (see [`converse`]).

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::net::Shutdown;
use std::rc::Rc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use futures_lite::FutureExt;
use zenio::{Sleep, TcpStream};

use super::accept_loop::AcceptLoop;
use crate::conversation::{Conversation, Limits, Next};
use crate::log::{self, Peer};
use crate::protocol::Session;
use crate::shutdown::{OpenConnection, Summary};

/// Bytes per read: what one thread's connections share (see [`read`]).
const READ_BUFFER: usize = 64 * 1024;

thread_local! {
    /// The read buffer every coroutine connection of this thread borrows for one poll.
    static SHARED_BUFFER: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_BUFFER].into());
}

/// Serves with an `async fn` per connection until the stop signal (see [`AcceptLoop`]).
/// Returns what it served.
pub async fn serve<S: Session>(accept: AcceptLoop) -> Summary {
    let limits = Rc::new(accept.limits);
    accept
        .serve(|open, stream, peer| {
            let peer = log::peer(peer);
            zenio::spawn(converse::<S>(stream, peer, open, Rc::clone(&limits))).detach();
        })
        .await
}

/// One connection's task: does what the conversation asks until it says close.
///
/// A plain function returning an `async move` block, not an `async fn`: an `async fn`
/// keeps its arguments beside the locals it moves them into (chapter 7), so every waiting
/// connection would hold them twice.
#[expect(clippy::manual_async_fn, reason = "see the comment above")]
fn converse<S: Session>(
    stream: TcpStream,
    peer: Peer,
    open: OpenConnection,
    limits: Rc<Limits>,
) -> impl Future<Output = ()> {
    async move {
        log::accepted(peer.as_deref());
        let mut conversation = Conversation::<S>::new(zenio::now(), &limits);
        let mut timer = zenio::sleep_until(conversation.deadline());
        let mut draining = open.drain().draining();
        loop {
            if open.drain().is_draining() {
                conversation.stop();
            }
            let now = zenio::now();
            arm(&mut timer, conversation.deadline(), now);
            match conversation.next(now) {
                Next::Write(bytes) => {
                    // `None`: the deadline came first, and `next` decides.
                    let write = poll_fn(|cx| match stream.poll_write_with(cx, bytes) {
                        Poll::Ready(written) => Poll::Ready(Some(written)),
                        Poll::Pending => timer.poll(cx).map(|()| None),
                    });
                    if let Some(written) = write.await {
                        conversation.write_done(written);
                    }
                }
                Next::ShutDown => match stream.shutdown(Shutdown::Write) {
                    Ok(()) => conversation.shut_down(),
                    Err(error) => conversation.failed(error),
                },
                Next::Read => {
                    // Bytes (already fed to the conversation), the drain, or the deadline.
                    poll_fn(|cx| match read(&stream, cx, &mut conversation, &limits) {
                        Poll::Ready(()) => Poll::Ready(()),
                        Poll::Pending if draining.poll(cx).is_ready() => Poll::Ready(()),
                        Poll::Pending => timer.poll(cx),
                    })
                    .await
                }
                Next::ReadNow => read_now(&stream, &mut conversation, &limits),
                Next::Close => break,
            }
        }
        open.add_requests(conversation.answered());
        log::closed(peer.as_deref(), conversation.finish());
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
