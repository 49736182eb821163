//! `zen-load`: a load generator for the zen protocol, checking every answer.
//!
//! Run it against a zen server (`zen-server -p 7500` in another terminal):
//!
//! ```text
//! cargo run --release -p zenio-benches --bin zen-load -- 127.0.0.1 -p 7500 \
//!     --connections 100 --pipeline 16 --duration 10 --warmup 2 [--json]
//! cargo run --release -p zenio-benches --bin zen-load -- -p 7500 -c 100 --rate 50000 -d 10
//! ```
//!
//! It opens `--connections` connections before the clock starts, then keeps `--pipeline`
//! questions in flight on each, round-robin over the seven aphorisms, and checks every
//! answer byte for byte (the stream is cut at each `.`). `--requests N` instead of
//! `--duration SECS` stops after N answers. `--mode close` instead runs `--connections`
//! loops at once, each holding a one-question conversation per connection: connect, ask,
//! read the answer, hang up (`shutdown(SHUT_WR)`), read the server's EOF, close; its latency
//! runs from `connect` to the answer. Poke the same server by hand with
//! `nc 127.0.0.1 7500` and type `Now is better than?`. `--rate R` offers R questions a
//! second on a fixed schedule instead (open loop; at most `--pipeline`, by default 64,
//! unanswered per connection), and says whether the run kept to it.
//!
//! Reading the output: `requests` answers were checked in the window, of which `wrong`
//! were not what the server should say (anything but 0 is a bug, and the exit status is
//! 1); `errors` counts connections that failed (refused, closed by the server with answers
//! owed, reset, or silent for `--timeout` seconds). `throughput` is answers per second,
//! latency is from writing a question (with `--rate`: from when it was due) to reading its
//! answer, and `generator cpu` is this process's user plus system CPU time over the
//! window's wall time: near 1.0, the generator had its core to itself and may be what
//! limited the throughput. With `--rate`, `schedule`
//! says `valid`, or `INVALID` and why: sends skipped, over 1% of them later than `--late`
//! (1 ms by default), or answers to under 98% of the requests due (`"valid"` and
//! `"invalid_reason"` in JSON). `--json` prints the same as one
//! JSON object.
#![forbid(unsafe_code)]

use clap::{Parser, ValueEnum};
use zenio_benches::load::{self, LoadArgs, Workload};

/// Loads a zen server with pipelined questions and checks every answer.
#[derive(Parser)]
#[command(name = "zen-load")]
struct Args {
    /// The server's address.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(short, default_value_t = 1060)]
    port: u16,
    /// Keep connections open between questions, or make one per question.
    #[arg(long, value_enum, default_value_t = Mode::Keepalive)]
    mode: Mode,
    /// How much load, for how long.
    #[command(flatten)]
    load: LoadArgs,
}

/// The two zen workloads.
#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Persistent connections, `--pipeline` questions in flight on each.
    Keepalive,
    /// A one-question conversation per connection, ended by the client.
    Close,
}

fn main() {
    let args = Args::parse();
    let workload = match args.mode {
        Mode::Keepalive => Workload::Zen,
        Mode::Close => Workload::ZenOneQuestion,
    };
    load::main("zen-load", workload, &args.host, args.port, &args.load)
}
