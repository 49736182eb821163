//! `coroutine`: an `async fn` per connection (the seed's `srv_asyncio2.py`, asyncio's
//! streams).
//!
//! The code reads like the blocking version (do what the conversation asks: write, read,
//! repeat), but each `.await` gives the thread back to the runtime while the socket is not
//! ready, so one thread serves thousands of clients. The task per connection is asyncio's
//! `start_server` callback.
//!
//! Each wait also races the conversation's deadline (one timer per connection, re-armed
//! only when it fires early) and, for reads, the start of the
//! [`Drain`](crate::shutdown::Drain); then the conversation takes its last look, a read
//! that does not wait.
//!
//! The task is what an idle connection costs, so its future is kept small: the limits are
//! the loop's, shared; the connection's state is one struct, `Connection`, moved into the
//! task once (see `converse`); and each wait is one `poll_fn` around one of its methods,
//! which polls the socket, the drain and the timer by hand (a combinator of `async` blocks
//! would hold references of their own to all of them).

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

/// Bytes per read: what one thread's connections share (see [`Connection::poll_read`]).
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
            let limits = Rc::clone(&limits);
            zenio::spawn(converse::<S>(stream, log::peer(peer), open, limits)).detach();
        })
        .await
}

/// One connection's task: does what the conversation asks until it says close.
///
/// A plain function that makes the [`Connection`] and returns an `async move` block that
/// takes it whole: an `async fn`, or a block that moved its parts into a struct of its own,
/// would keep them twice (chapter 7).
fn converse<S: Session>(
    stream: TcpStream,
    peer: Peer,
    open: OpenConnection,
    limits: Rc<Limits>,
) -> impl Future<Output = ()> {
    let conversation = Conversation::<S>::new(zenio::now(), &limits);
    let mut connection = Connection {
        timer: zenio::sleep_until(conversation.deadline()),
        watch: Watch::Unset,
        draining: open.drain().draining(),
        stream,
        conversation,
        limits,
    };
    async move {
        log::accepted(peer.as_deref());
        loop {
            if open.drain().is_draining() {
                connection.conversation.stop();
            }
            let now = zenio::now();
            connection.arm(now);
            match connection.conversation.next(now) {
                Next::Write(_) => {
                    // `None`: the deadline came first, and `next` decides.
                    if let Some(written) = poll_fn(|cx| connection.poll_write(cx)).await {
                        connection.conversation.write_done(written);
                    }
                }
                Next::ShutDown => match connection.stream.shutdown(Shutdown::Write) {
                    Ok(()) => connection.conversation.shut_down(),
                    Err(error) => connection.conversation.failed(error),
                },
                Next::Read => poll_fn(|cx| connection.poll_read(Some(cx))).await,
                Next::ReadNow => _ = connection.poll_read(None),
                Next::Close => break,
            }
        }
        open.add_requests(connection.conversation.answered());
        log::closed(peer.as_deref(), connection.conversation.finish());
    }
}

/// One connection's state, in one struct, so that a wait's `poll_fn` holds one reference to
/// it rather than one to each part: every waiting connection's task holds that wait.
struct Connection<S, D> {
    /// The socket.
    stream: TcpStream,
    /// What to do next.
    conversation: Conversation<S>,
    /// The loop's limits, shared.
    limits: Rc<Limits>,
    /// Fires at the conversation's deadline, or earlier (see [`Connection::arm`]).
    timer: Sleep,
    /// Whether the timer and the drain hold this task's waker.
    watch: Watch,
    /// Completes once the loop drains.
    draining: D,
}

/// Whether a connection's timer and drain hold its task's waker, so that a wait may skip
/// polling them (see [`Connection::poll_read`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Watch {
    /// Not since the timer was last moved: the next wait polls them.
    Unset,
    /// They do.
    Set,
    /// They do, and the loop has just looked at both (`is_draining`, and `arm`, which moves
    /// a timer that has fired): the next wait's first poll may skip them.
    Fresh,
}

