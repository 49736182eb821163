//! The zen conversation suite, run against every architecture of `zen-server`.
//!
//! Each test starts the real binary once per architecture and checks its answers byte for
//! byte: the seed's questions, pipelining, one byte at a time, a question too long, a client
//! leaving mid-question, and 200 concurrent clients.

mod support;

use std::io::Write;
use std::net::Shutdown;
use std::thread;

use support::{exchange, read_exactly_or_eof, read_to_eof, Server, ZEN_ARCHES};

/// The seven aphorisms and their answers.
const TABLE: [(&str, &str); 7] = [
    ("Beautiful is better than?", "ugly."),
    ("Explicit is better than?", "implicit."),
    ("Simple is better than?", "complex."),
    ("Complex is better than?", "complicated."),
    ("Flat is better than?", "nested."),
    ("Sparse is better than?", "dense."),
    ("Now is better than?", "never."),
];

/// Starts `zen-server --arch ARCH` with two workers where workers apply.
fn start(arch: &str) -> Server {
    Server::start(
        env!("CARGO_BIN_EXE_zen-server"),
        &["--arch", arch, "--workers", "2"],
    )
}

/// Runs `check` against a fresh server of every architecture.
fn for_every_arch(check: impl Fn(&Server)) {
    for arch in ZEN_ARCHES {
        eprintln!("architecture: {arch}");
        check(&start(arch));
    }
}

#[test]
fn answers_the_three_seed_aphorisms() {
    for_every_arch(|server| {
        let mut client = server.connect();
        for (question, answer) in &TABLE[..3] {
            exchange(&mut client, question.as_bytes(), answer.as_bytes());
        }
    });
}

#[test]
fn answers_all_seven_and_unknown_questions() {
    for_every_arch(|server| {
        let mut client = server.connect();
        for (question, answer) in TABLE {
            exchange(&mut client, question.as_bytes(), answer.as_bytes());
        }
        exchange(
            &mut client,
            b"Ugly is better than?",
            b"Error: unknown aphorism.",
        );
    });
}

#[test]
fn skips_whitespace_before_questions_like_an_nc_user_pressing_enter() {
    for_every_arch(|server| {
        let mut client = server.connect();
        exchange(&mut client, b"Beautiful is better than?\n", b"ugly.");
        exchange(&mut client, b"\r\n \tFlat is better than?", b"nested.");
    });
}

#[test]
fn answers_100_pipelined_questions_in_order() {
    for_every_arch(|server| {
        let mut client = server.connect();
        let mut questions = Vec::new();
        let mut answers = Vec::new();
        for i in 0..100 {
            let (question, answer) = TABLE[i % TABLE.len()];
            questions.extend_from_slice(question.as_bytes());
            answers.extend_from_slice(answer.as_bytes());
        }
        exchange(&mut client, &questions, &answers);
    });
}

#[test]
fn answers_a_question_sent_one_byte_at_a_time_once() {
    for_every_arch(|server| {
        let mut client = server.connect();
        client.set_nodelay(true).unwrap();
        for byte in b"Sparse is better than?" {
            client.write_all(&[*byte]).unwrap();
        }
        exchange(&mut client, b"Now is better than?", b"dense.never.");
    });
}

#[test]
fn closes_on_a_question_over_64_kib() {
    for_every_arch(|server| {
        let mut client = server.connect();
        client.write_all(&vec![b'x'; 64 * 1024 + 1]).unwrap();
        let reply = read_to_eof(&mut client).expect("the error, then EOF");
        assert_eq!(reply, b"Error: question too long.");
        // The server is still serving others.
        exchange(&mut server.connect(), b"Flat is better than?", b"nested.");
    });
}

#[test]
fn answers_what_it_owes_after_the_client_half_closes() {
    for_every_arch(|server| {
        let mut client = server.connect();
        client
            .write_all(b"Simple is better than?Now is better than?")
            .unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        assert_eq!(read_to_eof(&mut client).unwrap(), b"complex.never.");
    });
}

#[test]
fn keeps_serving_after_a_client_closes_mid_question() {
    for_every_arch(|server| {
        let mut leaver = server.connect();
        leaver.write_all(b"Beautiful is better").unwrap();
        drop(leaver);
        exchange(
            &mut server.connect(),
            b"Beautiful is better than?",
            b"ugly.",
        );
    });
}

#[test]
fn serves_200_concurrent_clients_asking_50_questions_each() {
    for_every_arch(|server| {
        thread::scope(|scope| {
            for client_id in 0..200 {
                scope.spawn(move || {
                    let mut client = server.connect();
                    for i in 0..50 {
                        let (question, answer) = TABLE[(client_id + i) % TABLE.len()];
                        client.write_all(question.as_bytes()).unwrap();
                        let got = read_exactly_or_eof(&mut client, answer.len()).unwrap();
                        assert_eq!(got, answer.as_bytes(), "client {client_id}, question {i}");
                    }
                });
            }
        });
    });
}
