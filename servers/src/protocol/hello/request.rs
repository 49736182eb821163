//! Reading a request head: the two things the hello server needs to know about a request.
//!
//! The head is the request line and the header fields, up to and including the blank
//! line. `httparse` splits it into pieces that point into the bytes we give it, so nothing
//! is copied. From those pieces [`parse`] keeps only what the server acts on: where the
//! body ends (so the next request is found where it starts), and whether the client wants
//! the connection kept open. It also enforces the limits that stop a client from making
//! the server buffer forever: 8 KiB of head and 64 header fields.

use httparse::Status;

/// The most bytes a request head may have, blank line included (8 KiB).
pub const MAX_HEAD: usize = 8 * 1024;

/// The most header fields a request head may have.
pub const MAX_HEADERS: usize = 64;

/// What the hello server needs to know about a request, read from its head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Where the body that follows the head ends.
    pub body: Body,
    /// What happens to the connection after the answer.
    pub connection: Connection,
    /// Whether the method is `HEAD`, whose answer has the headers of a `GET` but no body.
    pub head_only: bool,
}

/// How the end of a request body is found (RFC 9112, section 6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// Exactly this many bytes follow the head. A request with neither `Content-Length`
    /// nor `Transfer-Encoding` has no body, which is `Length(0)`.
    Length(u64),
    /// `Transfer-Encoding: chunked`: chunks follow, up to one of size zero.
    Chunked,
}

/// What happens to the connection after the answer, and what the answer says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// HTTP/1.1 keeps connections open unless told otherwise, so the answer says nothing.
    Persistent,
    /// An HTTP/1.0 client asked for `Connection: keep-alive`; the answer confirms it.
    KeepAlive,
    /// The connection closes after the answer, which says `Connection: close`.
    Close,
}

/// Why a request head cannot be answered with `hello`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The head is not valid HTTP/1.x, or its body cannot be delimited: `400`.
    BadRequest,
    /// The head is longer than [`MAX_HEAD`] or has more than [`MAX_HEADERS`] fields: `431`.
    HeadTooLarge,
}

