//! The callback style: asyncio's `Protocol` and transport, on top of a task.
//!
//! In asyncio's callback style you write a class with `connection_made`, `data_received`,
//! `eof_received` and `connection_lost`, and the event loop calls them. zenio offers the same
//! [`Protocol`] trait. There is no second machinery behind it: [`serve`] spawns one task per
//! connection, and that task is a future that reads, calls your methods and sends what they
//! wrote. Callbacks are a future that calls your methods.
//!
//! `serve(listener, || ZenProtocol::new())` is `loop.create_server(ZenProtocol, host, port)`.

mod driver;
mod transport;

pub use transport::Transport;

use std::io;
use std::time::Duration;

use crate::{sleep, spawn, TcpListener};

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

/// How long to pause accepting when the process runs out of descriptors or memory.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Accepts connections on `listener` forever, running a new `factory()` protocol on each
/// (asyncio's `loop.create_server(factory, host, port)` followed by `serve_forever()`).
///
/// Errors that concern one connection (aborted before accept) are skipped. Running out of
/// descriptors or memory prints a line and pauses accepting briefly instead of spinning.
/// Only an error of the listener itself ends `serve`.
pub async fn serve<P, F>(listener: TcpListener, mut factory: F) -> io::Result<()>
where
    P: Protocol,
    F: FnMut() -> P,
{
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => spawn(driver::drive(stream, peer, factory())).detach(),
            Err(error) => match accept_error_kind(&error) {
                AcceptError::Skip => {}
                AcceptError::Pause => {
                    eprintln!("zenio: accept failed ({error}); pausing for {ACCEPT_BACKOFF:?}");
                    sleep(ACCEPT_BACKOFF).await;
                }
                AcceptError::Fatal => return Err(error),
            },
        }
    }
}

/// What an `accept` error means for the accept loop.
enum AcceptError {
    /// One connection failed before we got it: accept the next.
    Skip,
    /// The process is out of descriptors (`EMFILE`, `ENFILE`) or memory: wait, then retry.
    Pause,
    /// The listener itself is broken.
    Fatal,
}

/// Sorts an `accept4` error.
fn accept_error_kind(error: &io::Error) -> AcceptError {
    use rustix::io::Errno;
    match error.raw_os_error().map(Errno::from_raw_os_error) {
        Some(Errno::CONNABORTED | Errno::PROTO | Errno::PERM | Errno::INTR) => AcceptError::Skip,
        Some(Errno::MFILE | Errno::NFILE | Errno::NOBUFS | Errno::NOMEM) => AcceptError::Pause,
        _ => AcceptError::Fatal,
    }
}
