//! The hello protocol, spelled out one conversation at a time.

use super::*;
use proptest::prelude::*;

/// The smallest request a client sends.
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// A request that asks for the connection to close after its answer.
const GET_THEN_CLOSE: &[u8] = b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n";

/// Feeds each chunk in turn; returns everything written and the last flow.
fn converse(session: &mut HelloSession, chunks: &[&[u8]]) -> (Vec<u8>, Flow) {
    let mut out = Vec::new();
    let mut flow = Flow::Continue;
    for chunk in chunks {
        flow = session.feed(chunk, &mut out);
    }
    (out, flow)
}

/// A fresh session fed `input` in one read.
fn send(input: &[u8]) -> (Vec<u8>, Flow) {
    converse(&mut HelloSession::default(), &[input])
}

/// Cuts `bytes` into pieces whose sizes repeat `sizes`.
fn split<'a>(bytes: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut rest = bytes;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// A GET whose head, padded with one header field, is exactly `length` bytes long.
fn head_of_length(length: usize) -> Vec<u8> {
    let end = b"\r\n\r\n";
    let mut head = b"GET / HTTP/1.1\r\nX-Pad: ".to_vec();
    head.resize(length - end.len(), b'a');
    head.extend_from_slice(end);
    head
}

#[test]
fn a_get_is_answered_hello_and_the_connection_stays_open() {
    assert_eq!(send(GET), (HELLO.to_vec(), Flow::Continue));
}

#[test]
fn a_kept_alive_connection_answers_request_after_request() {
    let (out, flow) = converse(&mut HelloSession::default(), &[GET, GET]);
    assert_eq!((out, flow), (HELLO.repeat(2), Flow::Continue));
}

#[test]
fn ten_pipelined_requests_in_one_read_get_ten_answers() {
    assert_eq!(send(&GET.repeat(10)), (HELLO.repeat(10), Flow::Continue));
}

#[test]
fn a_request_sent_one_byte_at_a_time_is_answered_once_at_its_last_byte() {
    let mut session = HelloSession::default();
    let mut out = Vec::new();
    let (last, start) = GET.split_last().unwrap();
    for byte in start {
        assert_eq!(
            session.feed(std::slice::from_ref(byte), &mut out),
            Flow::Continue
        );
        assert!(out.is_empty());
    }
    assert_eq!(session.feed(&[*last], &mut out), Flow::Continue);
    assert_eq!(out, HELLO);
}

#[test]
fn connection_close_is_answered_then_the_connection_closes() {
    assert_eq!(
        send(GET_THEN_CLOSE),
        (HELLO_THEN_CLOSE.to_vec(), Flow::Close)
    );
}

#[test]
fn requests_pipelined_after_connection_close_are_ignored() {
    let input = [GET, GET_THEN_CLOSE, GET].concat();
    let expected = [HELLO, HELLO_THEN_CLOSE].concat();
    assert_eq!(send(&input), (expected, Flow::Close));
}

#[test]
fn http_1_0_closes_after_the_answer() {
    assert_eq!(
        send(b"GET / HTTP/1.0\r\n\r\n"),
        (HELLO_THEN_CLOSE.to_vec(), Flow::Close)
    );
}

#[test]
fn http_1_0_with_keep_alive_stays_open_and_says_so() {
    let request: &[u8] = b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
    let (out, flow) = converse(&mut HelloSession::default(), &[request, request]);
    assert_eq!((out, flow), (HELLO_KEEP_ALIVE.repeat(2), Flow::Continue));
}

#[test]
fn head_is_answered_with_the_headers_but_not_the_body() {
    let (out, flow) = send(b"HEAD / HTTP/1.1\r\n\r\n");
    assert_eq!(out, HELLO.strip_suffix(b"hello").unwrap());
    assert_eq!(flow, Flow::Continue);
}

#[test]
fn a_body_split_across_reads_is_skipped_before_the_next_request() {
    let mut session = HelloSession::default();
    let head = b"POST /form HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello";
    let (out, _) = converse(&mut session, &[head]);
    assert!(out.is_empty(), "answered before the body arrived");
    let (out, flow) = converse(&mut session, &[b" wor", &[b"ld", GET].concat()]);
    assert_eq!((out, flow), (HELLO.repeat(2), Flow::Continue));
}

#[test]
fn a_chunked_body_with_extensions_and_trailers_is_skipped_across_reads() {
    let mut session = HelloSession::default();
    let (out, flow) = converse(
        &mut session,
        &[
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhel",
            b"lo\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r",
            b"\n0;last\r\nX-Checksum: 1\r",
            &[b"\n\r\n", GET].concat(),
        ],
    );
    assert_eq!((out, flow), (HELLO.repeat(2), Flow::Continue));
}

#[test]
fn a_broken_chunked_body_is_a_bad_request() {
    let input = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfive\r\n";
    assert_eq!(send(input), (BAD_REQUEST.to_vec(), Flow::Reject));
}

#[test]
fn malformed_requests_are_bad_requests_and_close() {
    for input in [
        &b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n"[..],
        b"\x16\x03\x01\x02\x00", // a TLS handshake sent to a plain HTTP port
        b"POST / HTTP/1.1\r\nContent-Length: five\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    ] {
        let expected = (BAD_REQUEST.to_vec(), Flow::Reject);
        assert_eq!(send(input), expected, "{}", input.escape_ascii());
    }
}

