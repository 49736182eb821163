//! Hostile clients end their own conversations only: a thousand clients that reset their
//! connections at random points, and one that never reads its answers, while good clients
//! get every answer. The zen architectures that serve many clients at once, and every style
//! of `hello-server`.

mod support;

use support::faults::{self, Dialect, HELLO, ZEN};
use support::Server;

/// The servers that serve many clients at once, with the protocol each speaks.
const SERVERS: [(&str, &[&str], &Dialect); 7] = [
    (ZEN_SERVER, &["--arch", "threads", "--workers", "4"], &ZEN),
    (ZEN_SERVER, &["--arch", "poll"], &ZEN),
    (ZEN_SERVER, &["--arch", "callback"], &ZEN),
    (ZEN_SERVER, &["--arch", "coroutine"], &ZEN),
    (HELLO_SERVER, &["--style", "callback"], &HELLO),
    (HELLO_SERVER, &["--style", "coroutine"], &HELLO),
    (HELLO_SERVER, &["--style", "hyper"], &HELLO),
];

/// The zen server binary.
const ZEN_SERVER: &str = env!("CARGO_BIN_EXE_zen-server");

/// The hello server binary.
const HELLO_SERVER: &str = env!("CARGO_BIN_EXE_hello-server");

/// Starts each of [`SERVERS`] in turn and runs `check(label, server, dialect)` on it.
fn for_every_server(check: impl Fn(&str, &Server, &Dialect)) {
    for (binary, args, dialect) in SERVERS {
        let label = format!("{binary} {}", args.join(" "));
        check(&label, &Server::start(binary, args), dialect);
    }
}

#[test]
fn a_thousand_resets_disturb_no_good_client() {
    for_every_server(|_, server, dialect| faults::resets_disturb_no_good_client(server, dialect));
}

#[test]
fn a_client_that_never_reads_does_not_stop_the_others() {
    for_every_server(faults::a_hog_does_not_stop_the_others);
}
