//! `UdpSocket`: datagrams, sent and received without blocking the thread.
//!
//! `bind` is `socket(SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC)` + `bind`; `send_to` is one
//! `sendto`, `recv_from` one `recvfrom`, tried at once and awaited only on `EAGAIN`, through
//! the same loop as TCP. One rule of TCP's does not carry over: a stream read that fills
//! less than its buffer means the kernel's buffer is empty, but a `recvfrom` returns one
//! datagram, however small, and says nothing about the datagrams queued behind it. So a
//! UDP socket's read readiness is cleared only by `EAGAIN` (tokio does the same), and a
//! receiver that waits pays for one `recvfrom` that fails, which TCP's short-read rule saves.
//! Measured with `strace -f -c target/release/examples/echo_round_trips udp 10000`: 10,000
//! lock-step round trips, both ends in one process, make 20,000 `sendto`, 39,999 `recvfrom`
//! (19,999 of them `EAGAIN`; TCP makes 20,002), 19,999 `epoll_wait` and 2 `epoll_ctl` for the
//! sockets, one each, the first time it waits. A socket that never waits is never registered.
//! asyncio: `loop.create_datagram_endpoint`, or `loop.sock_sendto` and `loop.sock_recvfrom`.
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use rustix::net::{RecvFlags, SendFlags, SocketType};

use super::socket::{each_addr, family_of, new_socket, resolved_to_nothing};
use crate::reactor::{AsyncFd, Direction};

/// A UDP socket.
///
/// ```
/// use zenio::UdpSocket;
///
/// zenio::block_on(async {
///     let server = UdpSocket::bind("127.0.0.1:0")?;
///     let client = UdpSocket::bind("127.0.0.1:0")?;
///     client.send_to(b"ping", server.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = server.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], client.local_addr()?));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UdpSocket {
    /// The socket.
    io: AsyncFd<std::net::UdpSocket>,
}

impl UdpSocket {
    /// A socket bound to `addr` (the first of its addresses that can be bound). Port 0 asks
    /// the kernel for a free port; [`local_addr`](Self::local_addr) tells which. (Example:
    /// [`UdpSocket`].)
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| {
            let fd = new_socket(family_of(&addr), SocketType::DGRAM)?;
            rustix::net::bind(&fd, &addr)?;
            Ok(UdpSocket {
                io: AsyncFd::from_nonblocking(fd.into()),
            })
        })
    }

    /// Takes over a std socket, switching it to non-blocking mode (one `ioctl`).
    ///
    /// ```
    /// let socket = zenio::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: AsyncFd::new(socket)?,
        })
    }

    /// Gives the std socket back, out of the runtime and still non-blocking (see
    /// [`StreamSocket::into_std`](crate::StreamSocket::into_std)).
    ///
    /// ```
    /// let socket = zenio::UdpSocket::bind("127.0.0.1:0")?.into_std()?;
    /// socket.set_nonblocking(false)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner()
    }

    /// Sets the default peer (`connect(2)`, which sends nothing): [`send`](Self::send) goes
    /// there, and [`recv`](Self::recv) hears only from there.
    ///
    /// ```
    /// let socket = zenio::UdpSocket::bind("127.0.0.1:0")?;
    /// socket.connect("127.0.0.1:9")?;
    /// assert_eq!(socket.peer_addr()?, "127.0.0.1:9".parse().unwrap());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        each_addr(addr, |addr| {
            Ok(rustix::net::connect(self.io.get_ref(), &addr)?)
        })
    }

    /// Sends one datagram to `target` (its first address); says how many bytes went.
    /// (Example: [`UdpSocket`].)
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = target
            .to_socket_addrs()?
            .next()
            .ok_or_else(resolved_to_nothing)?;
        poll_fn(|cx| {
            self.io.poll_io(Direction::Write, cx, |socket| {
                Ok(rustix::net::sendto(
                    socket,
                    buf,
                    SendFlags::NOSIGNAL,
                    &target,
                )?)
            })
        })
        .await
    }

    /// Receives one datagram into `buf`, and says how long it was and who sent it. The part
    /// of a datagram that does not fit in `buf` is lost. (Example: [`UdpSocket`].)
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, from) = poll_fn(|cx| {
            self.io.poll_io(Direction::Read, cx, |socket| {
                let (n, _, from) = rustix::net::recvfrom(socket, &mut *buf, RecvFlags::empty())?;
                Ok((n, from))
            })
        })
        .await?;
        let from = from.and_then(|from| SocketAddr::try_from(from).ok());
        Ok((
            n,
            from.ok_or_else(|| io::Error::other("recvfrom returned no IP address"))?,
        ))
    }

    /// Sends one datagram to the peer set by [`connect`](Self::connect).
    ///
    /// ```
    /// zenio::block_on(async {
    ///     let a = zenio::UdpSocket::bind("127.0.0.1:0")?;
    ///     let b = zenio::UdpSocket::bind("127.0.0.1:0")?;
    ///     a.connect(b.local_addr()?)?;
    ///     b.connect(a.local_addr()?)?;
    ///     a.send(b"ping").await?;
    ///     let mut buf = [0; 16];
    ///     let n = b.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"ping");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io.poll_io(Direction::Write, cx, |socket| {
                Ok(rustix::net::send(socket, buf, SendFlags::NOSIGNAL)?)
            })
        })
        .await
    }

    /// Receives one datagram from the peer set by [`connect`](Self::connect) (see
    /// [`send`](Self::send) for an example). The part that does not fit in `buf` is lost.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io.poll_io(Direction::Read, cx, |socket| {
                Ok(rustix::net::recv(socket, &mut *buf, RecvFlags::empty())?.0)
            })
        })
        .await
    }

    /// The address this socket is bound to. (Example: [`UdpSocket`].)
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer set by [`connect`](Self::connect) (see there for an example).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl_fd!(UdpSocket);
