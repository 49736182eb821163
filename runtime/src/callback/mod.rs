//! The callback style: asyncio's `Protocol` and transport, on top of a task.
//!
//! In asyncio's callback style you write a class with `connection_made`, `data_received`,
//! `eof_received` and `connection_lost`, and the event loop calls them. zenio offers the same
//! [`Protocol`] trait. There is no second machinery behind it: [`serve`] spawns one task per
//! connection, and that task is a future that reads, calls your methods and sends what they
//! wrote. Callbacks are a future that calls your methods.
//!
//! `serve(listener, || ZenProtocol::new())` is `loop.create_server(ZenProtocol, host, port)`.
//!
//! See chapter 11 of the book: `docs/11-callbacks-and-coroutines.md`.

mod driver;
mod transport;

pub use transport::Transport;

use std::future::Future;
use std::io;

use std::net::SocketAddr;

use crate::{spawn, AcceptAction, TcpListener, TcpStream, ACCEPT_PAUSE};

/// A connection's behaviour, called by its task (asyncio's `asyncio.Protocol`).
pub trait Protocol: 'static {
    /// The connection is open; keep `transport` to write to it.
    fn connection_made(&mut self, transport: Transport);

    /// Bytes arrived. They may hold part of a message, or several.
    fn data_received(&mut self, data: &[u8]);

    /// The peer closed its side (sent a FIN). Return `false` (the default) to close the
    /// connection once everything written is sent; `true` to keep it open and close it later
    /// with [`Transport::close`].
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is closed: `None` after a clean close, `Some(error)` after a failure such
    /// as a reset by the peer.
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
}

/// Accepts connections on `listener` forever, running a new `factory()` protocol on each
/// (asyncio's `loop.create_server(factory, host, port)` followed by `serve_forever()`).
///
/// Accept errors are sorted by [`AcceptAction`]: a connection that died in the queue is
/// skipped; running out of descriptors or memory pauses accepting for [`ACCEPT_PAUSE`] at a
/// time, silently (asyncio logs it; zenio prints nothing, so write your own accept loop with
/// [`AcceptAction`] to report it, as `zenio-servers` does); only an error of the listener
/// itself ends `serve`, and is returned.
pub async fn serve<P, F>(listener: TcpListener, mut factory: F) -> io::Result<()>
where
    P: Protocol,
    F: FnMut() -> P,
{
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => spawn(serve_connection(stream, peer, factory())).detach(),
            Err(error) => match AcceptAction::of(&error) {
                AcceptAction::Skip => {}
                AcceptAction::Pause => crate::sleep(ACCEPT_PAUSE).await,
                AcceptAction::Fatal => return Err(error),
            },
        }
    }
}

/// Runs `protocol` on one accepted connection until it closes (asyncio's
/// `loop.connect_accepted_socket(protocol_factory, sock)`). [`serve`] spawns one of these per
/// connection; call it yourself to run your own accept loop. (A future that owns the
/// connection; it does nothing until awaited or spawned.)
pub fn serve_connection<P: Protocol>(
    stream: TcpStream,
    peer: SocketAddr,
    protocol: P,
) -> impl Future<Output = ()> {
    driver::drive(stream, peer, protocol)
}
