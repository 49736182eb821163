//! `ZenioExecutor`: where hyper's HTTP/2 spawns its background tasks.
//!
//! An HTTP/2 connection carries many streams at once, and hyper runs each as a task of its
//! own through `hyper::rt::Executor::execute`: on a server, every request's service future
//! and response body; on a client, the connection itself and the request bodies. This
//! executor hands each future to [`crate::spawn`] and detaches it, as asyncio's
//! `loop.create_task` would (keeping no reference). hyper-util's `TokioExecutor` does the
//! same with `tokio::spawn`, which asks `Send` of every future because tokio may move tasks
//! between threads; zenio never does, so it asks nothing of them.

use std::future::Future;

use hyper::rt::Executor;

/// hyper's executor on zenio: spawns on the runtime of the thread that polls the
/// connection.
///
/// # What hyper asks, and what that means for you
///
/// `hyper::server::conn::http2::Builder::new(exec)` and
/// `hyper::client::conn::http2::handshake(exec, io)` ask that `exec` be `Clone` (and `Unpin`
/// on the client) and implement `Executor` for hyper's own futures (`H2Stream`,
/// `H2ClientFuture`). Those futures hold your stream, your service's futures and your
/// bodies, and this executor takes any `'static` future, `Send` or not. So with zenio:
///
/// - the stream may be `!Send` ([`ZenioIo`](super::ZenioIo) over anything that implements
///   `AsyncRead` and `AsyncWrite`);
/// - the service and the futures it returns may hold `Rc`s and `RefCell`s: state shared by
///   every connection of a thread needs no lock;
/// - what hyper asks to be `Send` whatever the executor still must be: errors turn into
///   `Box<dyn Error + Send + Sync>`, the timer's sleeps are `Send + Sync` (zenio's are),
///   and a client's body chunks are `Send` (`B::Data: Send`, e.g. `Bytes`).
///
/// Tasks are detached: a stream's task ends when its stream does. Spawned tasks run while
/// the thread's runtime runs ([`crate::block_on`]); poll the connection there.
///
/// # Example
///
/// An HTTP/2 server (h2c, with prior knowledge: `curl --http2-prior-knowledge`) whose service
/// counts requests in an `Rc`, which no `Send` executor would allow:
///
/// ```no_run
/// use std::{cell::Cell, convert::Infallible, rc::Rc};
///
/// use http_body_util::Full;
/// use hyper::{body::Bytes, server::conn::http2, service::service_fn, Response};
/// use zenio::hyper::{ZenioExecutor, ZenioIo};
///
/// fn main() -> std::io::Result<()> {
///     zenio::block_on(async {
///         let listener = zenio::TcpListener::bind("127.0.0.1:3000")?;
///         let served = Rc::new(Cell::new(0_u64));
///         loop {
///             let (stream, _peer) = listener.accept().await?;
///             let served = Rc::clone(&served);
///             let service = service_fn(move |_request| {
///                 served.set(served.get() + 1);
///                 let body = format!("request {}\n", served.get());
///                 async move { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body)))) }
///             });
///             let http = http2::Builder::new(ZenioExecutor::new());
///             zenio::spawn(http.serve_connection(ZenioIo::new(stream), service)).detach();
///         }
///     })
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct ZenioExecutor;

impl ZenioExecutor {
    /// The executor (it has no state: every runtime is found through its thread).
    pub const fn new() -> ZenioExecutor {
        ZenioExecutor
    }
}

impl<F> Executor<F> for ZenioExecutor
where
    F: Future + 'static,
    F::Output: 'static,
{
    /// Spawns `future` on this thread's runtime, detached.
    fn execute(&self, future: F) {
        crate::spawn(future).detach();
    }
}
