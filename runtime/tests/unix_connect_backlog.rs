//! `UnixStream::connect` waits while the listener's queue is full, and succeeds once it has
//! room. A Unix `connect` on a full queue says `EAGAIN` and no epoll event tells when the
//! queue drains, so zenio retries after a pause; the test fills a queue of one and checks
//! that the next client waits (instead of failing, as tokio's does) and then gets in.

mod common;

use std::io;
use std::os::unix::net::UnixListener as StdUnixListener;
use std::time::Duration;

use futures_lite::future;
use socket2::{Domain, SockAddr, Socket, Type};
use zenio::{UnixListener, UnixStream};

/// Bound on the test: a client that never gets in fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// A listener whose queue holds a single connection (`listen(0)`; std always asks for more).
fn listener_with_a_queue_of_one(path: &std::path::Path) -> io::Result<UnixListener> {
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    socket.bind(&SockAddr::unix(path)?)?;
    socket.listen(0)?;
    UnixListener::from_std(StdUnixListener::from(std::os::fd::OwnedFd::from(socket)))
}

#[test]
fn connect_waits_for_room_in_a_full_queue() -> io::Result<()> {
    let dir = common::TempDir::new("unix-backlog")?;
    let path = dir.path.join("full.sock");
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = listener_with_a_queue_of_one(&path)?;
        // Fill the queue: connect until a client cannot get in at once (the kernel allows
        // one or two, depending on its version; sixteen is plenty).
        let mut queued = Vec::new();
        let mut waiting = None;
        for _ in 0..16 {
            let mut connecting = Box::pin(UnixStream::connect(path.clone()));
            match future::poll_once(&mut connecting).await {
                Some(connected) => queued.push(connected?),
                None => {
                    waiting = Some(connecting);
                    break;
                }
            }
        }
        let waiting = waiting.expect("a queue of one fills up");
        assert!(!queued.is_empty(), "the first client got in at once");

        // Accept everything that was queued: now the waiting client can get in.
        let latecomer = zenio::spawn(waiting);
        for _ in 0..queued.len() {
            listener.accept().await?;
        }
        let latecomer = latecomer
            .await
            .map_err(|e| io::Error::other(e.to_string()))??;
        let (accepted, _) = listener.accept().await?;
        latecomer.write_all(b"made it").await?;
        let mut buf = [0; 7];
        accepted.read(&mut buf).await?;
        assert_eq!(&buf, b"made it");
        Ok(())
    }))?
}
