//! Async TCP: [`TcpListener`] and [`TcpStream`], on non-blocking sockets.
//!
//! Every operation tries its syscall first and waits for readiness only when the kernel says
//! `EAGAIN` (see [`AsyncFd`](crate::reactor)). A listener accepts with one `accept4` that
//! already makes the new socket non-blocking and close-on-exec. These are asyncio's
//! `loop.create_server`/`asyncio.start_server` sockets and its `StreamReader`/`StreamWriter`.
//!
//! See chapter 8 of the book: `docs/08-async-tcp.md`.

mod accept_errors;
mod listener;
mod socket;
mod split;
mod stream;

pub use accept_errors::{AcceptAction, ACCEPT_PAUSE};
pub use listener::TcpListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
pub use stream::TcpStream;
