//! `hello-server`: answers every HTTP/1.1 request with `hello` (the server of `001_*.txt`).
//!
//! Run it:   `cargo run --release --bin hello-server -- [HOST] [-p PORT] [--style STYLE] [-v]`
//! Poke it:  `curl -i http://127.0.0.1:8000/`

use std::io;

use clap::{Parser, ValueEnum};
use zenio_servers::arch::{self, Arch, Options};
use zenio_servers::cli::{fail, resolve};
use zenio_servers::log;
use zenio_servers::protocol::HelloSession;

/// Answers every HTTP request with "hello".
#[derive(Parser)]
#[command(name = "hello-server")]
struct Args {
    /// The address to listen on.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on.
    #[arg(short, default_value_t = 8000)]
    port: u16,
    /// asyncio's two styles (`Protocol` callbacks, or an `async fn` per connection), or
    /// hyper's HTTP/1 server on zenio.
    #[arg(long, value_enum, default_value_t = Style::Coroutine)]
    style: Style,
    /// Per-core mode, shutdown, limits, logging.
    #[command(flatten)]
    server: Options,
}

/// The async styles the hello server comes in.
#[derive(Clone, Copy, ValueEnum)]
enum Style {
    /// zenio's `Protocol` and `Transport`.
    Callback,
    /// An `async fn` per connection.
    Coroutine,
    /// hyper's HTTP/1 server, on zenio.
    Hyper,
}

fn main() {
    let args = Args::parse();
    log::init(args.server.verbose);
    if let Err(error) = run(&args) {
        fail("hello-server", error);
    }
}

/// Runs the chosen style.
fn run(args: &Args) -> io::Result<()> {
    let addr = resolve(&args.host, args.port)?;
    let arch = match args.style {
        Style::Callback => Arch::Callback,
        Style::Coroutine => Arch::Coroutine,
        Style::Hyper => Arch::Hyper,
    };
    arch::run::<HelloSession>(arch, addr, &args.server)
}
