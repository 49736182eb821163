//! Per-core mode: two event loops, each with its own `SO_REUSEPORT` listener on one port.
//! 400 connections, every answer checked, and the exit summary shows that the kernel gave
//! connections to both loops.

mod support;

use std::thread;

use support::{exchange, read_to_eof, Server, Signal};

/// Connections made per test.
const CONNECTIONS: usize = 400;

/// Runs `CONNECTIONS` clients (from 8 threads) through `talk`, stops the server with
/// SIGTERM, and checks that both cores served some of them and all of them in total.
fn spread_over_two_cores(mut server: Server, talk: impl Fn(&Server) + Sync) {
    thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..CONNECTIONS / 8 {
                    talk(&server);
                }
            });
        }
    });
    server.signal(Signal::TERM);
    let (code, summary) = server.wait_for_exit();
    assert_eq!(code, Some(0), "exit status; summary: {summary}");
    let connections: Vec<u64> = summary
        .lines()
        .filter(|line| line.starts_with("core "))
        .map(|line| {
            let count = line
                .split(": ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next());
            count
                .and_then(|n| n.parse().ok())
                .expect("a connection count")
        })
        .collect();
    assert_eq!(connections.len(), 2, "one summary line per core: {summary}");
    assert!(
        connections.iter().all(|&n| n > 0),
        "both cores accepted: {summary}"
    );
    assert_eq!(
        connections.iter().sum::<u64>(),
        CONNECTIONS as u64,
        "{summary}"
    );
}

#[test]
fn zen_on_two_cores_answers_every_connection_and_both_cores_serve() {
    for arch in ["poll", "callback", "coroutine"] {
        eprintln!("architecture: {arch}");
        let server = Server::start(
            env!("CARGO_BIN_EXE_zen-server"),
            &["--arch", arch, "--cores", "2"],
        );
        spread_over_two_cores(server, |server| {
            let mut client = server.connect();
            exchange(&mut client, b"Flat is better than?", b"nested.");
            exchange(&mut client, b"Now is better than?", b"never.");
        });
    }
}

#[test]
fn hello_on_two_cores_answers_every_connection_and_both_cores_serve() {
    let hello_then_close: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
        Content-Length: 5\r\nConnection: close\r\n\r\nhello";
    for style in ["callback", "coroutine", "hyper"] {
        eprintln!("style: {style}");
        let server = Server::start(
            env!("CARGO_BIN_EXE_hello-server"),
            &["--style", style, "--cores", "2"],
        );
        spread_over_two_cores(server, |server| {
            use std::io::Write;
            let mut client = server.connect();
            client
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            assert_eq!(read_to_eof(&mut client).unwrap(), hello_then_close);
        });
    }
}
