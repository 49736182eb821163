//! What a load generator says and what it must hear back, sans-I/O.
//!
//! A [`Workload`] hands out requests, each with the exact answer it must get, and cuts the
//! bytes a server sends into answers. TCP delivers a stream, not messages, so one read may
//! hold several answers (pipelining) or a piece of one; [`Workload::cut`] says how long the
//! answer at the front of the buffer is, or that it has not all arrived. No socket appears
//! here, so the unit tests below feed it bytes directly, as the servers' protocol tests do.

use zenio_servers::protocol::hello::{HELLO, HELLO_THEN_CLOSE};
use zenio_servers::protocol::zen::APHORISMS;

/// The request `http-load --mode keepalive` sends: HTTP/1.1 keeps the connection open.
pub const GET_KEEP_ALIVE: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/// The request `http-load --mode close` sends, once per connection.
pub const GET_THEN_CLOSE: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/// The longest answer we wait for; past this, the server is sending something that is not
/// an answer, and the connection is dropped instead of buffering without end.
pub const MAX_ANSWER: usize = 64 * 1024;

/// The most header fields we parse in an HTTP answer; `hello` sends two.
const MAX_HEADERS: usize = 16;

/// The conversation a load generator holds on each connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Zen questions, round-robin over [`APHORISMS`]; answers end at `.`.
    Zen,
    /// `GET /` on a connection that stays open; answers are framed by `Content-Length`.
    HttpKeepAlive,
    /// One `GET /` with `Connection: close` per connection; the answer ends at EOF.
    HttpClose,
    /// One zen question per connection: ask, read the answer (cut at `.`), hang up with
    /// `shutdown(SHUT_WR)`, and read the server's EOF.
    ZenOneQuestion,
}

/// A request to send and the answer it must get, byte for byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The bytes of the request.
    pub bytes: &'static [u8],
    /// The exact answer a correct server gives.
    pub expected: &'static [u8],
}

/// Where the first answer in a buffer ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The first answer is this many bytes long and has arrived whole.
    Answer(usize),
    /// The first answer has not all arrived: keep the bytes and read more.
    Incomplete,
    /// These bytes cannot be the start of an answer (or it is over [`MAX_ANSWER`]): the
    /// stream can no longer be cut, so the connection must be dropped.
    Garbled,
}

impl Workload {
    /// The `n`th request of a run. Zen questions go round-robin through [`APHORISMS`].
    pub fn request(self, n: u64) -> Request {
        match self {
            Workload::Zen | Workload::ZenOneQuestion => {
                let (bytes, expected) = APHORISMS[(n % APHORISMS.len() as u64) as usize];
                Request { bytes, expected }
            }
            Workload::HttpKeepAlive => Request {
                bytes: GET_KEEP_ALIVE,
                expected: HELLO,
            },
            Workload::HttpClose => Request {
                bytes: GET_THEN_CLOSE,
                expected: HELLO_THEN_CLOSE,
            },
        }
    }

    /// Whether each request has a connection to itself, which the server closes after the
    /// answer.
    pub fn connection_per_request(self) -> bool {
        matches!(self, Workload::HttpClose | Workload::ZenOneQuestion)
    }

    /// Whether the answer runs to the server's EOF (`Connection: close`), rather than
    /// ending by itself, after which the client hangs up first.
    pub fn answer_ends_at_eof(self) -> bool {
        self == Workload::HttpClose
    }

    /// Finds the end of the first answer in `input`, whose right value is `expected`.
    pub fn cut(self, input: &[u8], expected: &[u8]) -> Cut {
        match self {
            // Every zen answer, error messages included, ends at its only `.`.
            Workload::Zen | Workload::ZenOneQuestion => {
                match input.iter().position(|&byte| byte == b'.') {
                    Some(dot) => Cut::Answer(dot + 1),
                    None => incomplete(input),
                }
            }
            // Fast path: the right answer is there whole; it needs no parsing.
            Workload::HttpKeepAlive if input.starts_with(expected) => Cut::Answer(expected.len()),
            Workload::HttpKeepAlive => cut_http(input),
            // The answer is everything up to EOF, which only the socket can tell.
            Workload::HttpClose => incomplete(input),
        }
    }
}

/// `Incomplete`, unless the buffer is already longer than any answer may be.
fn incomplete(input: &[u8]) -> Cut {
    if input.len() > MAX_ANSWER {
        Cut::Garbled
    } else {
        Cut::Incomplete
    }
}

