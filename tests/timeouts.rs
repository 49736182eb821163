//! Idle and slow clients cannot hold a connection: `--idle-timeout` closes a silent client,
//! `--question-timeout` one that trickles its question a byte at a time. Every architecture.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use support::{exchange, Server, ZEN_ARCHES};

/// Starts one server per architecture with `extra` arguments and runs `check` on each, in
/// parallel (each check waits for a timeout).
fn for_every_arch(extra: &[&str], check: impl Fn(&str, &Server) + Sync) {
    thread::scope(|scope| {
        for arch in ZEN_ARCHES {
            let check = &check;
            scope.spawn(move || {
                let mut args = vec!["--arch", arch, "--workers", "2"];
                args.extend(extra);
                check(
                    arch,
                    &Server::start(env!("CARGO_BIN_EXE_zen-server"), &args),
                );
            });
        }
    });
}

/// Whether the server has closed `client` (EOF or reset), reading with the socket's timeout.
fn closed_by_server(client: &mut std::net::TcpStream) -> bool {
    match client.read(&mut [0; 64]) {
        Ok(0) => true,
        Err(e) => e.kind() == ErrorKind::ConnectionReset,
        Ok(_) => false,
    }
}

#[test]
fn a_silent_client_is_closed_after_the_idle_timeout_and_not_before() {
    for_every_arch(&["--idle-timeout", "1"], |arch, server| {
        let mut client = server.connect();
        exchange(&mut client, b"Flat is better than?", b"nested.");
        let quiet_since = Instant::now();
        assert!(closed_by_server(&mut client), "{arch}: closed after idling");
        assert!(
            quiet_since.elapsed() >= Duration::from_millis(900),
            "{arch}: not early"
        );
    });
}

#[test]
fn a_client_trickling_a_question_is_closed_after_the_question_timeout() {
    for_every_arch(&["--question-timeout", "1"], |arch, server| {
        let mut client = server.connect();
        client.set_nodelay(true).unwrap();
        client
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        // One byte every ~100 ms: each byte keeps it from being idle, but the question never
        // ends. The server must give up long before 200 bytes (20 s).
        for (sent, byte) in b"Beautiful ".iter().cycle().take(200).enumerate() {
            if client.write_all(&[*byte]).is_err() {
                return; // already closed: the write failed
            }
            match client.read(&mut [0; 64]) {
                Ok(0) => return,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                other => panic!("{arch}: unexpected {other:?} after {sent} bytes"),
            }
        }
        panic!("{arch}: a trickled question held the connection for 20 s");
    });
}
