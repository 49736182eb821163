//! zenio-benches: zenio measured against tokio and async-executor.
//!
//! This package holds no library code; it exists so that the heavy dependencies of measuring
//! (criterion, tokio, async-executor, async-io) stay out of zenio itself. The benchmarks live in
//! `benches/`, and their results, with the machine and command behind them, in
//! `docs/benchmarks.md`.
//!
//! - `benches/micro.rs`: the cost of spawning and awaiting a task, of a wake and a poll, and of
//!   one TCP echo round trip on loopback, on each runtime.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench -p zenio-benches --bench micro
//! ```
#![forbid(unsafe_code)]
