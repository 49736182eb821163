//! The callback style: a `Protocol` served with `serve`, writing through its `Transport`. The
//! runtime calls `connection_made`, `data_received`, `eof_received` and `connection_lost` in
//! that order, closes after the peer's FIN unless the protocol asks to stay open, and sends
//! what the protocol writes even from outside a callback.

use std::cell::RefCell;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use zenio::{JoinHandle, Protocol, TcpListener, TcpStream, Transport};

/// Generous bound so that a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// The callbacks a connection received, in order.
type Log = Rc<RefCell<Vec<String>>>;

/// Answers each complete line with the same line in upper case. It keeps `eof_received`'s
/// default (close once everything is sent).
#[derive(Default)]
struct Upper {
    transport: Option<Transport>,
    line: Vec<u8>,
}

impl Protocol for Upper {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.line.extend_from_slice(data);
        let transport = self.transport.as_ref().expect("connection_made came first");
        while let Some(end) = self.line.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.line.drain(..=end).collect();
            transport.write(&line.to_ascii_uppercase());
        }
    }
}

/// `Upper`, but after the peer's FIN it stays open, says goodbye a little later, then closes.
#[derive(Default)]
struct UpperThenGoodbye(Upper);

impl Protocol for UpperThenGoodbye {
    fn connection_made(&mut self, transport: Transport) {
        self.0.connection_made(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.0.data_received(data);
    }

    fn eof_received(&mut self) -> bool {
        let transport = self
            .0
            .transport
            .clone()
            .expect("connection_made came first");
        zenio::call_later(Duration::from_millis(5), move || {
            transport.write(b"goodbye\n");
            transport.close();
        })
        .detach();
        true
    }
}

/// Writes "tick" a moment after the connection opens, from a timer: outside any callback,
/// while the connection's task waits for the peer.
#[derive(Default)]
struct Ticker;

impl Protocol for Ticker {
    fn connection_made(&mut self, transport: Transport) {
        zenio::call_later(Duration::from_millis(5), move || transport.write(b"tick\n")).detach();
    }

    fn data_received(&mut self, _data: &[u8]) {}
}

/// Wraps a protocol and records each callback it gets.
struct Logged<P> {
    inner: P,
    log: Log,
}

impl<P: Protocol> Protocol for Logged<P> {
    fn connection_made(&mut self, transport: Transport) {
        self.log
            .borrow_mut()
            .push(format!("made {}", transport.peer_addr()));
        self.inner.connection_made(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.log.borrow_mut().push("data".to_string());
        self.inner.data_received(data);
    }

    fn eof_received(&mut self) -> bool {
        self.log.borrow_mut().push("eof".to_string());
        self.inner.eof_received()
    }

    fn connection_lost(&mut self, error: Option<io::Error>) {
        let kind = error.as_ref().map(io::Error::kind);
        self.log.borrow_mut().push(format!("lost {kind:?}"));
        self.inner.connection_lost(error);
    }
}

/// Serves `P` on a fresh port, logging its callbacks into `log`.
fn start<P: Protocol + Default>(log: &Log) -> io::Result<(SocketAddr, JoinHandle<io::Result<()>>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let log = log.clone();
    let server = zenio::spawn(zenio::serve(listener, move || Logged {
        inner: P::default(),
        log: log.clone(),
    }));
    Ok((addr, server))
}

/// Reads until EOF.
async fn read_to_eof(stream: &TcpStream) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(all),
            n => all.extend_from_slice(&buf[..n]),
        }
    }
}

/// Checks the order of the callbacks: made (from `peer`), then data (any number of times,
/// folded into one; absent when `data_expected` is false), then eof, then a clean loss.
fn assert_log(log: &Log, peer: SocketAddr, data_expected: bool) {
    let log = log.borrow();
    let mut events: Vec<&str> = log.iter().map(String::as_str).collect();
    events.dedup();
    let made = format!("made {peer}");
    let expected: Vec<&str> = if data_expected {
        vec![&made, "data", "eof", "lost None"]
    } else {
        vec![&made, "eof", "lost None"]
    };
    assert_eq!(
        events, expected,
        "callbacks in order (repeated data folded): {log:?}"
    );
}

#[test]
fn a_served_protocol_answers_and_closes_after_the_peers_fin() -> io::Result<()> {
    let log = Log::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start::<Upper>(&log)?;
        let client = TcpStream::connect(addr).await?;
        // Lines split across writes, with turns of the loop between: the protocol reassembles.
        for piece in ["hel", "lo\nzen", "io\n", "bye\n"] {
            client.write_all(piece.as_bytes()).await?;
            zenio::yield_now().await;
        }
        client.shutdown(Shutdown::Write)?;
        // The default eof_received closes once the answers are sent: the client sees EOF.
        let answers = read_to_eof(&client).await?;
        assert_eq!(answers, b"HELLO\nZENIO\nBYE\n");
        assert_log(&log, client.local_addr()?, true);
        server.abort();
        Ok(())
    }))?
}

#[test]
fn a_protocol_that_stays_open_after_eof_can_still_write_then_close() -> io::Result<()> {
    let log = Log::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start::<UpperThenGoodbye>(&log)?;
        let client = TcpStream::connect(addr).await?;
        client.write_all(b"still there?\n").await?;
        client.shutdown(Shutdown::Write)?;
        let answers = read_to_eof(&client).await?;
        assert_eq!(answers, b"STILL THERE?\ngoodbye\n");
        assert_log(&log, client.local_addr()?, true);
        server.abort();
        Ok(())
    }))?
}

#[test]
fn a_write_from_outside_a_callback_is_delivered() -> io::Result<()> {
    let log = Log::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start::<Ticker>(&log)?;
        let client = TcpStream::connect(addr).await?;
        // The client sends nothing: the tick comes from the server's timer alone.
        let mut tick = [0u8; 5];
        let mut got = 0;
        while got < tick.len() {
            match client.read(&mut tick[got..]).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => got += n,
            }
        }
        assert_eq!(&tick, b"tick\n");
        client.shutdown(Shutdown::Write)?;
        assert_eq!(read_to_eof(&client).await?, b"");
        assert_log(&log, client.local_addr()?, false);
        server.abort();
        Ok(())
    }))?
}

#[test]
fn serve_runs_each_connection_with_its_own_protocol() -> io::Result<()> {
    let log = Log::default();
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (addr, server) = start::<Upper>(&log)?;
        let clients: Vec<_> = (0..50)
            .map(|i| {
                zenio::spawn(async move {
                    let client = TcpStream::connect(addr).await?;
                    let line = format!("client {i}\n");
                    client.write_all(line.as_bytes()).await?;
                    client.shutdown(Shutdown::Write)?;
                    let answer = read_to_eof(&client).await?;
                    assert_eq!(answer, line.to_ascii_uppercase().as_bytes());
                    Ok::<_, io::Error>(())
                })
            })
            .collect();
        for client in clients {
            client
                .await
                .map_err(|error| io::Error::other(error.to_string()))??;
        }
        let log = log.borrow();
        assert_eq!(log.iter().filter(|e| e.starts_with("made")).count(), 50);
        assert_eq!(log.iter().filter(|e| *e == "lost None").count(), 50);
        server.abort();
        Ok(())
    }))?
}
