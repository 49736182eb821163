//! Hostile clients end their own conversations only: a thousand clients that reset their
//! connections at random points, and one that never reads its answers, while good clients
//! get every answer.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use rustix::net::sockopt;
use support::{exchange, Server};

/// The architectures that serve many clients at once.
const ARCHES: [&[&str]; 4] = [
    &["--arch", "threads", "--workers", "4"],
    &["--arch", "poll"],
    &["--arch", "callback"],
    &["--arch", "coroutine"],
];

/// 50 good clients, each asking 20 questions and checking every answer.
fn good_clients(server: &Server) {
    thread::scope(|scope| {
        for _ in 0..50 {
            scope.spawn(|| {
                let mut client = server.connect();
                for _ in 0..20 {
                    exchange(&mut client, b"Sparse is better than?", b"dense.");
                }
            });
        }
    });
}

/// Connects and resets (`SO_LINGER` 0, then close) at a point chosen by `seed`: before
/// sending, mid-question, after a whole question, or after reading part of an answer.
fn reset_at_random_point(server: &Server, seed: u64) {
    let Ok(mut client) = TcpStream::connect(server.addr) else {
        return;
    };
    let _ = sockopt::set_socket_linger(&client, Some(Duration::ZERO));
    let question = b"Beautiful is better than?".repeat(3);
    let cut = (seed as usize * 7919) % (question.len() + 1);
    let _ = client.write_all(&question[..cut]);
    if seed.is_multiple_of(4) {
        client
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let _ = std::io::Read::read(&mut client, &mut [0; 3]);
    }
    drop(client); // with linger 0: a reset, not a FIN
}

#[test]
fn a_thousand_resets_disturb_no_good_client() {
    for args in ARCHES {
        eprintln!("zen-server {args:?}");
        let server = Server::start(env!("CARGO_BIN_EXE_zen-server"), args);
        thread::scope(|scope| {
            for worker in 0..4u64 {
                let server = &server;
                scope.spawn(move || {
                    for i in 0..250 {
                        reset_at_random_point(server, worker * 1000 + i);
                    }
                });
            }
            good_clients(&server);
        });
        // Still serving afterwards.
        exchange(&mut server.connect(), b"Flat is better than?", b"nested.");
    }
}

#[test]
fn a_client_that_never_reads_does_not_stop_the_others() {
    for args in ARCHES {
        eprintln!("zen-server {args:?}");
        let server = Server::start(env!("CARGO_BIN_EXE_zen-server"), args);
        // Sends questions until its own send buffer is full, because the server has stopped
        // reading from it (its answers are not being read).
        let hog = server.connect();
        hog.set_write_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let questions = b"Beautiful is better than?".repeat(2600);
        while (&hog).write(&questions).is_ok() {}
        good_clients(&server);
        drop(hog);
    }
}
