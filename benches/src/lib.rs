//! zenio-benches: zenio measured against tokio and async-executor.
//!
//! This package exists so that the heavy dependencies of measuring (criterion, tokio,
//! async-executor, async-io) stay out of zenio itself. Its results, with the machine and
//! command behind them, are in `docs/benchmarks.md`.
//!
//! - `benches/micro.rs`: the cost of spawning and awaiting a task, of a wake and a poll, and of
//!   one TCP echo round trip on loopback, on each runtime.
//! - `src/bin/`: the peer servers that zenio's servers are measured against, speaking the same
//!   zen and hello protocols through the same sans-I/O sessions: `tokio-server` (three
//!   flavors), `smol-server` (`async-executor` + `async-io`), `monoio-server` (io_uring,
//!   thread-per-core) and `floor-server` (a minimal epoll loop with no runtime: the floor no
//!   runtime can beat). `peers/asyncio_zen.py` is the source document's asyncio server, for
//!   scale.
//! - [`peer`]: what those servers share (the `--proto` flag and the listening sockets).
//! - [`toy_executor`]: the executor that chapter 6 of the book builds by hand, with no
//!   `async-task` and no reactor; `benches/micro.rs` runs it beside zenio and tokio.
//! - [`load`]: the load generators `zen-load` and `http-load` (in `src/bin/`), closed loop
//!   or at a fixed rate (`--rate`), which check every answer and report throughput, latency
//!   percentiles and their own CPU.
//! - [`harness`]: the server comparison (`benches/compare.rs`), which runs them all and writes
//!   the report.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench -p zenio-benches --bench micro
//! cargo run --release -p zenio-benches --bin floor-server -- --proto zen -p 1060
//! ```
#![forbid(unsafe_code)]

pub mod harness;
pub mod load;
pub mod peer;
pub mod toy_executor;
