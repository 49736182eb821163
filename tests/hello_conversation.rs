//! The hello suite, run against both styles of `hello-server`: keep-alive, pipelining,
//! `Connection: close`, HTTP/1.0, a body, a malformed request and oversized headers.

mod support;

use std::io::Write;

use support::{exchange, read_to_eof, Server};

/// The answer to a keep-alive request.
const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

/// The answer to a request after which the server closes.
const HELLO_THEN_CLOSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

/// A minimal keep-alive request.
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// Runs `check` against a fresh server of each style.
fn for_every_style(check: impl Fn(&Server)) {
    for style in ["callback", "coroutine"] {
        eprintln!("style: {style}");
        check(&Server::start(
            env!("CARGO_BIN_EXE_hello-server"),
            &["--style", style],
        ));
    }
}

#[test]
fn keeps_the_connection_alive_between_requests() {
    for_every_style(|server| {
        let mut client = server.connect();
        for _ in 0..3 {
            exchange(&mut client, GET, HELLO);
        }
    });
}

#[test]
fn answers_pipelined_requests_in_order() {
    for_every_style(|server| {
        let mut client = server.connect();
        exchange(&mut client, &GET.repeat(10), &HELLO.repeat(10));
    });
}

#[test]
fn closes_after_connection_close() {
    for_every_style(|server| {
        let mut client = server.connect();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        assert_eq!(read_to_eof(&mut client).unwrap(), HELLO_THEN_CLOSE);
    });
}

#[test]
fn closes_after_an_http_1_0_request() {
    for_every_style(|server| {
        let mut client = server.connect();
        client.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(read_to_eof(&mut client).unwrap(), HELLO_THEN_CLOSE);
    });
}

#[test]
fn reads_and_discards_a_post_body() {
    for_every_style(|server| {
        let mut client = server.connect();
        let post = b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello=world";
        exchange(&mut client, post, HELLO);
        exchange(&mut client, GET, HELLO);
    });
}

#[test]
fn reads_and_discards_a_chunked_body() {
    for_every_style(|server| {
        let mut client = server.connect();
        let post = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        exchange(&mut client, post, HELLO);
        exchange(&mut client, GET, HELLO);
    });
}

#[test]
fn answers_400_and_closes_on_a_malformed_request() {
    for_every_style(|server| {
        let mut client = server.connect();
        client.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
        let reply = read_to_eof(&mut client).unwrap();
        assert!(
            reply.starts_with(b"HTTP/1.1 400 Bad Request\r\n"),
            "{}",
            reply.escape_ascii()
        );
    });
}

#[test]
fn answers_431_and_closes_on_headers_over_8_kib() {
    for_every_style(|server| {
        let mut client = server.connect();
        let mut request = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..100 {
            request.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "y".repeat(100)).as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        client.write_all(&request).unwrap();
        let reply = read_to_eof(&mut client).unwrap();
        assert!(
            reply.starts_with(b"HTTP/1.1 431 "),
            "{}",
            reply.escape_ascii()
        );
    });
}
