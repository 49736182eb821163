//! Unix-domain stream sockets: [`UnixListener`], and what only [`UnixStream`] has (a path to
//! connect to, `socketpair`). Reading and writing are [`StreamSocket`]'s, shared with TCP.
//!
//! The syscalls are TCP's, in the `AF_UNIX` family: `socket(SOCK_NONBLOCK | SOCK_CLOEXEC)`,
//! `bind`, `listen`, `accept4`, `connect`, and `socketpair` for two streams joined to each
//! other. So the costs are TCP's: an echo round trip on a stream that waits is one `recvfrom`
//! and one `sendto` a side, plus the `epoll_wait`; a socket that never waits is never
//! registered, and one that does is registered once. Measured with
//! `strace -f -c target/release/examples/echo_round_trips unix 10000` (and `tcp`): 10,000
//! lock-step round trips, both ends in one process, make 20,000 `sendto`, 20,002 `recvfrom`
//! (one `EAGAIN`, one EOF), 20,000 `epoll_wait` and 2 `epoll_ctl` for the sockets, for Unix
//! and TCP alike. Connecting is cheaper: one `connect`, where TCP's says `EINPROGRESS` and
//! then needs `getsockopt` and `getpeername`. asyncio: `asyncio.start_unix_server` and
//! `asyncio.open_unix_connection`.
//!
//! See chapter 10 of the book: `docs/10-async-tcp.md`.

use std::ffi::OsStr;
use std::future::poll_fn;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};
use std::time::Duration;

use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketAddrAny, SocketAddrUnix, SocketType};

use super::socket::{new_socket, NONBLOCK_CLOEXEC};
use super::StreamSocket;
use crate::reactor::{AsyncFd, Direction};

/// Connections the kernel may queue before `accept` (capped by `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// How long [`UnixStream::connect`] waits before trying again when the listener's queue is
/// full.
const CONNECT_RETRY: Duration = Duration::from_millis(10);

/// A Unix-domain socket listening for connections on a path.
///
/// ```
/// use zenio::{UnixListener, UnixStream};
///
/// let path = std::env::temp_dir().join(format!("zenio-doc-listener-{}", std::process::id()));
/// zenio::block_on(async {
///     let listener = UnixListener::bind(&path)?;
///     let client = UnixStream::connect(&path).await?;
///     let (server, _peer) = listener.accept().await?;
///     client.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     server.read(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    /// The listening socket.
    io: AsyncFd<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Listens on `path`, which must not exist yet: `socket` + `bind` (which creates the
    /// socket file) + `listen`. Removing the file is the caller's job, as in std. (Example:
    /// [`UnixListener`].)
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let fd = new_socket(AddressFamily::UNIX, SocketType::STREAM)?;
        rustix::net::bind(&fd, &SocketAddrUnix::new(path.as_ref())?)?;
        rustix::net::listen(&fd, BACKLOG)?;
        Ok(UnixListener {
            io: AsyncFd::from_nonblocking(fd.into()),
        })
    }

    /// Takes over a listening std socket, switching it to non-blocking mode (one `ioctl`).
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("zenio-doc-from-std-{}", std::process::id()));
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    /// let listener = zenio::UnixListener::from_std(std_listener)?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: AsyncFd::new(listener)?,
        })
    }

    /// Gives the std listener back, out of the runtime and still non-blocking (see
    /// [`StreamSocket::into_std`]).
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("zenio-doc-into-std-{}", std::process::id()));
    /// let listener = zenio::UnixListener::bind(&path)?;
    /// let std_listener = listener.into_std()?;
    /// std_listener.set_nonblocking(false)?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.io.into_inner()
    }

    /// Accepts one connection, waiting for it if none is queued. The address of a client
    /// that did not `bind` (the usual case) is unnamed. (Example: [`UnixListener`].)
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for one connection: one `accept4`; the building block of
    /// [`accept`](Self::accept).
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("zenio-doc-poll-{}", std::process::id()));
    /// let listener = zenio::UnixListener::bind(&path)?;
    /// let _client = std::os::unix::net::UnixStream::connect(&path)?; // queued, not accepted
    /// let (stream, peer) = zenio::block_on(std::future::poll_fn(|cx| listener.poll_accept(cx)))?;
    /// assert!(peer.is_unnamed());
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.io
            .poll_io(Direction::Read, cx, |listener| {
                Ok(rustix::net::acceptfrom_with(listener, NONBLOCK_CLOEXEC)?)
            })
            .map(|accepted| {
                let (fd, peer) = accepted?;
                Ok((UnixStream::from_fd(fd), std_unix_addr(peer)?))
            })
    }

    /// The address this listener is bound to.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("zenio-doc-local-{}", std::process::id()));
    /// let listener = zenio::UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl_fd!(UnixListener);

