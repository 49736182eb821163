//! Clients written by others: Python's `http.client` against every hello style (hyper's
//! included), and a Python client in the style of the seed's `client.py` against every zen
//! architecture. They need `python3`, which CI has: where it is missing they fail and say so.

mod support;

use std::process::Command;

use support::{Server, ZEN_ARCHES};

/// Runs `tests/python/SCRIPT` against `server` and asserts it succeeded.
fn run_python(script: &str, server: &Server) {
    let path = format!("{}/../tests/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("python3")
        .arg(&path)
        .arg(server.addr.ip().to_string())
        .arg(server.addr.port().to_string())
        .output()
        .expect("python3 runs (these tests need it; CI has it)");
    assert!(
        output.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn python_http_client_talks_to_every_hello_style() {
    for style in ["callback", "coroutine", "hyper"] {
        let server = Server::start(env!("CARGO_BIN_EXE_hello-server"), &["--style", style]);
        run_python("hello_client.py", &server);
    }
}

#[test]
fn a_python_client_like_client_py_talks_to_every_zen_architecture() {
    for arch in ZEN_ARCHES {
        let server = Server::start(
            env!("CARGO_BIN_EXE_zen-server"),
            &["--arch", arch, "--workers", "2"],
        );
        run_python("zen_client.py", &server);
    }
}
