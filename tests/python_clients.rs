//! Clients written by others: Python's `http.client` against every hello style (hyper's
//! included), and a Python client in the style of the seed's `client.py` against every zen
//! architecture. Skipped, with a printed reason, where `python3` is missing.

mod support;

use std::process::Command;

use support::{python3_available, Server, ZEN_ARCHES};

/// Runs `tests/python/SCRIPT` against `server` and asserts it succeeded.
fn run_python(script: &str, server: &Server) {
    let path = format!("{}/../tests/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("python3")
        .arg(&path)
        .arg(server.addr.ip().to_string())
        .arg(server.addr.port().to_string())
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn python_http_client_talks_to_every_hello_style() {
    if !python3_available() {
        eprintln!("SKIPPED: python3 is not installed");
        return;
    }
    for style in ["callback", "coroutine", "hyper"] {
        let server = Server::start(env!("CARGO_BIN_EXE_hello-server"), &["--style", style]);
        run_python("hello_client.py", &server);
    }
}

#[test]
fn a_python_client_like_client_py_talks_to_every_zen_architecture() {
    if !python3_available() {
        eprintln!("SKIPPED: python3 is not installed");
        return;
    }
    for arch in ZEN_ARCHES {
        let server = Server::start(
            env!("CARGO_BIN_EXE_zen-server"),
            &["--arch", arch, "--workers", "2"],
        );
        run_python("zen_client.py", &server);
    }
}
