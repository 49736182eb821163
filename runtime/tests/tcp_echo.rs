//! An echo server and its clients on one runtime: many connections at once, each getting its
//! own bytes back, in order; through `BufReader` lines; and through split halves.

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use futures_lite::io::{copy, AsyncBufReadExt, AsyncReadExt, BufReader};
use futures_lite::StreamExt;
use zenio::{JoinHandle, TcpListener, TcpStream};

/// Generous bound so that a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(60);

/// Echoes one connection until the client closes its side.
async fn echo(stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0; 4096];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

/// Binds a port, starts an echo server task on it, and says where it listens.
fn start_echo_server() -> io::Result<(SocketAddr, JoinHandle<io::Result<()>>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = zenio::spawn(async move {
        loop {
            let (stream, _peer) = listener.accept().await?;
            zenio::spawn(echo(stream)).detach();
        }
    });
    Ok((addr, server))
}

/// The 4 KiB one client sends: a header naming the client, then bytes that depend on both the
/// client and the position, so that a mix-up between connections cannot go unseen.
fn message_of(client: usize) -> Vec<u8> {
    let mut message = format!("client {client:05}\n").into_bytes();
    let mut i = message.len();
    while message.len() < 4096 {
        message.push((i.wrapping_mul(131) ^ client.wrapping_mul(7919)) as u8);
        i += 1;
    }
    message
}

/// Sends `message` in pieces, letting other tasks run between them, and checks the echo.
async fn echo_client(addr: SocketAddr, client: usize) -> io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    let message = message_of(client);
    for piece in message.chunks(512 + client % 100) {
        stream.write_all(piece).await?;
        zenio::yield_now().await;
    }
    let mut echoed = vec![0; message.len()];
    let mut got = 0;
    while got < echoed.len() {
        let n = stream.read(&mut echoed[got..]).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "echo cut short",
            ));
        }
        got += n;
    }
    if echoed != message {
        let at = echoed.iter().zip(&message).position(|(a, b)| a != b);
        return Err(io::Error::other(format!(
            "client {client}: echo differs at byte {at:?}"
        )));
    }
    Ok(())
}

/// A task's outcome as an `io::Result` (a `JoinError` holds a panic payload, which is not
/// `Sync`, so it cannot be wrapped in an `io::Error` as it is).
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

#[test]
fn five_hundred_concurrent_clients_each_get_their_own_bytes_back() -> io::Result<()> {
    const CLIENTS: usize = 500;
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start_echo_server()?;
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| zenio::spawn(echo_client(addr, client)))
            .collect();
        for client in clients {
            joined(client.await)??;
        }
        server.abort();
        Ok(())
    }))?
}

#[test]
fn lines_come_back_through_a_bufreader() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        // This server takes its connections from `incoming()`.
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = zenio::spawn(async move {
            let mut incoming = listener.incoming();
            while let Some(stream) = incoming.next().await {
                zenio::spawn(echo(stream?)).detach();
            }
            Ok::<_, io::Error>(())
        });

        let stream = TcpStream::connect(addr).await?;
        let lines: Vec<String> = (0..200).map(|i| format!("line number {i}\n")).collect();
        stream.write_all(lines.concat().as_bytes()).await?;
        stream.shutdown(Shutdown::Write)?;

        let mut reader = BufReader::new(&stream);
        let mut line = Vec::new();
        for expected in &lines {
            line.clear();
            reader.read_until(b'\n', &mut line).await?;
            assert_eq!(String::from_utf8_lossy(&line), expected.as_str());
        }
        line.clear();
        assert_eq!(
            reader.read_until(b'\n', &mut line).await?,
            0,
            "EOF after the last line"
        );
        server.abort();
        Ok(())
    }))?
}

#[test]
fn owned_halves_read_and_write_from_two_tasks() -> io::Result<()> {
    const TOTAL: usize = 1 << 20;
    let data: Vec<u8> = (0..TOTAL).map(|i| (i % 251) as u8).collect();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        // This server echoes with borrowed halves and `copy`, then closes.
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = zenio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let (reader, mut writer) = stream.split();
            copy(reader, &mut writer).await
        });

        let (mut reader, writer) = TcpStream::connect(addr).await?.into_split();
        let sender = zenio::spawn({
            let data = data.clone();
            async move {
                for piece in data.chunks(8192) {
                    writer.write_all(piece).await?;
                }
                writer.shutdown(Shutdown::Write)
            }
        });
        // Read concurrently with the writer: 1 MiB does not fit in the socket buffers, so
        // neither side could finish alone.
        let receiver = zenio::spawn(async move {
            let mut received = Vec::with_capacity(TOTAL);
            reader.read_to_end(&mut received).await?;
            Ok::<_, io::Error>(received)
        });

        joined(sender.await)??;
        let received = joined(receiver.await)??;
        let copied = joined(server.await)??;
        assert_eq!(copied, TOTAL as u64);
        assert_eq!(received.len(), TOTAL);
        assert!(received == data, "the echo came back byte for byte");
        Ok(())
    }))?
}

#[test]
fn borrowed_halves_read_and_write_at_once_in_one_task() -> io::Result<()> {
    const TOTAL: usize = 256 * 1024;
    let data: Vec<u8> = (0..TOTAL).map(|i| (i % 239) as u8).collect();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start_echo_server()?;
        let stream = TcpStream::connect(addr).await?;
        let (mut reader, mut writer) = stream.split();
        let send = async {
            // The halves are `AsyncWrite`/`AsyncRead`; `close` on a write half sends the FIN.
            use futures_lite::io::AsyncWriteExt;
            for piece in data.chunks(4096) {
                writer.write_all(piece).await?;
            }
            writer.close().await
        };
        let receive = async {
            let mut received = Vec::new();
            reader.read_to_end(&mut received).await?;
            Ok::<_, io::Error>(received)
        };
        let (sent, received) = futures_lite::future::zip(send, receive).await;
        sent?;
        assert!(received? == data, "the echo came back byte for byte");
        server.abort();
        Ok(())
    }))?
}
