//! Idle and slow clients cannot hold a connection: `--idle-timeout` closes a silent client,
//! `--question-timeout` (`--request-timeout`) one that trickles its request a byte at a
//! time. Every architecture of `zen-server`, every style of `hello-server`.

mod support;

use std::thread;
use std::time::Duration;

use support::faults::{self, Dialect, HELLO, ZEN};
use support::{Server, HELLO_STYLES, ZEN_ARCHES};

/// Starts every zen architecture and every hello style with `extra` arguments and runs
/// `check(label, server, dialect)` on each, in parallel (each check waits for a timeout).
fn for_every_server(extra: &[&str], check: impl Fn(&str, &Server, &Dialect) + Sync) {
    let zen = ZEN_ARCHES.map(|arch| {
        let args = vec!["--arch", arch, "--workers", "2"];
        (env!("CARGO_BIN_EXE_zen-server"), args, &ZEN)
    });
    let hello = HELLO_STYLES.map(|style| {
        let args = vec!["--style", style];
        (env!("CARGO_BIN_EXE_hello-server"), args, &HELLO)
    });
    thread::scope(|scope| {
        for (binary, mut args, dialect) in zen.into_iter().chain(hello) {
            args.extend(extra);
            let check = &check;
            scope.spawn(move || {
                let label = format!("{binary} {}", args.join(" "));
                check(&label, &Server::start(binary, &args), dialect);
            });
        }
    });
}

#[test]
fn a_silent_client_is_closed_after_the_idle_timeout_and_not_before() {
    for_every_server(&["--idle-timeout", "1"], |label, server, dialect| {
        faults::silent_client_is_closed_after(label, server, dialect, Duration::from_secs(1));
    });
}

#[test]
fn a_client_trickling_a_request_is_closed_after_the_request_timeout() {
    for_every_server(
        &["--question-timeout", "1"],
        faults::trickling_client_is_closed,
    );
}