#[test]
fn nine_kib_of_headers_is_too_large_and_closes() {
    let input = head_of_length(9 * 1024);
    let expected = (HEAD_TOO_LARGE.to_vec(), Flow::Reject);
    assert_eq!(send(&input), expected);
    let (out, flow) = converse(&mut HelloSession::default(), &split(&input, &[1000]));
    assert_eq!((out, flow), expected);
}

#[test]
fn a_head_of_exactly_8_kib_is_answered_and_one_byte_more_is_too_large() {
    let longest = head_of_length(MAX_HEAD);
    let too_long = head_of_length(MAX_HEAD + 1);
    for sizes in [
        &[usize::MAX][..],
        &[100],
        &[MAX_HEAD - 1, 1],
        &[1, MAX_HEAD],
    ] {
        let mut session = HelloSession::default();
        let input = [&longest[..], GET].concat();
        let expected = (HELLO.repeat(2), Flow::Continue);
        assert_eq!(converse(&mut session, &split(&input, sizes)), expected);

        let mut session = HelloSession::default();
        let expected = (HEAD_TOO_LARGE.to_vec(), Flow::Reject);
        assert_eq!(converse(&mut session, &split(&too_long, sizes)), expected);
    }
}

#[test]
fn more_than_64_header_fields_is_too_large() {
    let input = format!(
        "GET / HTTP/1.1\r\n{}\r\n",
        "X: y\r\n".repeat(MAX_HEADERS + 1)
    );
    assert_eq!(
        send(input.as_bytes()),
        (HEAD_TOO_LARGE.to_vec(), Flow::Reject)
    );
}

#[test]
fn after_close_further_feeds_produce_nothing() {
    let mut session = HelloSession::default();
    converse(&mut session, &[b"NOT HTTP\r\n\r\n"]);
    let (out, flow) = converse(&mut session, &[GET, GET]);
    assert_eq!((out, flow), (Vec::new(), Flow::Reject));
    assert_eq!(session.unfinished_at_eof(), None);
}

#[test]
fn eof_reports_a_request_cut_short() {
    let mut session = HelloSession::default();
    converse(&mut session, &[GET, b"GET / HT"]);
    assert!(session.unfinished_at_eof().is_some(), "half a head");

    let mut session = HelloSession::default();
    converse(
        &mut session,
        &[b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nhalf"],
    );
    assert!(session.unfinished_at_eof().is_some(), "half a body");
}

#[test]
fn eof_between_requests_reports_nothing() {
    let mut session = HelloSession::default();
    converse(&mut session, &[GET, GET]);
    assert_eq!(session.unfinished_at_eof(), None);
}

#[test]
fn whole_requests_are_parsed_without_buffering() {
    let mut session = HelloSession::default();
    converse(&mut session, &[GET, &GET.repeat(3)]);
    assert_eq!(session.head.capacity(), 0);
}

/// A valid request, sometimes with a body.
fn request() -> impl Strategy<Value = Vec<u8>> {
    let with_length = "[a-z\r\n]{0,20}".prop_map(|body| {
        format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    });
    let chunked = proptest::collection::vec("[a-z]{1,20}", 0..4).prop_map(|chunks| {
        let body: String = chunks
            .iter()
            .map(|chunk| format!("{:x};ext=1\r\n{chunk}\r\n", chunk.len()))
            .collect();
        format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{body}0\r\nX: y\r\n\r\n")
    });
    prop_oneof![
        4 => Just(GET.to_vec()),
        1 => Just(b"HEAD / HTTP/1.1\r\n\r\n".to_vec()),
        1 => Just(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".to_vec()),
        2 => with_length.prop_map(String::into_bytes),
        2 => chunked.prop_map(String::into_bytes),
        1 => Just(GET_THEN_CLOSE.to_vec()),
    ]
}

/// A stream of valid requests.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(request(), 0..10).prop_map(|requests| requests.concat())
}

/// Arbitrary bytes, or a valid stream with some bytes overwritten, which reaches deeper
/// into the parser before it goes wrong.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    let damaged = (
        stream(),
        proptest::collection::vec(any::<(usize, u8)>(), 1..4),
    )
        .prop_map(|(mut stream, damage)| {
            if !stream.is_empty() {
                let length = stream.len();
                for (at, byte) in damage {
                    stream[at % length] = byte;
                }
            }
            stream
        });
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..300), damaged]
}

proptest! {
    #[test]
    fn any_split_of_a_valid_stream_gives_the_same_answers(
        stream in stream(),
        sizes in proptest::collection::vec(1usize..40, 1..20),
    ) {
        let whole = send(&stream);
        prop_assert_eq!(converse(&mut HelloSession::default(), &split(&stream, &sizes)), whole);
    }

    #[test]
    fn garbage_never_panics_and_splitting_it_changes_nothing(
        input in garbage(),
        sizes in proptest::collection::vec(1usize..40, 1..20),
    ) {
        let whole = send(&input);
        prop_assert_eq!(converse(&mut HelloSession::default(), &split(&input, &sizes)), whole);
    }
}
