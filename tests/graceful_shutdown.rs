//! Graceful shutdown, for every architecture: on SIGTERM a server stops accepting, answers
//! the questions already sent, closes, frees its port and exits 0; a second signal ends it
//! at once. Its summary lines at exit carry the zenio runtime's counters where one served.

mod support;

use std::io::{self, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use support::{read_to_eof, Server, Signal};

/// Every architecture of `zen-server`, with the per-core mode of the event-driven ones.
const SERVERS: [&[&str]; 9] = [
    &["--arch", "serial"],
    &["--arch", "threads", "--workers", "2"],
    &["--arch", "prefork", "--workers", "2"],
    &["--arch", "poll"],
    &["--arch", "callback"],
    &["--arch", "coroutine"],
    &["--arch", "poll", "--cores", "2"],
    &["--arch", "callback", "--cores", "2"],
    &["--arch", "coroutine", "--cores", "2"],
];

#[test]
fn sigterm_answers_the_questions_in_flight_then_exits_0_and_frees_the_port() {
    for args in SERVERS {
        eprintln!("zen-server {args:?}");
        let mut server = Server::start(env!("CARGO_BIN_EXE_zen-server"), args);
        let mut client = server.connect();
        client
            .write_all(&b"Beautiful is better than?".repeat(50))
            .unwrap();
        server.signal(Signal::TERM);

        // All 50 answers, then EOF: the server closed the conversation after answering.
        let answers = read_to_eof(&mut client).expect("answers, then EOF");
        assert_eq!(answers, b"ugly.".repeat(50), "{args:?}");

        // The server has acted on the signal, so it accepts nobody new.
        match TcpStream::connect(server.addr) {
            Err(error) => assert_eq!(error.kind(), ErrorKind::ConnectionRefused),
            Ok(mut late) => {
                // Only possible in the instant before the listener closed: then it must
                // not be served.
                late.set_read_timeout(Some(support::PATIENCE)).unwrap();
                let _ = late.write_all(b"Flat is better than?");
                let reply = read_to_eof(&mut late).unwrap_or_default();
                assert!(reply.is_empty(), "a late client was answered: {args:?}");
            }
        }

        let (code, summary) = server.wait_for_exit();
        assert_eq!(code, Some(0), "{args:?}: {summary}");
        assert!(summary.contains("50 requests"), "{args:?}: {summary}");
        let on_zenio = args.contains(&"callback") || args.contains(&"coroutine");
        check_runtime_counters(&format!("{args:?}"), &summary, on_zenio);
        TcpListener::bind(server.addr).expect("the port is free after shutdown");
    }
}

#[test]
fn hello_sigterm_answers_pipelined_requests_then_exits_0() {
    for style in ["callback", "coroutine", "hyper"] {
        let mut server = Server::start(env!("CARGO_BIN_EXE_hello-server"), &["--style", style]);
        let mut client = server.connect();
        client
            .write_all(&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(10))
            .unwrap();
        server.signal(Signal::TERM);
        let answers = read_to_eof(&mut client).expect("answers, then EOF");
        assert_eq!(answers.windows(5).filter(|w| w == b"hello").count(), 10);
        let (code, summary) = server.wait_for_exit();
        assert_eq!(code, Some(0), "{style}: {summary}");
        check_runtime_counters(style, &summary, true);
    }
}

/// The runtime counters a summary line ends with, in this order.
const COUNTERS: [&str; 8] = [
    "tasks_spawned",
    "polls",
    "reactor_waits",
    "events",
    "wakes_local",
    "wakes_remote",
    "registrations",
    "timers_fired",
];

/// Checks every summary line of `output` (`core 0: 1 connections, 50 requests; runtime:
/// tasks_spawned=2 ...`): the `; runtime:` part names every counter and holds what must
/// hold when `on_zenio`, and is absent otherwise.
fn check_runtime_counters(label: &str, output: &str, on_zenio: bool) {
    let lines: Vec<&str> = output.lines().filter(|l| l.contains(" requests")).collect();
    assert!(!lines.is_empty(), "{label}: no summary line in {output:?}");
    for line in lines {
        let Some((served, counters)) = line.split_once("; runtime: ") else {
            assert!(!on_zenio, "{label}: no runtime counters in {line:?}");
            continue;
        };
        assert!(
            on_zenio,
            "{label}: runtime counters without zenio: {line:?}"
        );
        let pairs: Vec<(&str, u64)> = counters
            .split(' ')
            .map(|pair| {
                let (key, value) = pair.split_once('=').expect("key=value");
                (key, value.parse().expect("a count"))
            })
            .collect();
        let keys: Vec<&str> = pairs.iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, COUNTERS, "{label}: {line:?}");
        let count = |name| pairs.iter().find(|(key, _)| *key == name).unwrap().1;
        let connections: u64 = served
            .split_once(": ")
            .and_then(|(_, rest)| rest.split(' ').next()?.parse().ok())
            .expect("N connections");
        // Every connection is a task, polled at least once, as is the accept loop. (Nothing
        // forces a wait: the clients and the signal may all be there at the first poll.)
        assert!(count("tasks_spawned") >= connections, "{label}: {line:?}");
        assert!(count("polls") > connections, "{label}: {line:?}");
    }
}

#[test]
fn a_second_signal_ends_the_server_at_once() {
    for args in [
        &["--arch", "serial"][..],
        &["--arch", "prefork", "--workers", "1"],
        &["--arch", "poll"],
        &["--arch", "callback"],
        &["--arch", "coroutine", "--cores", "2"],
    ] {
        eprintln!("zen-server {args:?}");
        let mut args = args.to_vec();
        args.extend(["--grace", "60"]);
        let mut server = Server::start(env!("CARGO_BIN_EXE_zen-server"), &args);
        let stuck = stuck_client(&server).expect("a client the server cannot finish");
        server.signal(Signal::TERM);
        // The server owes answers it cannot send, so it would wait out its 60 s of grace...
        server.signal(Signal::INT);
        // ...but the second signal ends it now, with status 1.
        let (code, _) = server.wait_for_exit();
        assert_eq!(code, Some(1), "{args:?}");
        drop(stuck);
    }
}

/// A client that sends questions and never reads the answers, until the server has stopped
/// reading because its answers cannot be sent (a write blocks for 300 ms).
fn stuck_client(server: &Server) -> io::Result<TcpStream> {
    let client = server.connect();
    client.set_write_timeout(Some(Duration::from_millis(300)))?;
    let questions = b"Beautiful is better than?".repeat(2600);
    for _ in 0..10_000 {
        match (&client).write(&questions) {
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Ok(client)
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(
        "the server kept reading 650 MB of questions",
    ))
}
