//! `monoio-server`: the zen and hello servers on monoio, a thread-per-core runtime built on
//! io_uring. It exists only for benchmarks, as the peer zenio's servers are measured against.
//!
//! Run it:   cargo run --release -p zenio-benches --bin monoio-server -- [HOST] [-p PORT]
//!               --proto zen|hello [--flavor current-thread|per-core] [--threads N]
//! Poke it:  nc 127.0.0.1 1060   (then type `Beautiful is better than?`)
//!           curl -i http://127.0.0.1:8000/   (with `--proto hello`)
//!
//! Written the way monoio's own examples are: an accept loop spawns a task per connection,
//! and the task hands its buffers to the kernel. With io_uring a read is not "wait until
//! readable, then `read`": the runtime submits the read itself, and the kernel fills the
//! buffer later, so the buffer must belong to the operation until it completes. monoio's
//! API says so in its types: `stream.read(buf).await` takes the buffer and gives it back
//! with the result, `(io::Result<usize>, buf)` ("owned buffers"), and so does `write_all`.
//! The task feeds each read to zenio's own session, so the protocol code is identical.
//!
//! The runtime is monoio 0.2.4's `IoUringDriver` with its default ring of 1,024 entries: one
//! `io_uring_enter` submits every operation queued since the last and waits for
//! completions, where an epoll runtime makes one `epoll_wait` plus a `recvfrom` and a
//! `sendto` per request. The flavors mirror tokio-server's:
//!
//! - `current-thread`: one thread, one runtime.
//! - `per-core`: N threads, each a runtime with its own `SO_REUSEPORT` listener, as zenio's
//!   `--cores N` does (monoio's intended shape); `--pin` pins each to its own core.
//!
//! No `SQPOLL`: monoio's default ring has no kernel thread polling the submission queue, so
//! every submission is an `io_uring_enter` call (strace counts it); the socket work itself
//! the kernel does inside that call, or later from its task work, where strace cannot see it.
//!
//! The listeners are made by zenio's own `listen_per_core` (backlog 4096), so the accept
//! queue is not what differs. Nothing is tuned: no `TCP_NODELAY`, no buffer pools. It serves
//! until killed: no graceful shutdown.
#![forbid(unsafe_code)]

use std::io;
use std::net::TcpListener as StdListener;
use std::thread;

use clap::{Parser, ValueEnum};
use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt};
use monoio::net::{TcpListener, TcpStream};
use monoio::{IoUringDriver, RuntimeBuilder};
use zenio_benches::peer::{cores, listeners, pin, Proto};
use zenio_servers::arch::announce;
use zenio_servers::cli::fail;
use zenio_servers::protocol::{Flow, HelloSession, Session, ZenSession};

/// Bytes per read, the size tokio-server and smol-server read too.
const READ_BUFFER: usize = 4096;

/// Entries in each runtime's io_uring submission queue: monoio's default, said aloud.
const RING_ENTRIES: u32 = 1024;

/// Serves the zen or hello protocol on monoio (a benchmark peer).
#[derive(Parser)]
#[command(name = "monoio-server")]
struct Args {
    /// The address to listen on.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (0: any free port); by default 1060 for zen, 8000 for hello.
    #[arg(short)]
    port: Option<u16>,
    /// The protocol to speak.
    #[arg(long, value_enum, default_value_t = Proto::Zen)]
    proto: Proto,
    /// One runtime, or one per core.
    #[arg(long, value_enum, default_value_t = Flavor::CurrentThread)]
    flavor: Flavor,
    /// Runtimes (`per-core`); 0 or absent means one per available core.
    #[arg(long)]
    threads: Option<usize>,
    /// Pin each per-core runtime's thread to its own core, as zenio's servers do with `--pin`; by
    /// default the kernel places the threads, as it places zenio's.
    #[arg(long)]
    pin: bool,
}

/// How many monoio runtimes serve.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Flavor {
    /// One thread, one runtime.
    CurrentThread,
    /// One runtime per core, each with its own listener.
    PerCore,
}

fn main() {
    let args = Args::parse();
    let served = match args.proto {
        Proto::Zen => run::<ZenSession>(&args),
        Proto::Hello => run::<HelloSession>(&args),
    };
    if let Err(error) = served {
        fail("monoio-server", error);
    }
}

/// Binds, says where, and serves `S` on one runtime per listener until killed.
fn run<S: Session + 'static>(args: &Args) -> io::Result<()> {
    let threads = match (args.flavor, args.threads) {
        (Flavor::CurrentThread, None | Some(1)) => 1,
        (Flavor::CurrentThread, Some(_)) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "--threads applies to the per-core flavor",
            ))
        }
        (Flavor::PerCore, threads) => cores(threads.unwrap_or(0)),
    };
    let port = args.port.unwrap_or(args.proto.default_port());
    let listeners = listeners(&args.host, port, threads)?;
    announce(listeners[0].local_addr()?)?;
    if args.flavor == Flavor::CurrentThread {
        return serve_on_runtime::<S>(listeners.into_iter().next().expect("one listener"));
    }
    thread::scope(|scope| {
        for (index, listener) in listeners.into_iter().enumerate() {
            scope.spawn(move || {
                pin(args.pin, index, "monoio-server");
                if let Err(error) = serve_on_runtime::<S>(listener) {
                    fail("monoio-server", error);
                }
            });
        }
    });
    Ok(())
}

/// Builds an io_uring runtime on this thread and serves `listener` on it.
fn serve_on_runtime<S: Session + 'static>(listener: StdListener) -> io::Result<()> {
    RuntimeBuilder::<IoUringDriver>::new()
        .with_entries(RING_ENTRIES)
        .build()?
        .block_on(serve::<S>(listener))
}

/// The accept loop: a task per connection.
async fn serve<S: Session + 'static>(listener: StdListener) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    loop {
        let (stream, _) = listener.accept().await?;
        monoio::spawn(async move {
            // A benchmark peer keeps quiet: a client that resets is not news.
            let _ = converse::<S>(stream).await;
        });
    }
}

/// One connection: read, feed, write the answers, until EOF or the session says to close.
/// Each buffer goes to the kernel with its operation and comes back with the result.
async fn converse<S: Session>(mut stream: TcpStream) -> io::Result<()> {
    let mut session = S::default();
    let mut input = Vec::with_capacity(READ_BUFFER);
    let mut output = Vec::new();
    loop {
        let (read, returned) = stream.read(input).await;
        input = returned;
        if read? == 0 {
            return Ok(());
        }
        let flow = session.feed(&input, &mut output);
        let (written, returned) = stream.write_all(output).await;
        output = returned;
        written?;
        output.clear();
        match flow {
            Flow::Continue => {}
            Flow::Close => return Ok(()),
            // Simplified, as in tokio-server: zenio lingers before it closes a rejected
            // client; a benchmark never gets here.
            Flow::Reject => return stream.shutdown().await,
        }
    }
}
