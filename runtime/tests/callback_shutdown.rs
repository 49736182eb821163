//! Ending a callback-style connection from the server's side. `close_when_idle` closes a
//! connection that has nothing to say, but first answers whatever the peer had already sent;
//! `write_eof` sends a FIN after the buffered output, and the connection still listens.
//!
//! The protocol here echoes in upper case and keeps its transport where the test can reach it,
//! so that the test, like a server shutting down, calls the transport from outside any
//! callback. Where the order of events matters, the client is a plain blocking socket: its
//! writes land in the server's socket before the runtime gets another turn.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use zenio::{JoinHandle, Protocol, TcpListener, TcpStream, Transport};

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// Turns of the loop to wait for the server to get somewhere, before deciding it never will.
const TURNS: usize = 100_000;

/// What the test can see of the server's connections.
#[derive(Clone, Default)]
struct Seen {
    /// Each connection's transport, from `connection_made`.
    transports: Rc<RefCell<Vec<Transport>>>,
    /// Every byte `data_received` got.
    heard: Rc<RefCell<Vec<u8>>>,
    /// What `connection_lost` said, once per connection.
    lost: Rc<RefCell<Vec<Option<io::ErrorKind>>>>,
}

/// Echoes what it hears in upper case.
struct Shouter {
    /// Where the test looks.
    seen: Seen,
    /// This connection's transport.
    transport: Option<Transport>,
    /// Call `close_when_idle` in `connection_made`, before the connection's first read.
    close_when_idle_at_once: bool,
}

impl Protocol for Shouter {
    fn connection_made(&mut self, transport: Transport) {
        if self.close_when_idle_at_once {
            transport.close_when_idle();
        }
        self.seen.transports.borrow_mut().push(transport.clone());
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.seen.heard.borrow_mut().extend_from_slice(data);
        let transport = self.transport.as_ref().expect("connection_made came first");
        transport.write(&data.to_ascii_uppercase());
    }

    fn connection_lost(&mut self, error: Option<io::Error>) {
        self.seen
            .lost
            .borrow_mut()
            .push(error.as_ref().map(io::Error::kind));
    }
}

/// Serves `Shouter` on `listener`.
fn serve(
    listener: TcpListener,
    seen: &Seen,
    close_when_idle_at_once: bool,
) -> JoinHandle<io::Result<()>> {
    let seen = seen.clone();
    zenio::spawn(zenio::serve(listener, move || Shouter {
        seen: seen.clone(),
        transport: None,
        close_when_idle_at_once,
    }))
}

/// Binds a fresh port and serves `Shouter` on it.
fn start(seen: &Seen) -> io::Result<(SocketAddr, JoinHandle<io::Result<()>>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    Ok((addr, serve(listener, seen, false)))
}

/// A plain blocking client. Its `connect` completes without the server's help; its reads
/// give up after `NO_HANG`.
fn blocking_client(addr: SocketAddr) -> io::Result<std::net::TcpStream> {
    let client = std::net::TcpStream::connect(addr)?;
    client.set_nodelay(true)?;
    client.set_read_timeout(Some(NO_HANG))?;
    Ok(client)
}

/// Lets the runtime turn until `done` holds (bounded).
async fn wait_until(what: &str, done: impl Fn() -> bool) -> io::Result<()> {
    for _ in 0..TURNS {
        if done() {
            return Ok(());
        }
        zenio::yield_now().await;
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("never {what}"),
    ))
}

/// Reads until EOF, with the runtime's client.
async fn read_to_eof(stream: &TcpStream) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(all),
            n => all.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn close_when_idle_closes_an_idle_connection() -> io::Result<()> {
    let seen = Seen::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start(&seen)?;
        let mut client = blocking_client(addr)?;
        wait_until("connected", || seen.transports.borrow().len() == 1).await?;

        seen.transports.borrow()[0].close_when_idle();
        wait_until("closed", || seen.lost.borrow().len() == 1).await?;

        // The server closed first, so the FIN is already here: this read does not wait.
        let mut answer = Vec::new();
        client.read_to_end(&mut answer)?;
        assert_eq!(answer, b"", "nothing to answer, then EOF (not a reset)");
        assert_eq!(*seen.lost.borrow(), vec![None], "a clean close");
        assert!(seen.heard.borrow().is_empty());
        server.abort();
        Ok(())
    }))?
}

#[test]
fn close_when_idle_first_answers_what_arrived_while_the_connection_waited() -> io::Result<()> {
    let seen = Seen::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start(&seen)?;
        let mut client = blocking_client(addr)?;
        // connection_made and the first read happen in one turn of the connection's task: once
        // the transport is here, that read has found nothing and the task waits.
        wait_until("connected", || seen.transports.borrow().len() == 1).await?;

        // The question arrives, and the shutdown comes, before the server has another turn.
        client.write_all(b"abc")?;
        assert!(
            seen.heard.borrow().is_empty(),
            "the server has not read yet"
        );
        seen.transports.borrow()[0].close_when_idle();
        wait_until("closed", || seen.lost.borrow().len() == 1).await?;

        let mut answer = Vec::new();
        client.read_to_end(&mut answer)?;
        assert_eq!(answer, b"ABC", "the question asked was answered, then EOF");
        assert_eq!(*seen.heard.borrow(), b"abc");
        assert_eq!(*seen.lost.borrow(), vec![None], "a clean close");
        server.abort();
        Ok(())
    }))?
}

