//! A UDP echo of 10,000 datagrams on loopback, every one checked. The client keeps a small
//! window in flight (so datagrams queue up behind each other, and loopback, whose buffers hold
//! far more, never drops one); the server ends when the client says it is done.
//!
//! Datagrams queued behind each other are what tell UDP from TCP in the runtime: a datagram
//! shorter than the buffer says nothing about the queue, so it must not make the next
//! `recv_from` wait for an epoll event that may never come.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use futures_lite::future;
use zenio::UdpSocket;

/// Bound on every test: a lost datagram or wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(30);

/// How many datagrams the client sends.
const DATAGRAMS: u32 = 10_000;

/// How many datagrams may be in flight at once.
const WINDOW: u32 = 16;

/// What the client sends when it has heard every echo.
const DONE: &[u8] = b"done";

/// A task's outcome as an `io::Result`.
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

/// The payload of datagram `i`: its number, then filler of a length that depends on it.
fn payload(i: u32) -> Vec<u8> {
    let mut bytes = i.to_be_bytes().to_vec();
    bytes.extend(std::iter::repeat_n(
        b'a' + (i % 26) as u8,
        (i % 100) as usize,
    ));
    bytes
}

#[test]
fn ten_thousand_datagrams_come_back_each_intact() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let server = UdpSocket::bind("127.0.0.1:0")?;
        let server_addr = server.local_addr()?;
        let echo = zenio::spawn(async move {
            let mut buf = [0u8; 1500];
            let mut echoed = 0;
            loop {
                let (n, from) = server.recv_from(&mut buf).await?;
                if &buf[..n] == DONE {
                    return Ok::<_, io::Error>(echoed);
                }
                server.send_to(&buf[..n], from).await?;
                echoed += 1;
            }
        });

        let client = UdpSocket::bind("127.0.0.1:0")?;
        let mut heard = vec![false; DATAGRAMS as usize];
        let mut sent = 0;
        while sent < WINDOW {
            client.send_to(&payload(sent), server_addr).await?;
            sent += 1;
        }
        let mut buf = [0u8; 1500];
        for _ in 0..DATAGRAMS {
            let (n, from) = client.recv_from(&mut buf).await?;
            assert_eq!(from, server_addr);
            let i = u32::from_be_bytes(buf[..4].try_into().expect("four bytes"));
            assert_eq!(&buf[..n], payload(i), "datagram {i} intact");
            assert!(!heard[i as usize], "datagram {i} heard once");
            heard[i as usize] = true;
            if sent < DATAGRAMS {
                client.send_to(&payload(sent), server_addr).await?;
                sent += 1;
            }
        }
        assert!(heard.iter().all(|&h| h), "every datagram came back");
        client.send_to(DONE, server_addr).await?;
        assert_eq!(joined(echo.await)??, DATAGRAMS);
        Ok(())
    }))?
}

#[test]
fn datagrams_queued_behind_a_short_one_are_received_without_waiting() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let receiver = UdpSocket::bind("127.0.0.1:0")?;
        let sender = UdpSocket::bind("127.0.0.1:0")?;
        let to: SocketAddr = receiver.local_addr()?;
        // The receiver waits first, so it is registered with epoll (edge-triggered).
        let mut buf = [0u8; 64];
        assert!(future::poll_once(receiver.recv_from(&mut buf))
            .await
            .is_none());
        // Three datagrams arrive before the runtime next asks epoll: one event for all three.
        for word in [&b"one"[..], b"two", b"three"] {
            sender.send_to(word, to).await?;
        }
        for word in [&b"one"[..], b"two", b"three"] {
            let (n, _) = receiver.recv_from(&mut buf).await?;
            assert_eq!(&buf[..n], word, "each is far shorter than the buffer");
        }
        Ok(())
    }))?
}
