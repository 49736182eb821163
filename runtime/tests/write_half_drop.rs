//! Dropping an `OwnedWriteHalf` shuts down writing, as tokio's does: the peer reads EOF while
//! the read half goes on reading. A borrowed `WriteHalf` sends nothing when dropped: the
//! stream is still there to write on.

use std::io;
use std::time::Duration;

use futures_lite::io::AsyncReadExt;
use zenio::{TcpListener, TcpStream, UnixStream};

/// Bound on every test: a missing EOF fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// A connected pair of TCP streams on loopback.
async fn tcp_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect(listener.local_addr()?).await?;
    let (server, _) = listener.accept().await?;
    Ok((client, server))
}

#[test]
fn dropping_the_owned_write_half_sends_eof_and_the_read_half_still_reads() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (ours, theirs) = tcp_pair().await?;
        let (mut reader, writer) = ours.into_split();
        writer.write_all(b"goodbye").await?;
        drop(writer);
        let mut heard = Vec::new();
        (&theirs).read_to_end(&mut heard).await?;
        assert_eq!(heard, b"goodbye", "the peer read up to EOF");

        theirs.write_all(b"but I still talk").await?;
        let mut buf = [0; 16];
        reader.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"but I still talk");
        Ok(())
    }))?
}

#[test]
fn the_same_holds_for_unix_streams() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (ours, theirs) = UnixStream::pair()?;
        let (mut reader, writer) = ours.into_split();
        drop(writer);
        let mut heard = Vec::new();
        (&theirs).read_to_end(&mut heard).await?;
        assert!(heard.is_empty());
        theirs.write_all(b"still").await?;
        let mut buf = [0; 5];
        reader.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"still");
        Ok(())
    }))?
}

#[test]
fn dropping_both_halves_closes_the_socket_in_either_order() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        for write_half_first in [true, false] {
            let (ours, theirs) = tcp_pair().await?;
            let (reader, writer) = ours.into_split();
            if write_half_first {
                drop(writer);
                drop(reader);
            } else {
                drop(reader);
                drop(writer);
            }
            let mut buf = [0; 1];
            assert_eq!(theirs.read(&mut buf).await?, 0, "EOF");
        }
        Ok(())
    }))?
}

#[test]
fn dropping_a_borrowed_write_half_sends_nothing() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (ours, theirs) = tcp_pair().await?;
        {
            let (_reader, _writer) = ours.split();
        } // both halves dropped here
          // Had writing been shut down, this write would fail with `EPIPE`.
        ours.write_all(b"still open").await?;
        let mut buf = [0; 10];
        (&theirs).read_exact(&mut buf).await?;
        assert_eq!(&buf, b"still open");
        Ok(())
    }))?
}