/// Parses the request head at the start of `bytes`.
///
/// Returns `Complete((length of the head, request))`, or `Partial` if the head has not
/// all arrived yet. Only the first [`MAX_HEAD`] bytes are looked at, so whatever a head
/// longer than that contains, the answer is the same: [`Rejection::HeadTooLarge`].
pub fn parse(bytes: &[u8]) -> Result<Status<(usize, Request)>, Rejection> {
    let bytes = &bytes[..bytes.len().min(MAX_HEAD)];
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(bytes) {
        Ok(Status::Complete(length)) => length,
        Ok(Status::Partial) if bytes.len() == MAX_HEAD => return Err(Rejection::HeadTooLarge),
        Ok(Status::Partial) => return Ok(Status::Partial),
        Err(httparse::Error::TooManyHeaders) => return Err(Rejection::HeadTooLarge),
        Err(_) => return Err(Rejection::BadRequest),
    };

    // Collect the three header fields that matter; ignore every other one.
    let mut content_length = None;
    let mut chunked = false;
    let (mut close, mut keep_alive) = (false, false);
    for header in request.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("Content-Length") {
            // Simplified: a repeated Content-Length is refused, even with equal values.
            if content_length.is_some() {
                return Err(Rejection::BadRequest);
            }
            content_length = Some(parse_length(header.value).ok_or(Rejection::BadRequest)?);
        } else if name.eq_ignore_ascii_case("Transfer-Encoding") {
            // Chunked is the only coding we can undo, so it must be the only one named.
            if chunked || !header.value.eq_ignore_ascii_case(b"chunked") {
                return Err(Rejection::BadRequest);
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case("Connection") {
            // A comma-separated list of options, such as `Connection: Upgrade, close`.
            for option in header.value.split(|&byte| byte == b',') {
                let option = option.trim_ascii();
                close |= option.eq_ignore_ascii_case(b"close");
                keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }

    let body = match (content_length, chunked) {
        // Both at once is how request smuggling starts: refuse to guess which one wins.
        (Some(_), true) => return Err(Rejection::BadRequest),
        (Some(length), false) => Body::Length(length),
        (None, true) => Body::Chunked,
        (None, false) => Body::Length(0),
    };
    let connection = match (request.version, keep_alive) {
        _ if close => Connection::Close,
        (Some(1), _) => Connection::Persistent,
        (_, true) => Connection::KeepAlive,
        // HTTP/1.0 closes after every answer unless the client asks otherwise.
        (_, false) => Connection::Close,
    };
    let head_only = request.method == Some("HEAD");
    Ok(Status::Complete((
        length,
        Request {
            body,
            connection,
            head_only,
        },
    )))
}

/// Reads a `Content-Length` value: one or more ASCII digits and nothing else, so `+5`,
/// `-1`, `5 5` and values that overflow a `u64` are all refused.
fn parse_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a whole head and returns the request, panicking if it is not complete.
    fn request(head: &str) -> Result<Request, Rejection> {
        match parse(head.as_bytes())? {
            Status::Complete((length, request)) => {
                assert_eq!(length, head.len());
                Ok(request)
            }
            Status::Partial => panic!("head {head:?} is incomplete"),
        }
    }

    fn body(head: &str) -> Result<Body, Rejection> {
        request(head).map(|request| request.body)
    }

    fn connection(head: &str) -> Connection {
        request(head).unwrap().connection
    }

    #[test]
    fn a_head_without_its_blank_line_is_partial() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: x\r\n"), Ok(Status::Partial));
    }

    #[test]
    fn a_request_without_length_or_encoding_has_no_body() {
        assert_eq!(body("GET / HTTP/1.1\r\n\r\n"), Ok(Body::Length(0)));
    }

    #[test]
    fn content_length_gives_the_body_length() {
        let head = "POST / HTTP/1.1\r\ncontent-length: 42\r\n\r\n";
        assert_eq!(body(head), Ok(Body::Length(42)));
    }

    #[test]
    fn content_length_must_be_plain_digits() {
        for value in ["", "+5", "-1", "5 5", "0x10", "5,5", "18446744073709551616"] {
            let head = format!("POST / HTTP/1.1\r\nContent-Length: {value}\r\n\r\n");
            assert_eq!(body(&head), Err(Rejection::BadRequest), "{value:?}");
        }
    }

    #[test]
    fn content_length_sent_twice_is_refused() {
        let head = "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n";
        assert_eq!(body(head), Err(Rejection::BadRequest));
    }

    #[test]
    fn chunked_is_the_only_transfer_encoding_understood() {
        let head = "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n";
        assert_eq!(body(head), Ok(Body::Chunked));
        for value in ["gzip", "gzip, chunked", "identity"] {
            let head = format!("POST / HTTP/1.1\r\nTransfer-Encoding: {value}\r\n\r\n");
            assert_eq!(body(&head), Err(Rejection::BadRequest), "{value:?}");
        }
    }

    #[test]
    fn content_length_and_transfer_encoding_together_are_refused() {
        let head = "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(body(head), Err(Rejection::BadRequest));
    }

    #[test]
    fn http_1_1_keeps_the_connection_unless_told_to_close() {
        assert_eq!(connection("GET / HTTP/1.1\r\n\r\n"), Connection::Persistent);
        let keep = "GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n";
        assert_eq!(connection(keep), Connection::Persistent);
        let close = "GET / HTTP/1.1\r\nConnection: Upgrade ,CLOSE\r\n\r\n";
        assert_eq!(connection(close), Connection::Close);
    }

    #[test]
    fn http_1_0_closes_unless_asked_to_keep_alive() {
        assert_eq!(connection("GET / HTTP/1.0\r\n\r\n"), Connection::Close);
        let keep = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
        assert_eq!(connection(keep), Connection::KeepAlive);
        let both = "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n";
        assert_eq!(connection(both), Connection::Close);
    }

    #[test]
    fn only_the_head_method_is_head_only() {
        assert!(request("HEAD / HTTP/1.1\r\n\r\n").unwrap().head_only);
        assert!(!request("GET / HTTP/1.1\r\n\r\n").unwrap().head_only);
    }

    #[test]
    fn malformed_heads_are_bad_requests() {
        for head in [
            "GET /\r\n\r\n",
            "GET / HTTP/2.0\r\n\r\n",
            "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
        ] {
            assert_eq!(
                parse(head.as_bytes()),
                Err(Rejection::BadRequest),
                "{head:?}"
            );
        }
    }

    #[test]
    fn sixty_five_header_fields_are_too_many() {
        let fields = "X: y\r\n".repeat(MAX_HEADERS);
        let head = format!("GET / HTTP/1.1\r\n{fields}\r\n");
        assert!(request(&head).is_ok());
        let head = format!("GET / HTTP/1.1\r\n{fields}X: y\r\n\r\n");
        assert_eq!(request(&head), Err(Rejection::HeadTooLarge));
    }

    #[test]
    fn a_head_of_8_kib_is_the_longest_allowed() {
        let prefix = "GET / HTTP/1.1\r\nX-Pad: ";
        let padding = "a".repeat(MAX_HEAD - prefix.len() - "\r\n\r\n".len());
        let head = format!("{prefix}{padding}\r\n\r\n");
        assert_eq!(head.len(), MAX_HEAD);
        assert!(request(&head).is_ok());
        let head = format!("{prefix}a{padding}\r\n\r\n");
        assert_eq!(parse(head.as_bytes()), Err(Rejection::HeadTooLarge));
    }
}
