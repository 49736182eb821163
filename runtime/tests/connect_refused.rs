//! Connecting where nobody listens fails with `ConnectionRefused`; it does not hang.

use std::io;
use std::time::Duration;

use zenio::{TcpListener, TcpStream};

/// Generous bound so that a hung connect fails the test instead of blocking it.
const NO_HANG: Duration = Duration::from_secs(10);

#[test]
fn connecting_to_a_closed_port_is_refused() -> io::Result<()> {
    // Borrow a free port from the kernel, then close it: nobody listens there now.
    let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let result = zenio::block_on(zenio::timeout(NO_HANG, TcpStream::connect(addr)))?;
    let error = result.expect_err("nobody listens on that port");
    assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused, "{error}");
    Ok(())
}

#[test]
fn connecting_to_a_listening_port_succeeds_with_matching_addresses() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let client = TcpStream::connect(addr).await?;
        let (server, peer) = listener.accept().await?;
        assert_eq!(client.peer_addr()?, addr);
        assert_eq!(peer, client.local_addr()?);
        assert_eq!(server.peer_addr()?, client.local_addr()?);
        assert_eq!(server.local_addr()?, addr);
        client.set_nodelay(true)?;
        assert!(client.nodelay()?);
        Ok(())
    }))?
}
