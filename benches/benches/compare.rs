//! The server comparison: zenio's servers against tokio, smol, asyncio and the floor server.
//!
//! ```text
//! cargo bench -p zenio-benches --bench compare                # full; rewrites docs/benchmarks.md
//! cargo bench -p zenio-benches --bench compare -- --quick     # 2 s runs, no C10K
//! cargo bench -p zenio-benches --bench compare -- --smoke     # 1 s, checks every answer
//! cargo bench -p zenio-benches --bench compare -- --only zen-c100 --rounds 5
//! ```
//!
//! All the work is in `zenio_benches::harness`; this is its command line.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    zenio_benches::harness::main()
}