/// A connected Unix-domain stream socket. Reading, writing, `shutdown` and the halves are
/// [`StreamSocket`]'s, the same code as TCP's.
///
/// ```
/// use futures_lite::io::{AsyncBufReadExt, BufReader};
/// use futures_lite::StreamExt;
///
/// zenio::block_on(async {
///     let (left, right) = zenio::UnixStream::pair()?;
///     left.write_all(b"one\ntwo\n").await?;
///     drop(left);
///     let lines: Vec<String> = BufReader::new(right).lines().try_collect().await?;
///     assert_eq!(lines, ["one", "two"]);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub type UnixStream = StreamSocket<std::os::unix::net::UnixStream>;

impl StreamSocket<std::os::unix::net::UnixStream> {
    /// Connects to the listener at `path`.
    ///
    /// A Unix `connect` never says "in progress": it succeeds at once or, when the
    /// listener's queue is full, says `EAGAIN`. No epoll event says when the queue has room
    /// (a blocking `connect` sleeps on the listener's own wait queue, which epoll cannot
    /// reach), so zenio tries again every 10 ms, as long as it takes, like a blocking
    /// `connect`. Wrap it in [`timeout`](crate::timeout) to give up. (tokio returns the
    /// `EAGAIN` as an error instead.)
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("zenio-doc-connect-{}", std::process::id()));
    /// let listener = zenio::UnixListener::bind(&path)?;
    /// let stream = zenio::block_on(zenio::UnixStream::connect(&path))?;
    /// assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let addr = SocketAddrUnix::new(path.as_ref())?;
        let stream = UnixStream::from_fd(new_socket(AddressFamily::UNIX, SocketType::STREAM)?);
        loop {
            match rustix::net::connect(stream.io.get_ref(), &addr) {
                Ok(()) => return Ok(stream),
                Err(Errno::AGAIN) => crate::sleep(CONNECT_RETRY).await,
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Two streams connected to each other (`socketpair(2)`), already non-blocking: the
    /// way to talk to a child process or between two threads.
    ///
    /// ```
    /// zenio::block_on(async {
    ///     let (left, right) = zenio::UnixStream::pair()?;
    ///     left.write_all(b"hello").await?;
    ///     let mut buf = [0; 5];
    ///     right.read(&mut buf).await?;
    ///     assert_eq!(&buf, b"hello");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (left, right) = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            NONBLOCK_CLOEXEC,
            None,
        )?;
        Ok((UnixStream::from_fd(left), UnixStream::from_fd(right)))
    }

    /// The address of the peer: the listener's path, for a stream from `connect`. (Example:
    /// [`connect`](Self::connect).)
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of this end (unnamed, unless it was bound).
    ///
    /// ```
    /// let (left, _right) = zenio::UnixStream::pair()?;
    /// assert!(left.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

/// The peer address `accept4` returned, as std spells it: a path, an abstract name, or
/// unnamed (which std builds from an empty path).
fn std_unix_addr(peer: Option<SocketAddrAny>) -> io::Result<SocketAddr> {
    // An unnamed address is the two-byte family field alone (which rustix would read as an
    // empty abstract name).
    let Some(peer) = peer.filter(|peer| peer.addr_len() as usize > size_of::<u16>()) else {
        return SocketAddr::from_pathname("");
    };
    let peer = SocketAddrUnix::try_from(peer)?;
    match peer.abstract_name() {
        Some(name) => SocketAddr::from_abstract_name(name),
        None => SocketAddr::from_pathname(OsStr::from_bytes(peer.path_bytes().unwrap_or_default())),
    }
}
