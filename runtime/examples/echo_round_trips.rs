//! Echo round trips over TCP, Unix or UDP, client and server on one runtime: a program to run
//! under `strace`, to see what each kind of socket costs for the same work.
//!
//! The client sends a 16-byte message and waits for its echo, ROUNDS times (lock-step, so
//! every read waits). TCP and Unix run the very same code, generic over `StreamSocket<S>`;
//! UDP sends one datagram per message.
//!
//! Run it:    `cargo build --release -p zenio --example echo_round_trips`
//!            `strace -f -c target/release/examples/echo_round_trips unix 10000`
//!            (and `tcp`, `udp`; the default is `tcp 10000`)
//! Look for:  per round trip, one `sendto` a side and one `epoll_wait` a side; one
//!            `recvfrom` a side for TCP and Unix (a short read means "empty"), two for UDP
//!            (one says `EAGAIN`: a datagram says nothing about the queue behind it); and
//!            `epoll_ctl` twice for the sockets, once each, the first time it waits (the
//!            other four are `polling`'s own, at start-up and exit).

use std::io;
use std::os::fd::AsFd;

use zenio::{StreamSocket, TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};

/// The size of every message.
const MESSAGE: usize = 16;

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "tcp".into());
    let rounds: usize = match args.next().map(|n| n.parse()) {
        None => 10_000,
        Some(Ok(n)) => n,
        Some(Err(error)) => exit(&format!("ROUNDS: {error}")),
    };
    let result = zenio::block_on(async {
        match kind.as_str() {
            "tcp" => {
                let listener = TcpListener::bind("127.0.0.1:0")?;
                let client = TcpStream::connect(listener.local_addr()?).await?;
                let (server, _) = listener.accept().await?;
                streams(client, server, rounds).await
            }
            "unix" => {
                let path = std::env::temp_dir().join(format!("zenio-echo-{}", std::process::id()));
                let listener = UnixListener::bind(&path)?;
                let client = UnixStream::connect(&path).await?;
                let (server, _) = listener.accept().await?;
                std::fs::remove_file(&path)?;
                streams(client, server, rounds).await
            }
            "udp" => datagrams(rounds).await,
            other => exit(&format!("unknown kind {other:?}: tcp, unix or udp")),
        }
    });
    match result {
        Ok(()) => println!("{kind}: {rounds} round trips"),
        Err(error) => exit(&format!("{kind}: {error}")),
    }
}

/// Echoes `rounds` messages from `client` through `server`: TCP and Unix alike.
async fn streams<S: AsFd + 'static>(
    client: StreamSocket<S>,
    server: StreamSocket<S>,
    rounds: usize,
) -> io::Result<()> {
    let echo = zenio::spawn(async move {
        let mut buf = [0; 64];
        loop {
            match server.read(&mut buf).await? {
                0 => return io::Result::Ok(()),
                n => server.write_all(&buf[..n]).await?,
            }
        }
    });
    // Read into a buffer larger than a message, as a server would: a read that fills less
    // than its buffer tells the runtime the socket is empty.
    let mut buf = [0; 64];
    for round in 0..rounds {
        client.write_all(&message(round)).await?;
        let mut got = 0;
        while got < MESSAGE {
            match client.read(&mut buf[got..]).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => got += n,
            }
        }
        assert_eq!(buf[..got], message(round));
    }
    drop(client);
    echo.await.map_err(|e| io::Error::other(e.to_string()))?
}

/// Echoes `rounds` datagrams between two UDP sockets.
async fn datagrams(rounds: usize) -> io::Result<()> {
    let server = UdpSocket::bind("127.0.0.1:0")?;
    let server_addr = server.local_addr()?;
    let echo = zenio::spawn(async move {
        let mut buf = [0; 64];
        for _ in 0..rounds {
            let (n, from) = server.recv_from(&mut buf).await?;
            server.send_to(&buf[..n], from).await?;
        }
        io::Result::Ok(())
    });
    let client = UdpSocket::bind("127.0.0.1:0")?;
    let mut buf = [0; 64];
    for round in 0..rounds {
        client.send_to(&message(round), server_addr).await?;
        let (n, _) = client.recv_from(&mut buf).await?;
        assert_eq!(buf[..n], message(round));
    }
    echo.await.map_err(|e| io::Error::other(e.to_string()))?
}

/// Message number `round`: its number in ASCII, padded to 16 bytes.
fn message(round: usize) -> [u8; MESSAGE] {
    let mut bytes = [b' '; MESSAGE];
    let text = format!("{round:>15}\n");
    bytes.copy_from_slice(text.as_bytes());
    bytes
}

/// Says what went wrong and exits with status 2.
fn exit(message: &str) -> ! {
    eprintln!("echo_round_trips: {message}");
    std::process::exit(2)
}
