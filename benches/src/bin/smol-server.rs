//! `smol-server`: the zen and hello servers on `async-executor` and `async-io`, smol's parts.
//! It exists only for benchmarks, as the peer zenio's servers are measured against.
//!
//! Run it:   cargo run --release -p zenio-benches --bin smol-server -- [HOST] [-p PORT]
//!               --proto zen|hello
//! Poke it:  nc 127.0.0.1 1060   (then type `Beautiful is better than?`)
//!           curl -i http://127.0.0.1:8000/   (with `--proto hello`)
//!
//! The closest cousin of zenio: one thread, a `LocalExecutor` for the tasks and `async-io`'s
//! epoll reactor for the sockets, driven by `async_io::block_on(ex.run(...))` (what
//! `smol::block_on` does). Coroutine style: a task per connection reads into a 4 KiB buffer,
//! feeds zenio's own session and writes the answers. The listener is made by zenio's own
//! `listen_per_core` (backlog 4096), so the accept queue is not what differs. It serves until
//! killed: no graceful shutdown.
#![forbid(unsafe_code)]

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};

use async_executor::LocalExecutor;
use async_io::Async;
use clap::Parser;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use zenio_benches::peer::{listeners, Proto};
use zenio_servers::arch::announce;
use zenio_servers::cli::fail;
use zenio_servers::protocol::{Flow, HelloSession, Session, ZenSession};

/// Bytes per read, the size a typical example uses.
const READ_BUFFER: usize = 4096;

/// Serves the zen or hello protocol on async-executor and async-io (a benchmark peer).
#[derive(Parser)]
#[command(name = "smol-server")]
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
}

fn main() {
    let args = Args::parse();
    let served = match args.proto {
        Proto::Zen => run::<ZenSession>(&args),
        Proto::Hello => run::<HelloSession>(&args),
    };
    if let Err(error) = served {
        fail("smol-server", error);
    }
}

/// Binds, says where, and serves `S` on one thread until killed.
fn run<S: Session>(args: &Args) -> io::Result<()> {
    let port = args.port.unwrap_or(args.proto.default_port());
    let listener = Async::new(listeners(&args.host, port, 1)?.remove(0))?;
    announce(listener.get_ref().local_addr()?)?;
    let ex = LocalExecutor::new();
    async_io::block_on(ex.run(serve::<S>(&ex, listener)))
}

/// The accept loop: a task per connection.
async fn serve<S: Session>(ex: &LocalExecutor<'_>, listener: Async<TcpListener>) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        ex.spawn(async move {
            // A benchmark peer keeps quiet: a client that resets is not news.
            let _ = converse::<S>(stream).await;
        })
        .detach();
    }
}

/// One connection: read, feed, write the answers, until EOF or the session says to close.
async fn converse<S: Session>(mut stream: Async<TcpStream>) -> io::Result<()> {
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
            Flow::Reject => return stream.get_ref().shutdown(Shutdown::Write),
        }
    }
}
