//! `--max-conns`: above the cap an event loop accepts new connections and closes them at once;
//! below it again, it serves new clients.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;

use support::{exchange, Server};

/// Whether the server answers one question on a fresh connection (rather than closing it).
fn served(server: &Server) -> bool {
    let mut client: TcpStream = server.connect();
    if client.write_all(b"Flat is better than?").is_err() {
        return false;
    }
    let mut answer = [0; 7];
    match client.read_exact(&mut answer) {
        Ok(()) => &answer == b"nested.",
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
            ) =>
        {
            false
        }
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
fn over_the_cap_new_connections_are_closed_and_below_it_served_again() {
    for arch in ["poll", "callback", "coroutine"] {
        eprintln!("architecture: {arch}");
        let server = Server::start(
            env!("CARGO_BIN_EXE_zen-server"),
            &["--arch", arch, "--max-conns", "2"],
        );
        // Two clients fill the cap (each answered, so each is surely accepted).
        let mut first = server.connect();
        exchange(&mut first, b"Now is better than?", b"never.");
        let mut second = server.connect();
        exchange(&mut second, b"Now is better than?", b"never.");

        // A third is accepted and closed at once, unanswered.
        assert!(!served(&server), "{arch}: a third connection was served");

        // One leaves; the server notices its EOF, and a newcomer is served. (The loop bounds
        // the race between that EOF and the newcomer's accept.)
        drop(first);
        assert!(
            (0..200).any(|_| served(&server)),
            "{arch}: no newcomer served after a client left"
        );
        exchange(&mut second, b"Sparse is better than?", b"dense.");
    }
}
