//! `zen-server`: answers Zen of Python questions, in any architecture of the source documents.
//!
//! Run it:   `cargo run --release --bin zen-server -- [HOST] [-p PORT] [--arch ARCH] [-v]`
//! Poke it:  `nc 127.0.0.1 1060`, then type `Beautiful is better than?` and press Enter
//!           (or: `cargo run --release --bin zen-client`)

use std::io;

use clap::Parser;
use zenio_servers::arch::{self, prefork, Arch, Options};
use zenio_servers::cli::{fail, resolve};
use zenio_servers::protocol::ZenSession;
use zenio_servers::{log, shutdown};

/// Answers Zen of Python questions ("Beautiful is better than?" -> "ugly.").
#[derive(Parser)]
#[command(name = "zen-server")]
struct Args {
    /// The address to listen on.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on.
    #[arg(short, default_value_t = 1060)]
    port: u16,
    /// How the server waits for clients.
    #[arg(long, value_enum, default_value_t = Arch::Coroutine)]
    arch: Arch,
    /// Threads (`threads`) or processes (`prefork`); default: one per core.
    #[arg(long)]
    workers: Option<usize>,
    /// Per-core mode, shutdown, limits, logging.
    #[command(flatten)]
    server: Options,
    /// Internal: run as one worker process of `--arch prefork`.
    #[arg(long = prefork::WORKER_FLAG, hide = true)]
    prefork_worker: bool,
}

fn main() {
    let args = Args::parse();
    log::init(args.server.verbose);
    if let Err(error) = run(&args) {
        fail("zen-server", error);
    }
}

/// Runs the chosen architecture (or, inside `prefork`, one worker).
fn run(args: &Args) -> io::Result<()> {
    let mut options = args.server;
    options.workers = args.workers.unwrap_or_else(zenio::available_cores);
    if args.prefork_worker {
        shutdown::install()?;
        return prefork::worker::<ZenSession>(&options);
    }
    let addr = resolve(&args.host, args.port)?;
    arch::run::<ZenSession>(args.arch, addr, &options)
}
