//! Async sockets: TCP ([`TcpListener`], [`TcpStream`]), Unix-domain ([`UnixListener`],
//! [`UnixStream`]) and UDP ([`UdpSocket`]), all non-blocking.
//!
//! Every operation tries its syscall first and waits for readiness only when the kernel says
//! `EAGAIN`, through the one loop every socket type shares (see [`AsyncFd`](crate::reactor)).
//! A listener accepts with one `accept4` that already makes the new socket non-blocking and
//! close-on-exec. TCP and Unix streams are one type, [`StreamSocket`], over two kinds of
//! socket. Each type hands its descriptor out (`AsFd`, `AsRawFd`) for options zenio does not
//! wrap (`socket2`), and converts from and to std's type (`from_std`, `into_std`). These are
//! asyncio's `loop.create_server`/`asyncio.start_server` sockets and its
//! `StreamReader`/`StreamWriter`.
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

/// Every socket type lends its descriptor (`AsFd`, for `socket2` and other crates that set
/// options on it), and its number (`AsRawFd`), and prints as the std socket inside it.
macro_rules! impl_fd {
    ($ty:ident) => {
        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(self.io.get_ref())
            }
        }

        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(self.io.get_ref())
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.io.get_ref().fmt(f)
            }
        }
    };
}

mod accept_errors;
mod listener;
mod socket;
mod split;
mod stream;
mod tcp_stream;
mod udp;
mod unix;

pub use accept_errors::{AcceptAction, ACCEPT_PAUSE};
pub use listener::TcpListener;
pub(crate) use socket::each_addr;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
pub use stream::StreamSocket;
pub use tcp_stream::TcpStream;
pub use udp::UdpSocket;
pub use unix::{UnixListener, UnixStream};