/// Cuts an HTTP/1.1 response framed by `Content-Length`: its head, then that many bytes.
///
/// Simplified: a response without `Content-Length` (chunked, or ended by EOF) counts as
/// garbled, since `hello` never sends one; wrk's parser would follow those framings too.
fn cut_http(input: &[u8]) -> Cut {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(input) {
        Ok(httparse::Status::Complete(head)) => head,
        Ok(httparse::Status::Partial) => return incomplete(input),
        Err(_) => return Cut::Garbled,
    };
    let length = response
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case("content-length"))
        .and_then(|header| std::str::from_utf8(header.value).ok())
        .and_then(|value| value.trim().parse::<usize>().ok());
    match length {
        Some(length) if head + length <= input.len() => Cut::Answer(head + length),
        Some(length) if head + length <= MAX_ANSWER => Cut::Incomplete,
        _ => Cut::Garbled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zen_requests_go_round_robin_through_the_aphorisms() {
        let first = Workload::Zen.request(0);
        assert_eq!(first.bytes, b"Beautiful is better than?");
        assert_eq!(first.expected, b"ugly.");
        assert_eq!(Workload::Zen.request(6).expected, b"never.");
        assert_eq!(Workload::Zen.request(7), first);
    }

    #[test]
    fn zen_answers_are_cut_at_each_dot() {
        let input = b"ugly.implicit.comp";
        assert_eq!(Workload::Zen.cut(input, b"ugly."), Cut::Answer(5));
        assert_eq!(Workload::Zen.cut(&input[5..], b"x"), Cut::Answer(9));
        assert_eq!(Workload::Zen.cut(&input[14..], b"x"), Cut::Incomplete);
    }

    #[test]
    fn a_wrong_zen_answer_is_still_cut_at_its_dot() {
        let input = b"Error: unknown aphorism.never.";
        assert_eq!(Workload::Zen.cut(input, b"ugly."), Cut::Answer(24));
    }

    #[test]
    fn endless_zen_answer_is_garbled() {
        let input = vec![b'a'; MAX_ANSWER + 1];
        assert_eq!(Workload::Zen.cut(&input, b"ugly."), Cut::Garbled);
    }

    #[test]
    fn pipelined_http_answers_are_cut_one_by_one() {
        let input = [HELLO, HELLO, &HELLO[..10]].concat();
        let http = Workload::HttpKeepAlive;
        assert_eq!(http.cut(&input, HELLO), Cut::Answer(HELLO.len()));
        assert_eq!(
            http.cut(&input[HELLO.len()..], HELLO),
            Cut::Answer(HELLO.len())
        );
        assert_eq!(http.cut(&input[2 * HELLO.len()..], HELLO), Cut::Incomplete);
    }

    #[test]
    fn a_wrong_http_answer_is_cut_by_its_content_length() {
        let wrong = b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\ngoodbyeHTTP";
        assert_eq!(
            Workload::HttpKeepAlive.cut(wrong, HELLO),
            Cut::Answer(wrong.len() - 4)
        );
    }

    #[test]
    fn an_http_answer_waits_for_its_whole_body() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel";
        assert_eq!(Workload::HttpKeepAlive.cut(head, HELLO), Cut::Incomplete);
    }

    #[test]
    fn http_without_content_length_or_not_http_is_garbled() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello";
        assert_eq!(Workload::HttpKeepAlive.cut(chunked, HELLO), Cut::Garbled);
        assert_eq!(Workload::HttpKeepAlive.cut(b"ugly.", HELLO), Cut::Garbled);
    }

    #[test]
    fn connection_close_answers_end_only_at_eof() {
        let close = Workload::HttpClose;
        assert!(close.connection_per_request());
        assert_eq!(close.request(3).expected, HELLO_THEN_CLOSE);
        assert_eq!(
            close.cut(HELLO_THEN_CLOSE, HELLO_THEN_CLOSE),
            Cut::Incomplete
        );
    }

    #[test]
    fn a_one_question_conversation_ends_at_its_answer_not_at_eof() {
        let one = Workload::ZenOneQuestion;
        assert!(one.connection_per_request() && !one.answer_ends_at_eof());
        assert_eq!(one.request(0), Workload::Zen.request(0));
        assert_eq!(one.cut(b"ugly.", b"ugly."), Cut::Answer(5));
    }
}
