//! The hello suite, run against every style of `hello-server`: keep-alive, pipelining,
//! `Connection: close`, HTTP/1.0, a body, a malformed request and oversized headers. hyper
//! (`--style hyper`) sends the same bytes as the hand-written protocol except in two places,
//! which its own tests at the end pin down: it answers HTTP/1.0 in HTTP/1.0, and refuses
//! with its own headers.

mod support;

use std::io::Write;

use support::{exchange, read_to_eof, Server, HELLO_STYLES};

/// The answer to a keep-alive request.
const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

/// The answer to a request after which the server closes.
const HELLO_THEN_CLOSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

/// A minimal keep-alive request.
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// The styles that speak through the hand-written hello protocol (`HelloSession`).
const HAND_WRITTEN: &[&str] = &["callback", "coroutine"];

/// Runs `check` against a fresh server of each style.
fn for_every_style(check: impl Fn(&Server)) {
    for_styles(&HELLO_STYLES, check);
}

/// Runs `check` against a fresh server of each of `styles`.
fn for_styles(styles: &[&str], check: impl Fn(&Server)) {
    for &style in styles {
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
    for_styles(HAND_WRITTEN, |server| {
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

/// Asserts that `reply` is `expected`, showing both as text if not.
fn assert_reply(reply: &[u8], expected: &[u8]) {
    assert_eq!(
        reply.escape_ascii().to_string(),
        expected.escape_ascii().to_string()
    );
}

/// A server of `--style hyper`.
fn hyper_server() -> Server {
    Server::start(env!("CARGO_BIN_EXE_hello-server"), &["--style", "hyper"])
}

#[test]
fn hyper_answers_an_http_1_0_request_in_http_1_0_then_closes() {
    let server = hyper_server();
    let mut client = server.connect();
    client.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert_reply(
        &read_to_eof(&mut client).unwrap(),
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
    );
}

#[test]
fn hyper_refuses_a_malformed_request_and_oversized_headers_with_its_own_headers() {
    let server = hyper_server();
    let mut client = server.connect();
    client.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
    assert_reply(
        &read_to_eof(&mut client).unwrap(),
        b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );

    let mut client = server.connect();
    let mut request = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..100 {
        request.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "y".repeat(100)).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    client.write_all(&request).unwrap();
    assert_reply(
        &read_to_eof(&mut client).unwrap(),
        b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\
          Content-Length: 0\r\n\r\n",
    );
}
