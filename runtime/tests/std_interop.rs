//! Every zenio socket lends its descriptor (`AsFd`, `AsRawFd`), so crates such as `socket2`
//! can set the options zenio does not wrap; and every one converts from std's type
//! (`from_std`, which makes it non-blocking) and back (`into_std`, which leaves it
//! non-blocking, as tokio does).

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

use socket2::SockRef;
use zenio::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// Whether the descriptor is in non-blocking mode (`O_NONBLOCK`).
fn is_nonblocking(fd: impl AsFd) -> io::Result<bool> {
    SockRef::from(&fd).nonblocking()
}

#[test]
fn socket2_sets_keepalive_on_a_zenio_stream() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let stream = TcpStream::connect(listener.local_addr()?).await?;
        let socket = SockRef::from(&stream);
        assert!(!socket.keepalive()?, "off by default");
        socket.set_keepalive(true)?;
        assert!(socket.keepalive()?);
        // The same option, read through the raw descriptor number.
        assert_eq!(stream.as_raw_fd(), stream.as_fd().as_raw_fd());
        let by_number = rustix::net::sockopt::socket_keepalive(stream.as_fd())?;
        assert!(by_number);
        // And the stream still works.
        let (accepted, _) = listener.accept().await?;
        stream.write_all(b"alive").await?;
        let mut buf = [0; 5];
        accepted.read(&mut buf).await?;
        assert_eq!(&buf, b"alive");
        Ok(())
    }))?
}

#[test]
fn socket2_reaches_every_socket_type() -> io::Result<()> {
    let path = std::env::temp_dir().join(format!("zenio-interop-{}.sock", std::process::id()));
    let unix_listener = UnixListener::bind(&path)?;
    std::fs::remove_file(&path)?;
    let (unix_stream, _) = UnixStream::pair()?;
    let tcp_listener = TcpListener::bind("127.0.0.1:0")?;
    let udp = UdpSocket::bind("127.0.0.1:0")?;
    for socket in [
        SockRef::from(&unix_listener),
        SockRef::from(&unix_stream),
        SockRef::from(&tcp_listener),
        SockRef::from(&udp),
    ] {
        socket.set_recv_buffer_size(64 * 1024)?;
        assert!(
            socket.recv_buffer_size()? >= 64 * 1024,
            "the kernel doubles it"
        );
        assert!(socket.nonblocking()?);
    }
    Ok(())
}

#[test]
fn a_tcp_stream_goes_from_std_to_zenio_and_back() -> io::Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    let (std_stream, _) = listener.accept()?;
    assert!(!is_nonblocking(&std_stream)?);

    let stream = TcpStream::from_std(std_stream)?;
    assert!(is_nonblocking(&stream)?, "from_std makes it non-blocking");
    peer.write_all(b"to zenio")?;
    let mut buf = [0; 8];
    zenio::block_on(zenio::timeout(NO_HANG, stream.read(&mut buf)))??;
    assert_eq!(&buf, b"to zenio");

    let mut std_stream = stream.into_std()?;
    assert!(
        is_nonblocking(&std_stream)?,
        "into_std leaves it non-blocking"
    );
    std_stream.set_nonblocking(false)?;
    std_stream.write_all(b"from std")?;
    peer.read_exact(&mut buf)?;
    assert_eq!(&buf, b"from std");
    Ok(())
}

#[test]
fn listeners_go_from_std_to_zenio_and_back() -> io::Result<()> {
    let tcp = TcpListener::from_std(std::net::TcpListener::bind("127.0.0.1:0")?)?;
    let addr = tcp.local_addr()?;
    let tcp = tcp.into_std()?;
    tcp.set_nonblocking(false)?;
    let _client = std::net::TcpStream::connect(addr)?;
    assert_eq!(tcp.accept()?.0.peer_addr()?, _client.local_addr()?);

    let path = std::env::temp_dir().join(format!("zenio-interop-l-{}.sock", std::process::id()));
    let unix = UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path)?)?;
    assert!(is_nonblocking(&unix)?);
    let unix = unix.into_std()?;
    unix.set_nonblocking(false)?;
    let _client = std::os::unix::net::UnixStream::connect(&path)?;
    std::fs::remove_file(&path)?;
    unix.accept()?;
    Ok(())
}

#[test]
fn unix_and_udp_sockets_go_from_std_to_zenio_and_back() -> io::Result<()> {
    let (ours, mut theirs) = std::os::unix::net::UnixStream::pair()?;
    let ours = UnixStream::from_std(ours)?;
    zenio::block_on(ours.write_all(b"unix"))?;
    let mut ours = ours.into_std()?;
    ours.set_nonblocking(false)?;
    let mut buf = [0; 4];
    theirs.read_exact(&mut buf)?;
    theirs.write_all(b"back")?;
    ours.read_exact(&mut buf)?;
    assert_eq!(&buf, b"back");

    let udp = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    let other = std::net::UdpSocket::bind("127.0.0.1:0")?;
    zenio::block_on(udp.send_to(b"udp", other.local_addr()?))?;
    let udp = udp.into_std()?;
    udp.set_nonblocking(false)?;
    let (n, from) = other.recv_from(&mut buf)?;
    other.send_to(&buf[..n], from)?;
    assert_eq!(udp.recv(&mut buf)?, 3);
    assert_eq!(&buf[..3], b"udp");
    Ok(())
}