#[test]
fn close_when_idle_before_the_first_read_answers_what_already_arrived() -> io::Result<()> {
    let seen = Seen::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        // The client connects and asks before the server even runs...
        let mut client = blocking_client(listener.local_addr()?)?;
        client.write_all(b"abc")?;
        // ...and this protocol asks to close once idle in connection_made, before any read.
        let server = serve(listener, &seen, true);
        wait_until("closed", || seen.lost.borrow().len() == 1).await?;

        let mut answer = Vec::new();
        client.read_to_end(&mut answer)?;
        assert_eq!(answer, b"ABC");
        assert_eq!(*seen.heard.borrow(), b"abc");
        assert_eq!(*seen.lost.borrow(), vec![None]);
        server.abort();
        Ok(())
    }))?
}

#[test]
fn close_when_idle_answers_a_last_question_that_came_with_a_fin() -> io::Result<()> {
    let seen = Seen::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start(&seen)?;
        let mut client = blocking_client(addr)?;
        wait_until("connected", || seen.transports.borrow().len() == 1).await?;

        client.write_all(b"last")?;
        client.shutdown(Shutdown::Write)?;
        seen.transports.borrow()[0].close_when_idle();
        wait_until("closed", || seen.lost.borrow().len() == 1).await?;

        let mut answer = Vec::new();
        client.read_to_end(&mut answer)?;
        assert_eq!(answer, b"LAST");
        assert_eq!(*seen.lost.borrow(), vec![None]);
        server.abort();
        Ok(())
    }))?
}

#[test]
fn write_eof_sends_the_fin_after_the_buffered_output_and_keeps_listening() -> io::Result<()> {
    // More than the socket buffers hold: the output leaves in many sends, and the FIN must
    // wait for the last of them.
    const TOTAL: usize = 1 << 20;
    let data: Vec<u8> = (0..TOTAL).map(|i| (i % 251) as u8).collect();
    let seen = Seen::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start(&seen)?;
        let client = TcpStream::connect(addr).await?;
        wait_until("connected", || seen.transports.borrow().len() == 1).await?;

        let transport = seen.transports.borrow()[0].clone();
        transport.write(&data);
        transport.write_eof();
        let received = read_to_eof(&client).await?;
        assert_eq!(received.len(), TOTAL, "all the output came before the FIN");
        assert!(received == data, "the output came back byte for byte");

        // The server's side is shut for writing only: it still hears the client. (Its upper
        // case echo is dropped, as writes after write_eof are.)
        client.write_all(b"still listening?").await?;
        wait_until("heard", || *seen.heard.borrow() == b"still listening?").await?;
        assert!(
            seen.lost.borrow().is_empty(),
            "the connection is still open"
        );

        // The client's FIN ends the connection cleanly, with nothing more sent its way.
        client.shutdown(Shutdown::Write)?;
        wait_until("closed", || seen.lost.borrow().len() == 1).await?;
        assert_eq!(*seen.lost.borrow(), vec![None], "a clean close");
        let mut buf = [0u8; 16];
        assert_eq!(client.read(&mut buf).await?, 0, "nothing after the FIN");
        server.abort();
        Ok(())
    }))?
}

#[test]
fn write_eof_with_nothing_buffered_sends_the_fin_at_once() -> io::Result<()> {
    let seen = Seen::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start(&seen)?;
        let client = TcpStream::connect(addr).await?;
        wait_until("connected", || seen.transports.borrow().len() == 1).await?;

        seen.transports.borrow()[0].write_eof();
        assert_eq!(read_to_eof(&client).await?, b"");

        // Half-closed, not closed: the protocol still hears the client.
        client.write_all(b"hello?").await?;
        wait_until("heard", || *seen.heard.borrow() == b"hello?").await?;
        client.shutdown(Shutdown::Write)?;
        wait_until("closed", || seen.lost.borrow().len() == 1).await?;
        assert_eq!(*seen.lost.borrow(), vec![None]);
        server.abort();
        Ok(())
    }))?
}

#[test]
fn abort_closes_at_once_dropping_output_the_peer_never_read() -> io::Result<()> {
    let seen = Seen::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start(&seen)?;
        let _client = blocking_client(addr)?; // connects, and never reads
        wait_until("connected", || seen.transports.borrow().len() == 1).await?;

        // More than the socket buffers can take: without abort, `close` would wait forever
        // for this to be sent.
        let transport = seen.transports.borrow()[0].clone();
        transport.write(&vec![b'x'; 64 << 20]);
        wait_until("sending stalled", || {
            transport.write_buffer_size() < 64 << 20
        })
        .await?;
        transport.abort();
        assert_eq!(transport.write_buffer_size(), 0);
        wait_until("closed", || seen.lost.borrow().len() == 1).await?;
        assert_eq!(*seen.lost.borrow(), vec![None]);
        server.abort();
        Ok(())
    }))?
}
