//! `hyper`: the hello protocol spoken by hyper's HTTP/1 server, running on zenio through the
//! runtime's adapter, [`zenio::hyper`].
//!
//! The accept loop, the connection cap and the shutdown are the ones `callback` and
//! `coroutine` use; each connection is a task that drives one hyper `Connection`, a future
//! that reads requests, calls the [`hello`] service and writes the answers. Only the
//! protocol code differs: it is hyper's instead of
//! [`HelloSession`](crate::protocol::HelloSession). (asyncio has no HTTP server of its own;
//! aiohttp's `web.Application` on asyncio is the nearest thing.)
//!
//! The limits: the connection cap is the accept loop's; hyper's header-read timeout stands
//! for `--idle-timeout` and `--question-timeout` (see [`hyper_hello::http1`]); a body must
//! arrive within `--question-timeout` too.
//!
//! hyper brings its own conversation (its HTTP/1 state machine and its timer), so this is
//! the one architecture that does not drive a [`Conversation`](crate::conversation). It
//! keeps the conversation's last look all the same: when the loop drains, a connection
//! waiting for its next request takes what the client has already sent, answers it, and
//! closes (`UntilDrained` wakes a waiting read at the drain, and makes a read that finds
//! nothing look like EOF). hyper's own
//! `graceful_shutdown` is not used: it closes a connection after the answer in flight and
//! drops the requests pipelined behind it, and the hello servers answer every request a
//! client sent before the stop.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::{AsyncRead, AsyncWrite, FutureExt};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use zenio::hyper::{ZenioIo, ZenioTimer};
use zenio::TcpStream;

use super::accept_loop::AcceptLoop;
use crate::conversation::Ending;
use crate::hyper_hello::{self, hello};
use crate::log;
use crate::shutdown::{OpenConnection, Summary};

/// Serves with a hyper connection per client until the stop signal (see [`AcceptLoop`]).
/// Returns what it served.
pub async fn serve(accept: AcceptLoop) -> Summary {
    let http = Rc::new(hyper_hello::http1(ZenioTimer::new(), &accept.limits));
    let body_time = accept.limits.request;
    accept
        .serve(|open, stream, peer| {
            let http = Rc::clone(&http);
            zenio::spawn(converse(http, stream, log::peer(peer), open, body_time)).detach();
        })
        .await
}

/// One connection's task. `body_time` is how long a request body may take to arrive.
async fn converse(
    http: Rc<http1::Builder>,
    stream: TcpStream,
    peer: log::Peer,
    open: OpenConnection,
    body_time: Duration,
) {
    log::accepted(peer.as_deref());
    let answered = Cell::new(0);
    let service = service_fn(|request| {
        let answered = &answered;
        async move {
            let response = zenio::timeout(body_time, hello(request)).await?;
            let response = response.map_err(io::Error::other)?;
            answered.set(answered.get() + 1);
            Ok::<_, io::Error>(response)
        }
    });
    let draining = open.drain().draining();
    let io = ZenioIo::new(UntilDrained { stream, draining });
    let outcome = http.serve_connection(io, service).await;
    open.add_requests(answered.get());
    let ending = outcome.map_or_else(|e| Ending::Failed(io::Error::other(e)), |()| Ending::Clean);
    log::closed(peer.as_deref(), ending);
}

/// The connection, except that once the loop drains, a read takes only what the client
/// has already sent, and finding nothing is EOF: the conversation's last look
/// ([`Next::ReadNow`](crate::conversation::Next::ReadNow)), which hyper hears as the client
/// closing. So it answers the requests the client has sent, then closes.
struct UntilDrained<D> {
    /// The connection.
    stream: TcpStream,
    /// Completes once the loop drains; a read that has to wait for bytes waits for it too.
    draining: D,
}

impl<D: Future<Output = ()> + Unpin> AsyncRead for UntilDrained<D> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let read = self.stream.poll_read_with(cx, buf);
        if read.is_pending() && self.draining.poll(cx).is_ready() {
            return Poll::Ready(Ok(0)); // draining, and nothing has arrived: EOF
        }
        read
    }
}

impl<D: Unpin> AsyncWrite for UntilDrained<D> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, bytes)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_close(cx)
    }
}