impl<S: Session, D: Future<Output = ()> + Unpin> Connection<S, D> {
    /// One poll of a write of what the conversation owes; `None` if the deadline came first.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<Option<std::io::Result<usize>>> {
        match self.stream.poll_write_with(cx, self.conversation.owed()) {
            Poll::Ready(written) => Poll::Ready(Some(written)),
            Poll::Pending => self.timer.poll(cx).map(|()| None),
        }
    }

    /// One poll of the wait for bytes (fed to the conversation at once), the drain, or the
    /// deadline; without `cx`, the last look instead: a read that does not wait, and finding
    /// nothing ends the conversation. The read buffer is borrowed for this poll only, from
    /// one shared by the thread's connections, so a connection waiting for its next request
    /// holds none: the callback style's trick (see `zenio::serve`), inside a coroutine.
    ///
    /// A wait's first poll skips the drain and the timer while they are [`Watch::Fresh`]:
    /// neither can have fired unseen since the loop looked, as nothing else runs on this
    /// thread in between, and if one fires later, its wake brings another poll, which looks.
    /// Only the first poll: a wake from the timer may have come together with the socket's,
    /// as one.
    fn poll_read(&mut self, mut cx: Option<&mut Context<'_>>) -> Poll<()> {
        let conversation = &mut self.conversation;
        let read = SHARED_BUFFER.with_borrow_mut(|buffer| {
            let read = match cx.as_deref_mut() {
                Some(cx) => ready!(self.stream.poll_read_with(cx, buffer)),
                None => self.stream.try_read(buffer),
            };
            conversation.read_done(read.map(|n| &buffer[..n]), zenio::now(), &self.limits);
            Poll::Ready(())
        });
        let Some(cx) = cx else { return read };
        if read.is_ready() {
            return read;
        }
        if self.watch == Watch::Fresh {
            self.watch = Watch::Set;
            return Poll::Pending;
        }
        if self.draining.poll(cx).is_ready() {
            return Poll::Ready(());
        }
        let timer = self.timer.poll(cx);
        self.watch = if timer.is_pending() {
            Watch::Set
        } else {
            Watch::Unset
        };
        timer
    }

    /// Moves the one timer to the conversation's deadline when it would fire late (the
    /// deadline moved earlier: a request began) or has fired (the deadline moved on since):
    /// so a busy connection does not touch the timer queue on every request. (A timer fires
    /// at the turn's time at the latest, so one that has fired is due by `now`.)
    fn arm(&mut self, now: Instant) {
        let (timer, deadline) = (&mut self.timer, self.conversation.deadline());
        if deadline < timer.deadline() || timer.deadline() <= now {
            timer.reset(deadline);
            self.watch = Watch::Unset;
        } else if self.watch == Watch::Set {
            self.watch = Watch::Fresh;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::protocol::ZenSession;
    use crate::shutdown::Drain;

    /// A timer that fired in the same turn as the socket woke the task gives one wake, and
    /// one poll, which the read ends: `arm` must see that the timer has fired and have the
    /// next wait poll it again. Otherwise the connection, idle from then on, is never closed.
    #[test]
    fn a_timer_that_fired_with_a_read_still_closes_the_idle_connection_later() {
        let idle = Duration::from_millis(100);
        let limits = Rc::new(Limits {
            idle,
            ..Limits::default()
        });
        zenio::block_on(async {
            let listener = zenio::TcpListener::bind("127.0.0.1:0")?;
            let client = zenio::TcpStream::connect(listener.local_addr()?).await?;
            let (stream, peer) = listener.accept().await?;
            let open = Drain::default().open_connection();
            zenio::spawn(converse::<ZenSession>(
                stream,
                log::peer(peer),
                open,
                limits,
            ))
            .detach();
            let mut answer = [0; 16];
            client.write_all(b"Flat is better than?").await?;
            let n = client.read(&mut answer).await?;
            assert_eq!(&answer[..n], b"nested.");

            // The next question waits in the socket while this thread sleeps (on purpose:
            // nothing runs) past the timer, armed when the connection opened: the turn
            // after it sees both, and wakes the connection's task once.
            client.write_all(b"Now is better than?").await?;
            std::thread::sleep(idle + Duration::from_millis(20));
            let n = client.read(&mut answer).await?;
            assert_eq!(&answer[..n], b"never.");

            let closed = zenio::timeout(idle * 50, client.read(&mut answer)).await;
            assert_eq!(closed.expect("closed after the idle timeout")?, 0);
            Ok::<_, std::io::Error>(())
        })
        .unwrap();
    }
}
