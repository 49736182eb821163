//! `hyper`: the hello protocol spoken by hyper's HTTP/1 server, running on zenio through the
//! adapter of [`hyper_rt`](crate::hyper_rt).
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
//! Shutdown: a connection waiting for its next request takes what the client has already
//! sent, answers it, and closes (the same last look as `coroutine`). hyper's own
//! `graceful_shutdown` is not used: it closes a connection after the answer in flight and
//! drops the requests pipelined behind it, and the hello servers answer every request a
//! client sent before the stop.

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::future;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use zenio::TcpStream;

use super::accept_loop::AcceptLoop;
use crate::conversation::Ending;
use crate::hyper_hello::{self, hello};
use crate::hyper_rt::{HyperIo, ZenioTimer};
use crate::log;
use crate::shutdown::{Drain, OpenConnection, Summary};

/// Serves with a hyper connection per client until the stop signal (see [`AcceptLoop`]).
/// Returns what it served.
pub async fn serve(accept: AcceptLoop) -> Summary {
    let http = Rc::new(hyper_hello::http1(ZenioTimer, &accept.limits));
    let body_time = accept.limits.request;
    accept
        .serve(|drain, stream, peer| {
            // Counted as open from now, as in `coroutine`.
            let open = drain.open_connection();
            let http = Rc::clone(&http);
            let drain = drain.clone();
            zenio::spawn(converse(http, stream, peer, drain, open, body_time)).detach();
        })
        .await
}

/// One connection's task. `body_time` is how long a request body may take to arrive.
async fn converse(
    http: Rc<http1::Builder>,
    stream: TcpStream,
    peer: SocketAddr,
    drain: Drain,
    mut open: OpenConnection,
    body_time: Duration,
) {
    log::accepted(peer);
    let answered = Cell::new(0);
    let service = service_fn(|request| {
        let answered = &answered;
        async move {
            let response = zenio::timeout(body_time, hello(request))
                .await?
                .map_err(io::Error::other)?;
            answered.set(answered.get() + 1);
            Ok::<_, io::Error>(response)
        }
    });
    let io = UntilStopped {
        io: HyperIo::new(stream),
        drain: drain.clone(),
    };
    let mut connection = pin!(http.serve_connection(io, service));
    let served = async { Some(connection.as_mut().await) };
    let drained = async {
        drain.draining().await;
        None
    };
    let outcome = match future::or(served, drained).await {
        Some(outcome) => outcome,
        // Draining: reads now take only what is already there, so this answers the requests
        // the client has sent, then closes.
        None => connection.await,
    };
    open.set_requests(answered.get());
    log::closed(
        peer,
        outcome.map_or_else(
            |error| Ending::Failed(io::Error::other(error)),
            |()| Ending::Clean,
        ),
    );
}

/// The connection as hyper sees it: [`HyperIo`], except that once the loop drains, a read
/// takes only what the client has already sent, and finding nothing is EOF: the
/// conversation's last look ([`Next::ReadNow`](crate::conversation::Next::ReadNow)), which
/// hyper hears as the client closing.
struct UntilStopped {
    /// The connection.
    io: HyperIo,
    /// The loop's drain.
    drain: Drain,
}

impl Read for UntilStopped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        cursor: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.drain.is_draining() {
            return Pin::new(&mut self.io).poll_read(cx, cursor);
        }
        match self.io.try_read(cursor) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Poll::Ready(Ok(())),
            result => Poll::Ready(result),
        }
    }
}

impl Write for UntilStopped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, bytes)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
