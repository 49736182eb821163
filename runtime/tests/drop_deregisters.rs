//! Cancelling a task that waits on a socket closes the socket: its future is dropped, the
//! reactor forgets the socket, and the descriptor is gone. A leak here would be a leak per
//! cancelled connection.
//!
//! This file holds a single test, so that the process's descriptor count belongs to it alone.

mod common;

use std::io;
use std::time::Duration;

use zenio::{TcpListener, TcpStream};

/// Generous bound so that a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

#[test]
fn cancelling_a_task_waiting_on_a_socket_closes_the_socket() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let client = TcpStream::connect(addr).await?;
        let fds_before = common::open_fd_count()?;

        let (server, _) = listener.accept().await?;
        let entry = common::tcp_entry(addr, client.local_addr()?)?
            .expect("the kernel lists the accepted socket");
        assert_eq!(
            common::fds_of_socket(entry.inode)?.len(),
            1,
            "one descriptor, ours"
        );
        assert_eq!(common::open_fd_count()?, fds_before + 1);

        // A task waits to read from the accepted socket; the client sends nothing.
        let registrations = zenio::stats().registrations;
        let reader = zenio::spawn(async move {
            let mut buf = [0u8; 64];
            server.read(&mut buf).await
        });
        for _ in 0..10 {
            if zenio::stats().registrations > registrations {
                break;
            }
            zenio::yield_now().await;
        }
        assert_eq!(
            zenio::stats().registrations,
            registrations + 1,
            "the read waited, so the socket was registered"
        );

        reader.abort();
        zenio::yield_now().await;
        zenio::yield_now().await;

        assert!(
            common::fds_of_socket(entry.inode)?.is_empty(),
            "the cancelled task's socket has no descriptor left"
        );
        assert_eq!(
            common::open_fd_count()?,
            fds_before,
            "back to where we started"
        );
        // And the peer sees the close.
        let mut buf = [0u8; 16];
        assert_eq!(client.read(&mut buf).await?, 0, "the client reads EOF");
        Ok(())
    }))?
}
