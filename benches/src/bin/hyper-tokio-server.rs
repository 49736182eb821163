//! `hyper-tokio-server`: `hello-server --style hyper` with tokio's `current_thread` runtime
//! in place of zenio. It exists only for benchmarks: hyper, its settings and the service are
//! the same code (`zenio_servers::hyper_hello`), so the two servers differ only in the
//! runtime under hyper.
//!
//! Run it:   cargo run --release -p zenio-benches --bin hyper-tokio-server -- [HOST] [-p PORT]
//! Poke it:  curl -i http://127.0.0.1:8000/
//!
//! hyper-util's `TokioIo` and `TokioTimer` are tokio's side of what `zenio::hyper`
//! is for zenio. The header-read timeout is the one `hello-server` has by default, so both
//! servers start the same timer per request. The listener is made by zenio's own
//! `listen_per_core` (backlog 4096). It serves until killed: no graceful shutdown.
#![forbid(unsafe_code)]

use std::io;
use std::net::TcpListener as StdListener;
use std::sync::Arc;

use clap::Parser;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::runtime::Builder;
use zenio_benches::peer::listeners;
use zenio_servers::arch::announce;
use zenio_servers::cli::fail;
use zenio_servers::conversation::Limits;
use zenio_servers::hyper_hello::{self, hello};

/// Serves the hello protocol with hyper on tokio (a benchmark peer).
#[derive(Parser)]
#[command(name = "hyper-tokio-server")]
struct Args {
    /// The address to listen on.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (0: any free port).
    #[arg(short, default_value_t = 8000)]
    port: u16,
}

fn main() {
    let args = Args::parse();
    if let Err(error) = run(&args) {
        fail("hyper-tokio-server", error);
    }
}

/// Binds, says where, and serves on one `current_thread` runtime until killed.
fn run(args: &Args) -> io::Result<()> {
    let listener = listeners(&args.host, args.port, 1)?.remove(0);
    announce(listener.local_addr()?)?;
    Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(serve(listener))
}

/// The accept loop: a task per connection, each driving one hyper connection.
async fn serve(listener: StdListener) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    let http = Arc::new(hyper_hello::http1(TokioTimer::new(), &Limits::default()));
    loop {
        let (stream, _) = listener.accept().await?;
        let http = Arc::clone(&http);
        tokio::spawn(async move {
            // A benchmark peer keeps quiet: a client that resets is not news.
            let _ = http
                .serve_connection(TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}
