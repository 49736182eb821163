//! `tokio-server`: the zen and hello servers written the way a typical tokio user writes them.
//! It exists only for benchmarks, as the peer zenio's servers are measured against.
//!
//! Run it:   cargo run --release -p zenio-benches --bin tokio-server -- [HOST] [-p PORT]
//!               --proto zen|hello [--flavor current-thread|multi-thread|per-core] [--threads N]
//! Poke it:  nc 127.0.0.1 1060   (then type `Beautiful is better than?`)
//!           curl -i http://127.0.0.1:8000/   (with `--proto hello`)
//!
//! An accept loop spawns a task per connection; the task reads into a 4 KiB buffer, feeds the
//! bytes to zenio's own session (so the protocol code is identical) and `write_all`s the
//! answers. Nothing is tuned: no `TCP_NODELAY`, no buffer pools. The three flavors:
//!
//! - `current-thread`: one thread, `Builder::new_current_thread()`: what zenio's own
//!   single-threaded runtime is compared with.
//! - `multi-thread`: `Builder::new_multi_thread().worker_threads(N)`, work-stealing, the
//!   accept loop in `block_on` as `#[tokio::main]` has it.
//! - `per-core`: N threads, each a `current_thread` runtime with its own `SO_REUSEPORT`
//!   listener, as zenio's `--cores N` does; `--pin` pins each to its own core, as zenio's
//!   `--pin` does.
//!
//! The listeners are made by zenio's own `listen_per_core` (backlog 4096), so the accept
//! queue is not what differs. It serves until killed: no graceful shutdown.
#![forbid(unsafe_code)]

use std::io;
use std::net::TcpListener as StdListener;
use std::thread;

use clap::{Parser, ValueEnum};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Builder;
use zenio_benches::peer::{cores, listeners, pin, Proto};
use zenio_servers::arch::announce;
use zenio_servers::cli::fail;
use zenio_servers::protocol::{Flow, HelloSession, Session, ZenSession};

/// Bytes per read, the size a typical tokio example uses.
const READ_BUFFER: usize = 4096;

/// Serves the zen or hello protocol on tokio (a benchmark peer).
#[derive(Parser)]
#[command(name = "tokio-server")]
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
    /// How the tokio runtime is built.
    #[arg(long, value_enum, default_value_t = Flavor::CurrentThread)]
    flavor: Flavor,
    /// Worker threads (`multi-thread`) or runtimes (`per-core`); 0 or absent means one per
    /// available core.
    #[arg(long)]
    threads: Option<usize>,
    /// Pin each per-core runtime's thread to its own core, as zenio's servers do with `--pin`; by
    /// default the kernel places the threads, as it places zenio's.
    #[arg(long)]
    pin: bool,
}

/// The ways to build a tokio runtime for a server.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Flavor {
    /// One thread: `Builder::new_current_thread()`.
    CurrentThread,
    /// A work-stealing pool: `Builder::new_multi_thread()`.
    MultiThread,
    /// One `current_thread` runtime per core, each with its own listener.
    PerCore,
}

fn main() {
    let args = Args::parse();
    let served = match args.proto {
        Proto::Zen => run::<ZenSession>(&args),
        Proto::Hello => run::<HelloSession>(&args),
    };
    if let Err(error) = served {
        fail("tokio-server", error);
    }
}

/// Binds, says where, and serves `S` in the chosen flavor until killed.
fn run<S: Session + Send>(args: &Args) -> io::Result<()> {
    let threads = match (args.flavor, args.threads) {
        (Flavor::CurrentThread, None | Some(1)) => 1,
        (Flavor::CurrentThread, Some(_)) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "--threads applies to the multi-thread and per-core flavors",
            ))
        }
        (_, threads) => cores(threads.unwrap_or(0)),
    };
    let port = args.port.unwrap_or(args.proto.default_port());
    let listener_count = if args.flavor == Flavor::PerCore {
        threads
    } else {
        1
    };
    let mut listeners = listeners(&args.host, port, listener_count)?;
    announce(listeners[0].local_addr()?)?;
    match args.flavor {
        Flavor::CurrentThread => Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(serve::<S>(listeners.remove(0))),
        Flavor::MultiThread => Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?
            .block_on(serve::<S>(listeners.remove(0))),
        Flavor::PerCore => per_core::<S>(listeners, args.pin),
    }
}

/// One `current_thread` runtime per listener (pinned with `pinned`), each on its own thread. A runtime that
/// fails ends the whole process with its error.
fn per_core<S: Session + Send>(listeners: Vec<StdListener>, pinned: bool) -> io::Result<()> {
    thread::scope(|scope| {
        for (index, listener) in listeners.into_iter().enumerate() {
            scope.spawn(move || {
                pin(pinned, index, "tokio-server");
                let served = Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .and_then(|runtime| runtime.block_on(serve::<S>(listener)));
                if let Err(error) = served {
                    fail("tokio-server", error);
                }
            });
        }
    });
    Ok(())
}

/// The accept loop: a task per connection.
async fn serve<S: Session + Send>(listener: StdListener) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            // A benchmark peer keeps quiet: a client that resets is not news.
            let _ = converse::<S>(stream).await;
        });
    }
}

/// One connection: read, feed, write the answers, until EOF or the session says to close.
async fn converse<S: Session>(mut stream: TcpStream) -> io::Result<()> {
    let mut session = S::default();
    let mut buffer = [0; READ_BUFFER];
    let mut output = Vec::new();
    loop {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Ok(());
        }
        let flow = session.feed(&buffer[..n], &mut output);
        stream.write_all(&output).await?;
        output.clear();
        match flow {
            Flow::Continue => {}
            Flow::Close => return Ok(()),
            // Simplified: zenio lingers (reads until the client closes) so that unread input
            // cannot turn the close into a reset; a benchmark never gets here.
            Flow::Reject => return stream.shutdown().await,
        }
    }
}
