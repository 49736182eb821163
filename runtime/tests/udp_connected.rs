//! A connected UDP socket: `connect` sends nothing and never waits; it sets the default peer,
//! so `send` goes there and `recv` hears only from there (the kernel drops datagrams from
//! anyone else).

use std::io;
use std::time::Duration;

use zenio::UdpSocket;

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

#[test]
fn connected_sockets_send_and_recv_without_addresses() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let a = UdpSocket::bind("127.0.0.1:0")?;
        let b = UdpSocket::bind("127.0.0.1:0")?;
        a.connect(b.local_addr()?)?;
        b.connect(a.local_addr()?)?;
        assert_eq!(a.peer_addr()?, b.local_addr()?);

        let mut buf = [0u8; 16];
        for round in 0..100u32 {
            assert_eq!(a.send(&round.to_be_bytes()).await?, 4);
            assert_eq!(b.recv(&mut buf).await?, 4);
            assert_eq!(buf[..4], round.to_be_bytes());
            b.send(&buf[..4]).await?;
            assert_eq!(a.recv(&mut buf).await?, 4);
            assert_eq!(buf[..4], round.to_be_bytes());
        }
        Ok(())
    }))?
}

#[test]
fn a_connected_socket_hears_only_its_peer() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = UdpSocket::bind("127.0.0.1:0")?;
        let peer = UdpSocket::bind("127.0.0.1:0")?;
        let stranger = UdpSocket::bind("127.0.0.1:0")?;
        listener.connect(peer.local_addr()?)?;
        let to = listener.local_addr()?;
        stranger.send_to(b"from a stranger", to).await?;
        peer.send_to(b"from the peer", to).await?;
        let mut buf = [0u8; 32];
        let (n, from) = listener.recv_from(&mut buf).await?;
        assert_eq!(
            (&buf[..n], from),
            (&b"from the peer"[..], peer.local_addr()?)
        );
        Ok(())
    }))?
}

#[test]
fn send_without_a_peer_is_an_error() -> io::Result<()> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    assert!(zenio::block_on(socket.send(b"to nobody")).is_err());
    assert!(socket.peer_addr().is_err());
    Ok(())
}
