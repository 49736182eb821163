//! The benchmark harness in smoke mode, as CI runs it: one round of 1 s runs, at C = 1 and 10,
//! of every kind of workload (zen keep-alive, zen pipelined, hello keep-alive, hello
//! connection per request, and a tiny fixed load), against zenio coroutine, tokio
//! current_thread and the floor server; every answer of every run must be right, and the
//! report (JSON, Markdown, plots) must be written.
//!
//! It uses the debug binaries. This package's are built by cargo for its integration tests
//! (`CARGO_BIN_EXE_*`); the servers package's (`zen-server`, `hello-server`) are built here,
//! into the same directory, by the cargo that runs the test (at once, after `cargo test
//! --workspace`, which has built them already). Pinning is skipped when `taskset` is absent.
//!
//! ```text
//! cargo test -p zenio-benches --test harness_smoke -- --nocapture
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use zenio_benches::harness::{self, Options, Setup};

#[test]
fn every_answer_of_every_smoke_workload_is_right() {
    let load = Path::new(env!("CARGO_BIN_EXE_zen-load"));
    let bins = load
        .parent()
        .expect("binaries live in a directory")
        .to_path_buf();
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--bins", "-p", "zenio-servers"]);
    if bins.ends_with("release") {
        build.arg("--release");
    }
    let built = build.current_dir(harness::workspace_root()).status();
    assert!(
        built.expect("cargo runs").success(),
        "the servers could not be built"
    );
    let options = Options {
        smoke: true,
        ..Options::default()
    };
    let results = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("harness-smoke");
    let setup = Setup::new(&options, bins, results.clone(), harness::workspace_root());
    assert!(setup.docs.is_none(), "smoke mode never rewrites the docs");
    let all_right = harness::run(&setup).expect("the results can be written");
    assert!(
        all_right,
        "some smoke runs failed; see the FAILED lines above"
    );
    let section = std::fs::read_to_string(results.join("benchmarks-section.md")).unwrap();
    assert!(section.contains("#### zen pipelined, C = 10, K = 16 (single core)"));
    assert!(section.contains("![CPU per request, ratio to the baseline"));
    assert!(section.contains("#### zen fixed load, 5% of tokio current_thread's capacity, C = 10"));
    assert!(section.contains("| on schedule |"));
    assert!(results.join("compare.json").is_file());
    assert!(results.join("plots/cpu-single-core.svg").is_file());
}
