//! The benchmark harness in smoke mode, as CI runs it: one round of 1 s runs, at C = 1 and 10,
//! of every kind of workload (zen keep-alive, zen pipelined, hello keep-alive, hello
//! connection per request), against zenio coroutine, tokio current_thread and the floor
//! server; every answer of every run must be right.
//!
//! It uses the debug binaries that `cargo test --workspace` has already built: this package's
//! (`CARGO_BIN_EXE_*`) and, in the same directory, zenio-servers' `zen-server` and
//! `hello-server`. If one is missing (`cargo test -p zenio-benches` alone does not build the
//! servers), it prints `SKIPPED: ...` and passes. Pinning is skipped when `taskset` is absent.
//!
//! ```text
//! cargo test --workspace --test harness_smoke -- --nocapture
//! ```

use std::path::{Path, PathBuf};

use zenio_benches::harness::{self, servers::Bins, Options, Setup};

#[test]
fn every_answer_of_every_smoke_workload_is_right() {
    let load = Path::new(env!("CARGO_BIN_EXE_zen-load"));
    let dir = load
        .parent()
        .expect("binaries live in a directory")
        .to_path_buf();
    let bins = Bins { dir: dir.clone() };
    for needed in [
        "zen-server",
        "hello-server",
        "zen-load",
        "http-load",
        "tokio-server",
        "floor-server",
    ] {
        if bins.find(needed).is_none() {
            println!(
                "SKIPPED: {needed} is not built in {} (run `cargo test --workspace`)",
                dir.display()
            );
            return;
        }
    }
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
    assert!(results.join("compare.json").is_file());
}
