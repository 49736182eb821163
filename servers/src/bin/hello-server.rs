//! `hello-server`: answers every HTTP/1.1 request with `hello` (the server of `001_*.txt`).
//!
//! Run it:   cargo run --release --bin hello-server -- [HOST] [-p PORT] [--style STYLE] [-v]
//! Poke it:  curl -i http://127.0.0.1:8000/

use std::io;

use clap::{Parser, ValueEnum};
use zenio_servers::arch::{self, Arch, Options};
use zenio_servers::cli::{cores, fail, grace, resolve};
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
    /// asyncio's two styles: `Protocol` callbacks, or an `async fn` per connection.
    #[arg(long, value_enum, default_value_t = Style::Coroutine)]
    style: Style,
    /// Event loops, one per core, each with its own SO_REUSEPORT listener; 0 means one per
    /// available core.
    #[arg(long, default_value_t = 1)]
    cores: usize,
    /// Seconds open conversations get to finish after SIGINT or SIGTERM.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    grace: f64,
    /// Print a line per connection (accepted, closed, errors).
    #[arg(short, long)]
    verbose: bool,
}

/// The async styles the hello server comes in.
#[derive(Clone, Copy, ValueEnum)]
enum Style {
    /// zenio's `Protocol` and `Transport`.
    Callback,
    /// An `async fn` per connection.
    Coroutine,
}

fn main() {
    let args = Args::parse();
    log::init(args.verbose);
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
    };
    let options = Options {
        workers: 1,
        cores: cores(args.cores),
        grace: grace(args.grace)?,
    };
    arch::run::<HelloSession>(arch, addr, &options)
}
