//! `TcpStream`: a TCP connection, and what only TCP has: connecting to an IP address,
//! `TCP_NODELAY`. Reading and writing are [`StreamSocket`]'s, shared with Unix streams.
//!
//! `connect` is `socket(SOCK_NONBLOCK | SOCK_CLOEXEC)` + `connect`, which says `EINPROGRESS`;
//! the socket turns writable when the handshake is done. asyncio:
//! `asyncio.open_connection(host, port)`.
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use rustix::io::Errno;
use rustix::net::sockopt;

use super::socket::{resolved_to_nothing, tcp_socket};
use super::StreamSocket;
use crate::reactor::Direction;

/// A TCP connection.
///
/// ```
/// use zenio::{TcpListener, TcpStream};
///
/// zenio::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _peer) = listener.accept().await?;
///     client.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     let n = server.read(&mut buf).await?;
///     assert_eq!(&buf[..n], b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub type TcpStream = StreamSocket<std::net::TcpStream>;

impl StreamSocket<std::net::TcpStream> {
    /// Connects to `addr` (each of its addresses in turn). A refused connection is an error
    /// (`ConnectionRefused`), not a hang.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last_error = None;
        for addr in addr.to_socket_addrs()? {
            match TcpStream::connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(resolved_to_nothing))
    }

    /// `connect(2)` on a non-blocking socket: usually `EINPROGRESS`, then the socket turns
    /// writable when the handshake is done, and `SO_ERROR` says whether it worked.
    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_fd(tcp_socket(&addr)?);
        match rustix::net::connect(stream.io.get_ref(), &addr) {
            Ok(()) => return Ok(stream),
            Err(Errno::INPROGRESS) => {}
            Err(error) => return Err(error.into()),
        }
        poll_fn(|cx| {
            stream.io.poll_io(Direction::Write, cx, |socket| {
                sockopt::socket_error(socket)??;
                match socket.peer_addr() {
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    other => other.map(drop),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of this end.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Turns Nagle's algorithm off (`TCP_NODELAY`) or back on.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }
}
