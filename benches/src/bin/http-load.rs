//! `http-load`: an HTTP/1.1 load generator for the hello server, checking every response.
//!
//! Run it against a hello server (`hello-server -p 7502` in another terminal):
//!
//! ```text
//! cargo run --release -p zenio-benches --bin http-load -- 127.0.0.1 -p 7502 \
//!     --mode keepalive --connections 100 --pipeline 16 --duration 10 --warmup 2 [--json]
//! cargo run --release -p zenio-benches --bin http-load -- -p 7502 --mode close \
//!     --connections 50 --duration 10
//! ```
//!
//! `--mode keepalive` opens `--connections` connections before the clock starts and keeps
//! `--pipeline` `GET /` requests in flight on each; every response must be exactly the
//! hello server's 69-byte `hello` (responses are cut by their `Content-Length`).
//! `--rate R` offers R requests a second on a fixed schedule instead (open loop, keep-alive
//! only; see `zen-load`). `--mode close` runs `--connections` loops at once, each making a new connection per
//! request: connect, send `GET /` with `Connection: close`, read to EOF, check that
//! everything read is the `Connection: close` answer, close. Its latency runs from
//! `connect` to EOF. Poke the same server by hand with `curl -i http://127.0.0.1:7502/`.
//!
//! The harness uses `wrk` for keep-alive runs when it is installed; this is the fallback,
//! and the tool for the connection-per-request workload, which wrk does not do.
//!
//! Reading the output: `requests` responses were checked in the window, of which `wrong`
//! were not byte for byte what the server should say (anything but 0 is a bug, and the exit
//! status is 1); `errors` counts connections that failed (refused, closed by the server
//! before the response, reset, or silent for `--timeout` seconds). `throughput` is
//! responses per second; `generator cpu` is this process's user plus system CPU time over
//! the window's wall time: near 1.0, the generator may be what limited the throughput.
//! `--json` prints the same as one JSON object.
#![forbid(unsafe_code)]

use clap::{Parser, ValueEnum};
use zenio_benches::load::{self, LoadArgs, Workload};

/// Loads a hello server with HTTP/1.1 requests and checks every response.
#[derive(Parser)]
#[command(name = "http-load")]
struct Args {
    /// The server's address.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(short, default_value_t = 8000)]
    port: u16,
    /// Keep connections open between requests, or make one per request.
    #[arg(long, value_enum, default_value_t = Mode::Keepalive)]
    mode: Mode,
    /// How much load, for how long.
    #[command(flatten)]
    load: LoadArgs,
}

/// The two HTTP workloads.
#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Persistent connections, `--pipeline` requests in flight on each.
    Keepalive,
    /// A new connection per request, closed by the server after its response.
    Close,
}

fn main() {
    let args = Args::parse();
    let workload = match args.mode {
        Mode::Keepalive => Workload::HttpKeepAlive,
        Mode::Close => Workload::HttpClose,
    };
    load::main("http-load", workload, &args.host, args.port, &args.load)
}
