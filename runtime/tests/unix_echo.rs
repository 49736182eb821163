//! A Unix-domain echo server, read line by line with `futures_lite::io::BufReader::lines`:
//! the stream is the same code as TCP's, so every `futures-io` helper works on it. The socket
//! file lives in a directory of the test's own, removed at the end.

mod common;

use std::io;
use std::time::Duration;

use futures_lite::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use futures_lite::StreamExt;
use zenio::{UnixListener, UnixStream};

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// How many lines the client sends.
const LINES: usize = 1_000;

/// A task's outcome as an `io::Result`.
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

#[test]
fn a_unix_echo_server_answers_every_line() -> io::Result<()> {
    let dir = common::TempDir::new("unix-echo")?;
    let path = dir.path.join("echo.sock");
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = UnixListener::bind(&path)?;
        // The server: one connection, each line sent back, until the client's EOF.
        let server = zenio::spawn(async move {
            let (stream, _peer) = listener.accept().await?;
            let (reader, mut writer) = stream.into_split();
            let mut lines = BufReader::new(reader).lines();
            let mut echoed = 0;
            while let Some(line) = lines.next().await {
                writer.write_all(format!("{}\n", line?).as_bytes()).await?;
                echoed += 1;
            }
            Ok::<_, io::Error>(echoed)
        });

        let (reader, mut writer) = UnixStream::connect(&path).await?.into_split();
        // Write from a task of its own while reading here, so neither side's buffer can fill
        // up with nobody draining it.
        let sender = zenio::spawn(async move {
            for i in 0..LINES {
                writer.write_all(format!("line {i}\n").as_bytes()).await?;
            }
            writer.close().await // EOF for the server
        });
        let mut lines = BufReader::new(reader).lines();
        for i in 0..LINES {
            let line = lines.next().await.expect("an echo for every line")?;
            assert_eq!(line, format!("line {i}"));
        }
        assert!(lines.next().await.is_none(), "nothing after the last line");
        joined(sender.await)??;
        assert_eq!(joined(server.await)??, LINES);
        Ok::<_, io::Error>(())
    }))??;
    assert!(
        path.exists(),
        "the socket file stays until its owner removes it"
    );
    drop(dir);
    assert!(!path.exists());
    Ok(())
}

#[test]
fn bind_accept_and_connect_report_the_path() -> io::Result<()> {
    let dir = common::TempDir::new("unix-addrs")?;
    let path = dir.path.join("addrs.sock");
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = UnixListener::bind(&path)?;
        assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
        let client = UnixStream::connect(&path).await?;
        let (server, peer) = listener.accept().await?;
        assert!(
            peer.is_unnamed(),
            "a client that did not bind has no name: {peer:?}"
        );
        assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
        assert_eq!(server.local_addr()?.as_pathname(), Some(path.as_path()));
        assert!(client.local_addr()?.is_unnamed());
        Ok(())
    }))?
}

#[test]
fn accept_reports_a_bound_client_by_path_or_abstract_name() -> io::Result<()> {
    use socket2::{Domain, SockAddr, Socket, Type};
    use std::os::linux::net::SocketAddrExt;

    let dir = common::TempDir::new("unix-named-peers")?;
    let path = dir.path.join("server.sock");
    let client_path = dir.path.join("client.sock");
    let abstract_name = format!("zenio-test-client-{}", std::process::id());
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = UnixListener::bind(&path)?;
        // Blocking clients that bind before they connect (a Unix connect needs no accept).
        let by_path = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        by_path.bind(&SockAddr::unix(&client_path)?)?;
        by_path.connect(&SockAddr::unix(&path)?)?;
        let (_, peer) = listener.accept().await?;
        assert_eq!(peer.as_pathname(), Some(client_path.as_path()));

        let by_name = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        by_name.bind(&SockAddr::unix(format!("\0{abstract_name}"))?)?;
        by_name.connect(&SockAddr::unix(&path)?)?;
        let (_, peer) = listener.accept().await?;
        assert_eq!(peer.as_abstract_name(), Some(abstract_name.as_bytes()));
        Ok(())
    }))?
}

#[test]
fn binding_a_path_that_exists_fails() -> io::Result<()> {
    let dir = common::TempDir::new("unix-in-use")?;
    let path = dir.path.join("taken.sock");
    let _first = UnixListener::bind(&path)?;
    let error = UnixListener::bind(&path).expect_err("the path is taken");
    assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    Ok(())
}

#[test]
fn connecting_to_a_path_nobody_listens_on_fails() -> io::Result<()> {
    let dir = common::TempDir::new("unix-nobody")?;
    let error = zenio::block_on(UnixStream::connect(dir.path.join("nobody.sock")))
        .expect_err("no such socket file");
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
    Ok(())
}
