//! A chat server: every line a client sends goes to every other client.
//!
//! The chat programs of the seed's `000_*.txt` pass messages between clients; this one is
//! built from crates written for no runtime in particular, to show that they run on zenio
//! as they are. Each connection is a zenio task; `futures-lite` cuts its bytes into lines;
//! `async-channel` carries the lines. One task, the broker, owns the list of clients:
//! connection tasks tell it who joined, who left and who said what, and it puts each line
//! in the outbox of every other client, a channel that the client's task empties onto its
//! socket. A client that says nothing for `--idle` seconds is closed (`zenio::timeout`).
//!
//! Run it:   `cargo run -p zenio --example chat -- [ADDR] [--idle SECS]`
//!           (default 127.0.0.1:7001, 300 s)
//! Poke it:  `nc 127.0.0.1 7001` in two terminals: a line typed in one shows in the other

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use async_channel::{Receiver, Sender};
use futures_lite::io::BufReader;
use futures_lite::{future, AsyncBufReadExt, StreamExt};
use zenio::{TcpListener, TcpStream};

/// Lines one client may have waiting at most; the broker drops a client that falls further
/// behind, rather than letting it hold up everybody else.
const OUTBOX: usize = 1024;

/// Events waiting for the broker at most; a connection task that finds the broker's inbox
/// full waits, and stops reading its client meanwhile.
const INBOX: usize = 1024;

/// What connection tasks tell the broker.
enum Event {
    /// A client connected; the broker puts the lines for it in `outbox`.
    Join {
        /// Who.
        peer: SocketAddr,
        /// The sending end of the client's outbox.
        outbox: Sender<Rc<str>>,
    },
    /// A client said something.
    Line {
        /// Who.
        peer: SocketAddr,
        /// What the others get: the line, with the sender in front and a newline. One
        /// `Rc` for all of them, so the line is not copied per client.
        line: Rc<str>,
    },
    /// A client left (closed, went idle, or failed).
    Leave {
        /// Who.
        peer: SocketAddr,
    },
}

fn main() {
    let (addr, idle) = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(usage) => {
            eprintln!("chat: {usage}\nusage: chat [ADDR] [--idle SECS]");
            std::process::exit(2);
        }
    };
    let served = zenio::block_on(async {
        let listener = TcpListener::bind(&addr)?;
        println!("Listening at {}", listener.local_addr()?);
        serve(listener, idle).await
    });
    if let Err(error) = served {
        eprintln!("chat: {addr}: {error}");
        std::process::exit(2);
    }
}

/// The address and the idle timeout from the command line.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(String, Duration), String> {
    let mut addr = "127.0.0.1:7001".to_string();
    let mut idle = Duration::from_secs(300);
    while let Some(arg) = args.next() {
        if arg == "--idle" {
            let secs = args.next().ok_or("--idle needs a number of seconds")?;
            idle = secs
                .parse()
                .ok()
                .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
                .ok_or(format!("--idle {secs}: not a number of seconds"))?;
        } else {
            addr = arg;
        }
    }
    Ok((addr, idle))
}

/// Accepts clients on `listener` forever: one broker task, one task per client.
pub async fn serve(listener: TcpListener, idle: Duration) -> io::Result<()> {
    let (events, inbox) = async_channel::bounded(INBOX);
    zenio::spawn(broker(inbox)).detach();
    loop {
        let (stream, peer) = listener.accept().await?;
        zenio::spawn(client(stream, peer, events.clone(), idle)).detach();
    }
}

/// Owns the list of clients and passes every line on to every other client.
async fn broker(inbox: Receiver<Event>) {
    let mut outboxes: HashMap<SocketAddr, Sender<Rc<str>>> = HashMap::new();
    while let Ok(event) = inbox.recv().await {
        match event {
            // A newcomer: greet it, then count it in.
            Event::Join { peer, outbox } => {
                let greeting = format!("* welcome {peer} ({} already here)\n", outboxes.len());
                let _ = outbox.try_send(greeting.into());
                outboxes.insert(peer, outbox);
            }
            // A line: into every other outbox. A full outbox means a client that does not
            // read: it is dropped, which ends its task.
            Event::Line { peer, line } => outboxes.retain(|&other, outbox| {
                other == peer || outbox.try_send(Rc::clone(&line)).is_ok()
            }),
            // Gone: dropping its outbox lets its task write what is left in it, then end.
            Event::Leave { peer } => drop(outboxes.remove(&peer)),
        }
    }
}

/// One client's task: hears its lines and tells it the others', both at once.
async fn client(stream: TcpStream, peer: SocketAddr, events: Sender<Event>, idle: Duration) {
    let (outbox, lines_for_it) = async_channel::bounded(OUTBOX);
    if events.send(Event::Join { peer, outbox }).await.is_err() {
        return;
    }
    println!("{peer}: joined");
    let mut telling = pin!(tell(&stream, &lines_for_it, idle));
    let heard = future::or(hear(&stream, peer, &events, idle), async {
        (&mut telling).await?;
        Err(io::Error::other("fell too far behind"))
    })
    .await;
    // Leaving: the broker drops our outbox. A client that left cleanly still gets what is
    // left in it: `telling` writes that, then ends. (After an error it may be over already.)
    let _ = events.send(Event::Leave { peer }).await;
    let outcome = match heard {
        Ok(()) => telling.await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => println!("{peer}: left"),
        Err(error) => println!("{peer}: {error}"),
    }
}

/// Reads the client's lines and hands each to the broker, until the client closes, fails,
/// or says nothing for `idle`. (A line may be any length: a real server would cap it.)
async fn hear(
    stream: &TcpStream,
    peer: SocketAddr,
    events: &Sender<Event>,
    idle: Duration,
) -> io::Result<()> {
    let mut lines = BufReader::new(stream).lines();
    loop {
        let Ok(next) = zenio::timeout(idle, lines.next()).await else {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "idle, closed"));
        };
        let Some(line) = next else {
            return Ok(()); // the client closed
        };
        let line = format!("{peer}: {}\n", line?).into();
        if events.send(Event::Line { peer, line }).await.is_err() {
            return Ok(()); // the broker is gone
        }
    }
}

/// Writes the lines the broker puts in the client's outbox until the broker drops it. A
/// client that takes no bytes for `idle` is given up on.
async fn tell(stream: &TcpStream, lines: &Receiver<Rc<str>>, idle: Duration) -> io::Result<()> {
    while let Ok(line) = lines.recv().await {
        zenio::timeout(idle, stream.write_all(line.as_bytes())).await??;
    }
    Ok(())
}
