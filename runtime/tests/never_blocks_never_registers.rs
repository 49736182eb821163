//! Optimistic I/O: a connection whose every syscall succeeds at once never meets epoll. The
//! request is already waiting when the server accepts, its answer fits in the socket buffer,
//! and then the server closes: accept, read, write, close, and no `epoll_ctl` for the stream.

mod common;

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use zenio::TcpListener;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: zenio\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Waits until the kernel has queued `len` bytes for the server's side of the connection
/// `server` <- `client`: the request is there before the server looks, so its read cannot
/// block. (Bounded; it normally holds at once on loopback.)
fn wait_until_queued(server: SocketAddr, client: SocketAddr, len: u64) -> io::Result<()> {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(entry) = common::tcp_entry(server, client)? {
            if entry.rx_queue >= len {
                return Ok(());
            }
        }
        if Instant::now() > give_up {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "request never queued",
            ));
        }
        std::thread::yield_now();
    }
}

#[test]
fn a_connection_that_never_blocks_is_never_registered() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;

    // The client (plain blocking std) connects and sends before the server accepts; the kernel
    // completes the handshake and queues the data on its own.
    let mut client = std::net::TcpStream::connect(addr)?;
    client.write_all(REQUEST)?;
    wait_until_queued(addr, client.local_addr()?, REQUEST.len() as u64)?;

    let registrations = zenio::block_on(async {
        let (stream, _) = listener.accept().await?;
        let after_accept = zenio::stats().registrations;

        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await?;
        assert_eq!(&buf[..n], REQUEST);
        stream.write_all(RESPONSE).await?;
        drop(stream);

        Ok::<_, io::Error>(zenio::stats().registrations - after_accept)
    })?;
    assert_eq!(
        registrations, 0,
        "read, write and close of the stream registered nothing"
    );

    let mut response = Vec::new();
    client.read_to_end(&mut response)?;
    assert_eq!(response, RESPONSE);
    Ok(())
}
