//! `into_std` on a socket that has waited (so epoll watches it) takes it out of epoll with
//! `EPOLL_CTL_DEL`: the descriptor stays open, so closing cannot do it, and a reactor that
//! kept watching would report events for a socket it no longer owns. Checked in
//! `/proc/self/fdinfo` of every epoll instance of the process; then the std socket, set back
//! to blocking mode by the test, must still work.

mod common;

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::time::Duration;

use futures_lite::future;
use zenio::{TcpListener, TcpStream, UdpSocket, UnixStream};

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

#[test]
fn a_registered_tcp_stream_leaves_epoll_and_still_works() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        let fd = server.as_raw_fd();
        assert!(
            !common::epoll_watches(fd)?,
            "not registered before it waits"
        );

        // A read finds nothing: the socket waits, so it is registered.
        let mut buf = [0; 4];
        assert!(future::poll_once(server.read(&mut buf)).await.is_none());
        assert!(common::epoll_watches(fd)?, "registered by the wait");

        let mut server = server.into_std()?;
        assert_eq!(server.as_raw_fd(), fd, "the same descriptor, still open");
        assert!(!common::epoll_watches(fd)?, "into_std took it out of epoll");

        server.set_nonblocking(false)?;
        client.write_all(b"ping").await?;
        server.read_exact(&mut buf)?;
        assert_eq!(&buf, b"ping");
        server.write_all(b"pong")?;
        client.read(&mut buf).await?;
        assert_eq!(&buf, b"pong");

        // And a zenio socket made from it again starts afresh, and can wait again.
        let server = TcpStream::from_std(server)?;
        let reading = zenio::spawn(async move {
            let mut buf = [0; 5];
            server.read(&mut buf).await.map(|n| buf[..n].to_vec())
        });
        zenio::yield_now().await;
        client.write_all(b"again").await?;
        let heard = reading
            .await
            .map_err(|e| io::Error::other(e.to_string()))??;
        assert_eq!(heard, b"again");
        Ok(())
    }))?
}

#[test]
fn registered_unix_and_udp_sockets_leave_epoll_too() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (ours, theirs) = UnixStream::pair()?;
        let mut buf = [0; 4];
        assert!(future::poll_once(ours.read(&mut buf)).await.is_none());
        let fd = ours.as_raw_fd();
        assert!(common::epoll_watches(fd)?);
        let mut ours = ours.into_std()?;
        assert!(!common::epoll_watches(fd)?);
        ours.set_nonblocking(false)?;
        theirs.write_all(b"unix").await?;
        ours.read_exact(&mut buf)?;
        assert_eq!(&buf, b"unix");

        let udp = UdpSocket::bind("127.0.0.1:0")?;
        assert!(future::poll_once(udp.recv_from(&mut buf)).await.is_none());
        let fd = udp.as_raw_fd();
        assert!(common::epoll_watches(fd)?);
        let udp = udp.into_std()?;
        assert!(!common::epoll_watches(fd)?);
        udp.set_nonblocking(false)?;
        let sender = UdpSocket::bind("127.0.0.1:0")?;
        sender.send_to(b"udp!", udp.local_addr()?).await?;
        assert_eq!(udp.recv(&mut buf)?, 4);
        Ok(())
    }))?
}
