//! The chat example (`examples/chat.rs`), end to end over loopback: twenty clients each say
//! five numbered lines; every client hears every other client's lines, each sender's in the
//! order it said them, and none of its own. A client that says nothing is closed after the
//! idle timeout.

// The example itself, so that the test runs its real `serve`. (Its `main` goes unused.)
#[allow(dead_code)]
#[path = "../examples/chat.rs"]
mod chat;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use async_lock::Barrier;
use futures_lite::io::{BufReader, Lines};
use futures_lite::{AsyncBufReadExt, StreamExt};
use zenio::{TcpListener, TcpStream};

/// Clients in the room.
const CLIENTS: usize = 20;

/// Lines each client says.
const LINES: usize = 5;

/// How long a test may take before the server is called broken.
const PATIENCE: Duration = Duration::from_secs(20);

#[test]
fn every_client_hears_every_other_clients_lines_in_order_and_none_of_its_own() -> io::Result<()> {
    let heard = zenio::block_on(zenio::timeout(PATIENCE, async {
        let addr = start_chat(Duration::from_secs(300))?;
        let everyone_in = Rc::new(Barrier::new(CLIENTS));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|me| zenio::spawn(chat_as(me, addr, Rc::clone(&everyone_in))))
            .collect();
        let mut heard = Vec::new();
        for client in clients {
            heard.push(client.await.expect("a client task does not panic")?);
        }
        io::Result::Ok(heard)
    }))??;
    for (me, lines) in heard.iter().enumerate() {
        let mut by_sender: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for line in lines {
            let (sender, number) = parse(line);
            by_sender.entry(sender).or_default().push(number);
        }
        let expected: BTreeMap<usize, Vec<usize>> = (0..CLIENTS)
            .filter(|&other| other != me)
            .map(|other| (other, (0..LINES).collect()))
            .collect();
        assert_eq!(by_sender, expected, "what client {me} heard: {lines:?}");
    }
    Ok(())
}

#[test]
fn a_client_that_says_nothing_is_closed_after_the_idle_timeout() -> io::Result<()> {
    let idle = Duration::from_millis(200);
    zenio::block_on(zenio::timeout(PATIENCE, async {
        let addr = start_chat(idle)?;
        // Counted from before the connect: the server may start its clock while this task
        // still waits for the connect to complete.
        let start = Instant::now();
        let stream = TcpStream::connect(addr).await?;
        let mut lines = BufReader::new(&stream).lines();
        let greeting = lines.next().await.expect("a greeting")?;
        assert!(greeting.starts_with("* welcome"), "{greeting}");
        assert!(lines.next().await.is_none(), "closed after the greeting");
        assert!(start.elapsed() >= idle, "closed only after {idle:?}");
        Ok(())
    }))?
}

/// Starts the chat server on a free loopback port, in a task of this thread's runtime (it
/// is cancelled when the test's thread ends).
fn start_chat(idle: Duration) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    zenio::spawn(chat::serve(listener, idle)).detach();
    Ok(addr)
}

/// Client `me`: joins, waits until everyone has joined, says its lines, listens until it has
/// heard everyone else's, then leaves, hearing whatever else comes until the server closes.
/// Returns what it heard after its greeting.
async fn chat_as(me: usize, addr: SocketAddr, everyone_in: Rc<Barrier>) -> io::Result<Vec<String>> {
    let stream = TcpStream::connect(addr).await?;
    let mut lines = BufReader::new(&stream).lines();
    // The greeting comes from the broker once it has counted us in.
    let greeting = next_line(&mut lines).await?;
    assert!(greeting.starts_with("* welcome"), "{greeting}");
    everyone_in.wait().await;
    for number in 0..LINES {
        stream
            .write_all(format!("client {me} line {number}\n").as_bytes())
            .await?;
    }
    let mut heard = Vec::new();
    for _ in 0..(CLIENTS - 1) * LINES {
        heard.push(next_line(&mut lines).await?);
    }
    // Leave, and hear anything still on its way (a line of our own would show up here).
    stream.shutdown(std::net::Shutdown::Write)?;
    while let Some(line) = lines.next().await {
        heard.push(line?);
    }
    Ok(heard)
}

/// The next line, or an error at EOF.
async fn next_line(lines: &mut Lines<BufReader<&TcpStream>>) -> io::Result<String> {
    lines
        .next()
        .await
        .unwrap_or_else(|| Err(io::ErrorKind::UnexpectedEof.into()))
}

/// `127.0.0.1:PORT: client 3 line 4` → (3, 4).
fn parse(line: &str) -> (usize, usize) {
    let said = line.split_once(": ").map_or("", |(_, said)| said);
    let words: Vec<&str> = said.split(' ').collect();
    match words[..] {
        ["client", sender, "line", number] => (
            sender.parse().expect("a client number"),
            number.parse().expect("a line number"),
        ),
        _ => panic!("not a line of this test: {line:?}"),
    }
}
