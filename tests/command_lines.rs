//! The command lines fail the way a user expects: one line on stderr and exit status 2,
//! never a panic trace.

mod support;

use std::net::TcpListener;

use support::run_to_exit;

/// Asserts that `binary args` exits with 2 and prints exactly one line mentioning `needle`.
fn fails_with_one_line(binary: &str, args: &[&str], needle: &str) {
    let (code, stderr) = run_to_exit(binary, args);
    assert_eq!(code, Some(2), "exit status; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} in {stderr:?}");
}

#[test]
fn a_port_in_use_is_one_line_and_status_2() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for arch in ["serial", "poll", "coroutine", "callback"] {
        fails_with_one_line(
            env!("CARGO_BIN_EXE_zen-server"),
            &["-p", &port, "--arch", arch],
            "in use",
        );
    }
    fails_with_one_line(env!("CARGO_BIN_EXE_hello-server"), &["-p", &port], "in use");
}

#[test]
fn a_bad_address_is_one_line_and_status_2() {
    fails_with_one_line(
        env!("CARGO_BIN_EXE_zen-server"),
        &["no-such-host.invalid"],
        "zen-server:",
    );
    fails_with_one_line(
        env!("CARGO_BIN_EXE_zen-server"),
        &["192.0.2.1", "-p", "1"],
        "cannot listen on 192.0.2.1:1",
    );
}

#[test]
fn a_bad_flag_is_a_usage_error_with_status_2() {
    fails_with_one_line(
        env!("CARGO_BIN_EXE_zen-server"),
        &["--arch", "fibers"],
        "invalid value 'fibers'",
    );
    fails_with_one_line(
        env!("CARGO_BIN_EXE_hello-server"),
        &["--bogus"],
        "unexpected argument",
    );
    fails_with_one_line(
        env!("CARGO_BIN_EXE_zen-client"),
        &["-p", "notaport"],
        "invalid value",
    );
}

#[test]
fn the_client_reports_a_refused_connection_in_one_line() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port().to_string()
    };
    fails_with_one_line(env!("CARGO_BIN_EXE_zen-client"), &["-p", &port], "refused");
}
