//! `SO_REUSEPORT`: listeners bound with `bind_reuseport` can share one port, which a plain
//! `bind` then cannot take, and the kernel spreads the port's connections between them. That
//! is how per-core runtimes each get a listener of their own: here two runtimes accept on one
//! port until every client has been answered, however the kernel split the connections.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use zenio::{TcpListener, TcpStream};

/// Bound on every wait: a lost connection fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// How often a runtime waiting in `accept` looks whether the other has accepted the rest.
const TICK: Duration = Duration::from_millis(50);

/// Connections the clients make, in all.
const CONNECTIONS: usize = 200;

/// Client threads; each makes `CONNECTIONS / CLIENT_THREADS` connections, one after another.
const CLIENT_THREADS: usize = 4;

/// A task's outcome as an `io::Result`.
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

/// What one per-core runtime is given.
struct Worker {
    /// Where to learn the port to share; `None` for the runtime that picks it (port 0).
    port_in: Option<Receiver<u16>>,
    /// Where to tell the picked port to the other runtime; `None` for the one that learns it.
    port_out: Option<Sender<u16>>,
    /// Where to say "bound, on this port", so the clients start once both listeners exist.
    bound: Sender<u16>,
    /// Connections accepted by both runtimes together.
    accepted: Arc<AtomicUsize>,
}

/// Reads one byte and sends it back.
async fn echo_one_byte(stream: TcpStream) -> io::Result<()> {
    let mut byte = [0u8; 1];
    if stream.read(&mut byte).await? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "client sent nothing",
        ));
    }
    stream.write_all(&byte).await
}

/// One runtime: binds its own listener on the shared port, then accepts and echoes until the
/// two runtimes together have accepted `CONNECTIONS`. Returns how many it accepted.
async fn accept_share(worker: Worker) -> io::Result<usize> {
    let Worker {
        port_in,
        port_out,
        bound,
        accepted,
    } = worker;
    let listener = match port_in {
        None => TcpListener::bind_reuseport("127.0.0.1:0")?,
        Some(port_in) => {
            // Nothing else runs on this runtime yet, so blocking its thread here harms no task.
            let port = port_in.recv_timeout(NO_HANG).map_err(io::Error::other)?;
            TcpListener::bind_reuseport(("127.0.0.1", port))?
        }
    };
    let port = listener.local_addr()?.port();
    if let Some(port_out) = port_out {
        port_out.send(port).map_err(io::Error::other)?;
    }
    bound.send(port).map_err(io::Error::other)?;
    drop(bound);

    let give_up = Instant::now() + NO_HANG;
    let mut echoes = Vec::new();
    // The clients make exactly CONNECTIONS connections, so once the shared count reaches it
    // no connection is left for anyone. A runtime waiting in `accept` when the other takes
    // the last one looks again at the next tick.
    while accepted.load(Ordering::SeqCst) < CONNECTIONS {
        if Instant::now() > give_up {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connections missing",
            ));
        }
        match zenio::timeout(TICK, listener.accept()).await {
            Err(_tick) => continue,
            Ok(connection) => {
                let (stream, _peer) = connection?;
                accepted.fetch_add(1, Ordering::SeqCst);
                echoes.push(zenio::spawn(echo_one_byte(stream)));
            }
        }
    }
    // Answer every connection before the runtime (and its sockets) goes away.
    let mine = echoes.len();
    for echo in echoes {
        joined(echo.await)??;
    }
    Ok(mine)
}

/// One client connection: send a byte, expect it back.
fn echo_client(addr: SocketAddr, byte: u8) -> io::Result<()> {
    let mut stream = std::net::TcpStream::connect_timeout(&addr, NO_HANG)?;
    stream.set_read_timeout(Some(NO_HANG))?;
    stream.write_all(&[byte])?;
    let mut echoed = [0u8; 1];
    stream.read_exact(&mut echoed)?;
    if echoed[0] != byte {
        return Err(io::Error::other(format!(
            "sent {byte}, got {} back",
            echoed[0]
        )));
    }
    Ok(())
}

/// Waits until both runtimes are bound, then makes every connection from `CLIENT_THREADS`
/// threads. Returns how many got their echo.
fn run_clients(bound: Receiver<u16>) -> io::Result<usize> {
    let first = bound.recv_timeout(NO_HANG).map_err(io::Error::other)?;
    let second = bound.recv_timeout(NO_HANG).map_err(io::Error::other)?;
    assert_eq!(first, second, "both listeners are on one port");
    let addr = SocketAddr::from(([127, 0, 0, 1], first));
    thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENT_THREADS)
            .map(|client| {
                scope.spawn(move || {
                    let mut echoed = 0;
                    for i in 0..CONNECTIONS / CLIENT_THREADS {
                        echo_client(addr, (client * 64 + i) as u8)?;
                        echoed += 1;
                    }
                    Ok::<_, io::Error>(echoed)
                })
            })
            .collect();
        let mut echoed = 0;
        for client in clients {
            echoed += client
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        }
        Ok(echoed)
    })
}

#[test]
fn two_reuseport_listeners_share_a_port_that_a_plain_bind_cannot_take() -> io::Result<()> {
    let first = TcpListener::bind_reuseport("127.0.0.1:0")?;
    let addr = first.local_addr()?;
    let second = TcpListener::bind_reuseport(addr)?;
    assert_eq!(second.local_addr()?, addr);

    let plain = TcpListener::bind(addr).expect_err("a plain bind cannot join the group");
    assert_eq!(plain.kind(), io::ErrorKind::AddrInUse);
    let std_plain = std::net::TcpListener::bind(addr).expect_err("nor can std's");
    assert_eq!(std_plain.kind(), io::ErrorKind::AddrInUse);
    Ok(())
}

#[test]
fn two_per_core_runtimes_answer_every_connection_to_their_shared_port() -> io::Result<()> {
    let accepted = Arc::new(AtomicUsize::new(0));
    let (bound_tx, bound_rx) = mpsc::channel();
    let (port_tx, port_rx) = mpsc::channel();
    let workers = vec![
        Worker {
            port_in: None,
            port_out: Some(port_tx),
            bound: bound_tx.clone(),
            accepted: accepted.clone(),
        },
        Worker {
            port_in: Some(port_rx),
            port_out: None,
            bound: bound_tx,
            accepted: accepted.clone(),
        },
    ];

    let (per_runtime, echoed) = thread::scope(|scope| {
        let clients = scope.spawn(move || run_clients(bound_rx));
        let per_runtime = zenio::run_per_core(workers, |_index, worker| accept_share(worker));
        let echoed = clients
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (per_runtime, echoed)
    });
    let per_runtime: Vec<usize> = per_runtime.into_iter().collect::<io::Result<_>>()?;
    let echoed = echoed?;

    // The kernel hashes each connection to one listener; the split need not be even.
    println!("connections accepted per runtime: {per_runtime:?}");
    assert_eq!(echoed, CONNECTIONS, "every client got its byte back");
    assert_eq!(per_runtime.iter().sum::<usize>(), CONNECTIONS);
    assert_eq!(accepted.load(Ordering::SeqCst), CONNECTIONS);
    Ok(())
}
