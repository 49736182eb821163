//! `UnixStream::pair`: two streams joined by `socketpair`, already non-blocking, with TCP's
//! behaviour in every respect a stream has: both directions, half-close, halves.

use std::io;
use std::net::Shutdown;
use std::time::Duration;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use zenio::UnixStream;

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

#[test]
fn a_pair_talks_both_ways_and_never_meets_epoll_when_nothing_waits() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let registrations = zenio::stats().registrations;
        let (left, right) = UnixStream::pair()?;
        // A Unix `send` puts the bytes straight into the peer's queue, so each read below
        // finds them there.
        left.write_all(b"ping").await?;
        let mut buf = [0; 4];
        (&right).read_exact(&mut buf).await?;
        assert_eq!(&buf, b"ping");
        right.write_all(b"pong").await?;
        (&left).read_exact(&mut buf).await?;
        assert_eq!(&buf, b"pong");
        assert!(left.local_addr()?.is_unnamed() && left.peer_addr()?.is_unnamed());
        assert_eq!(
            zenio::stats().registrations,
            registrations,
            "nothing waited"
        );
        Ok(())
    }))?
}

#[test]
fn shutting_down_writing_gives_the_peer_eof_and_keeps_the_other_direction() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (left, right) = UnixStream::pair()?;
        left.write_all(b"all I have").await?;
        left.shutdown(Shutdown::Write)?;
        let mut heard = Vec::new();
        (&right).read_to_end(&mut heard).await?;
        assert_eq!(heard, b"all I have");
        right.write_all(b"heard you").await?;
        let mut buf = [0; 9];
        (&left).read_exact(&mut buf).await?;
        assert_eq!(&buf, b"heard you");
        Ok(())
    }))?
}

#[test]
fn a_waiting_reader_wakes_when_the_other_end_writes() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (left, right) = UnixStream::pair()?;
        let (mut reader, _writer) = right.into_split();
        let registrations = zenio::stats().registrations;
        let reading = zenio::spawn(async move {
            let mut buf = [0; 5];
            reader.read_exact(&mut buf).await.map(|()| buf)
        });
        // Let the reader find nothing and wait.
        zenio::yield_now().await;
        assert_eq!(zenio::stats().registrations, registrations + 1);
        let (_, mut writer) = left.split();
        writer.write_all(b"later").await?;
        let heard = reading
            .await
            .map_err(|e| io::Error::other(e.to_string()))??;
        assert_eq!(&heard, b"later");
        Ok(())
    }))?
}
