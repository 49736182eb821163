//! End of file and half-close: after the peer's `shutdown(Write)` a read returns `Ok(0)`, and
//! the other direction still works. Data followed at once by a FIN must not hide the FIN: the
//! reactor is edge-triggered, so if the read after the data wrongly waited for another event,
//! none would come and the connection would hang (here: time out and fail).

use std::cell::Cell;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::time::Duration;

use zenio::{TcpListener, TcpStream};

/// Bound on every test: a hang (a lost EOF) fails the test instead of blocking it forever.
const NO_HANG: Duration = Duration::from_secs(10);

/// A task's outcome as an `io::Result`.
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

/// Reads until EOF, in reads of at most 1 KiB (more than any message here, so every read that
/// gets data is a short read).
async fn read_to_eof(stream: &TcpStream) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(all),
            n => all.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads exactly `len` bytes.
async fn read_exactly(stream: &TcpStream, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    let mut got = 0;
    while got < len {
        match stream.read(&mut buf[got..]).await? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => got += n,
        }
    }
    Ok(buf)
}

#[test]
fn read_returns_zero_after_the_peer_shuts_down_writing() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = zenio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let request = read_to_eof(&stream).await?;
            // EOF stays EOF: reading again says 0 again, without waiting.
            let mut buf = [0u8; 16];
            assert_eq!(stream.read(&mut buf).await?, 0);
            Ok::<_, io::Error>(request)
        });
        let client = TcpStream::connect(addr).await?;
        client.write_all(b"ping").await?;
        client.shutdown(Shutdown::Write)?;
        assert_eq!(joined(server.await)??, b"ping");
        Ok(())
    }))?
}

#[test]
fn after_a_half_close_the_other_direction_still_works() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = zenio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let request = read_to_eof(&stream).await?;
            // The client can no longer send, but it can still hear the answer.
            let answer = request.to_ascii_uppercase();
            stream.write_all(&answer).await?;
            Ok::<_, io::Error>(())
        });
        let client = TcpStream::connect(addr).await?;
        client.write_all(b"answer me after my FIN").await?;
        client.shutdown(Shutdown::Write)?;
        let answer = read_to_eof(&client).await?;
        assert_eq!(answer, b"ANSWER ME AFTER MY FIN");
        joined(server.await)??;
        Ok(())
    }))?
}

#[test]
fn data_and_fin_arriving_together_on_a_registered_socket_are_both_seen() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let accepted = Rc::new(Cell::new(false));
        let server = zenio::spawn({
            let accepted = accepted.clone();
            async move {
                let (stream, _) = listener.accept().await?;
                accepted.set(true);
                // Nothing has been sent yet: this read waits, which registers the socket.
                let first = read_exactly(&stream, 3).await?;
                stream.write_all(&first.to_ascii_uppercase()).await?;
                // "two" and the FIN come in together: a short read of "two", then EOF.
                let rest = read_to_eof(&stream).await?;
                stream.write_all(&rest.to_ascii_uppercase()).await?;
                Ok::<_, io::Error>(rest)
            }
        });

        let client = TcpStream::connect(addr).await?;
        while !accepted.get() {
            zenio::yield_now().await;
        }
        client.write_all(b"one").await?;
        assert_eq!(read_exactly(&client, 3).await?, b"ONE");

        // Both sockets have waited once already, so both are registered by now.
        let before = zenio::stats().registrations;
        client.write_all(b"two").await?;
        client.shutdown(Shutdown::Write)?;
        assert_eq!(read_to_eof(&client).await?, b"TWO");
        assert_eq!(joined(server.await)??, b"two");
        assert_eq!(
            zenio::stats().registrations,
            before,
            "the server's socket was registered before the data and FIN arrived"
        );
        Ok(())
    }))?
}

#[test]
fn data_and_fin_arriving_before_the_first_read_are_both_seen() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let client = TcpStream::connect(addr).await?;
        client.write_all(b"all at once").await?;
        client.shutdown(Shutdown::Write)?;
        // The server looks only now: data and FIN wait in its (never registered) socket.
        let (stream, _) = listener.accept().await?;
        assert_eq!(read_to_eof(&stream).await?, b"all at once");
        Ok(())
    }))?
}

#[test]
fn many_request_then_fin_exchanges_never_lose_the_fin() -> io::Result<()> {
    // The same race as above, repeated, with the FIN sometimes right after the data and
    // sometimes a turn of the loop later.
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = zenio::spawn(async move {
            let mut served = 0;
            while served < 200 {
                let (stream, _) = listener.accept().await?;
                zenio::spawn(async move {
                    let request = read_to_eof(&stream).await?;
                    stream.write_all(&request).await
                })
                .detach();
                served += 1;
            }
            Ok::<_, io::Error>(())
        });
        let clients: Vec<_> = (0..200)
            .map(|i| {
                zenio::spawn(async move {
                    let client = TcpStream::connect(addr).await?;
                    let message = format!("request {i}");
                    client.write_all(message.as_bytes()).await?;
                    if i % 2 == 1 {
                        zenio::yield_now().await;
                    }
                    client.shutdown(Shutdown::Write)?;
                    let echoed = read_to_eof(&client).await?;
                    assert_eq!(echoed, message.as_bytes());
                    Ok::<_, io::Error>(())
                })
            })
            .collect();
        for client in clients {
            joined(client.await)??;
        }
        joined(server.await)??;
        Ok(())
    }))?
}
