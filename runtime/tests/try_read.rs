//! `TcpStream::try_read`: one `recv`, now, never waiting. `Err(WouldBlock)` when nothing has
//! arrived, the bytes once they have, `Ok(0)` once the peer has closed; and a read that awaits
//! afterwards still wakes up for data, although `try_read` told the runtime the socket was dry.

use std::io::{self, Write};
use std::net::Shutdown;
use std::time::Duration;

use zenio::{TcpListener, TcpStream};

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// How many times to look before deciding bytes are not coming. On loopback they are in the
/// receiver's queue by the time the sender's `send` returns, so the first look should do.
const ATTEMPTS: usize = 10_000;

/// A task's outcome as an `io::Result`.
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

/// A connection: a plain blocking client (its `connect` needs no accept to complete, and its
/// small writes never block) and the server's end, accepted by zenio.
async fn connection() -> io::Result<(std::net::TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = std::net::TcpStream::connect(listener.local_addr()?)?;
    client.set_nodelay(true)?;
    let (server, _peer) = listener.accept().await?;
    Ok((client, server))
}

/// `try_read` until it brings something other than `WouldBlock`, letting the loop turn in
/// between; gives up after `ATTEMPTS` looks.
async fn try_read_until_something(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    for _ in 0..ATTEMPTS {
        match stream.try_read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => zenio::yield_now().await,
            result => return result,
        }
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        "try_read never saw the peer's bytes",
    ))
}

#[test]
fn try_read_says_would_block_when_nothing_has_arrived() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (_client, server) = connection().await?;
        let before = zenio::stats().registrations;
        let mut buf = [0u8; 16];
        let read = server.try_read(&mut buf);
        assert_eq!(read.map_err(|e| e.kind()), Err(io::ErrorKind::WouldBlock));
        assert_eq!(
            zenio::stats().registrations,
            before,
            "try_read never waits, so it never registers the socket"
        );
        Ok(())
    }))?
}

#[test]
fn try_read_returns_the_bytes_once_the_peer_has_written_them() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (mut client, server) = connection().await?;
        let mut buf = [0u8; 16];
        // Dry first, so that the runtime believes the socket has nothing to read.
        assert_eq!(
            server.try_read(&mut buf).map_err(|e| e.kind()),
            Err(io::ErrorKind::WouldBlock)
        );
        client.write_all(b"hello")?;
        // try_read looks whatever the runtime believes: the bytes are there, so it gets them.
        let n = try_read_until_something(&server, &mut buf).await?;
        assert_eq!(&buf[..n], b"hello");
        // Taken: nothing more.
        assert_eq!(
            server.try_read(&mut buf).map_err(|e| e.kind()),
            Err(io::ErrorKind::WouldBlock)
        );
        Ok(())
    }))?
}

#[test]
fn try_read_returns_zero_after_the_peer_closes() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (mut client, server) = connection().await?;
        client.write_all(b"bye")?;
        drop(client);
        let mut buf = [0u8; 16];
        // The last bytes first, then EOF, and EOF stays EOF.
        let n = try_read_until_something(&server, &mut buf).await?;
        assert_eq!(&buf[..n], b"bye");
        assert_eq!(try_read_until_something(&server, &mut buf).await?, 0);
        assert_eq!(server.try_read(&mut buf)?, 0);
        Ok(())
    }))?
}

#[test]
fn try_read_returns_zero_after_the_peer_shuts_down_writing() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (client, server) = connection().await?;
        client.shutdown(Shutdown::Write)?;
        let mut buf = [0u8; 16];
        assert_eq!(try_read_until_something(&server, &mut buf).await?, 0);
        Ok(())
    }))?
}

#[test]
fn a_read_after_try_read_found_nothing_still_wakes_for_data() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (mut client, server) = connection().await?;
        let mut buf = [0u8; 16];
        assert_eq!(
            server.try_read(&mut buf).map_err(|e| e.kind()),
            Err(io::ErrorKind::WouldBlock)
        );
        // try_read left the socket marked dry and unregistered: the read must register it
        // and wait, and the data that comes later must wake it.
        let reader = zenio::spawn(async move {
            let mut buf = [0u8; 16];
            let n = server.read(&mut buf).await?;
            Ok::<_, io::Error>(buf[..n].to_vec())
        });
        for _ in 0..3 {
            zenio::yield_now().await;
        }
        assert!(!reader.is_finished(), "the read waits for data");
        client.write_all(b"later")?;
        assert_eq!(joined(reader.await)??, b"later");
        Ok(())
    }))?
}
