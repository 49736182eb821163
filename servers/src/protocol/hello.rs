//! The hello protocol: every HTTP/1.1 request gets the answer `hello`.
//!
//! This is the seed's fastest web server, taught enough HTTP/1.1 to serve real clients
//! (`curl`, browsers, `wrk`): it keeps connections open between requests, answers
//! pipelined requests in order, reads and discards request bodies so that the next request
//! is found where it starts, and refuses what it cannot read with `400` or `431`.
//!
//! [`HelloSession`] takes each request in three steps: the head, parsed by `httparse` (see
//! `request.rs`); the body, skipped (see `chunked.rs` for chunked bodies); then the answer,
//! one of the constants below. Python's `h11` library is built the same way: bytes go in,
//! events come out, and the asyncio `Protocol` around it does the I/O.

mod chunked;
mod request;
#[cfg(test)]
mod tests;

use httparse::Status;

use self::chunked::ChunkedDecoder;
use self::request::{Body, Connection, Rejection, Request};
pub use self::request::{MAX_HEAD, MAX_HEADERS};
use super::{Flow, Session};

/// The answer to a request that leaves the connection open, as HTTP/1.1 does by default.
pub const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

/// The answer to an HTTP/1.0 request that asked for `Connection: keep-alive`.
pub const HELLO_KEEP_ALIVE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
    Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello";

/// The answer to a request after which the connection closes.
pub const HELLO_THEN_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
    Content-Length: 5\r\nConnection: close\r\n\r\nhello";

/// The answer to a request that is not valid HTTP/1.x; the connection then closes.
pub const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// The answer to a request head over [`MAX_HEAD`] bytes or [`MAX_HEADERS`] fields; the
/// connection then closes.
pub const HEAD_TOO_LARGE: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\n\
    Content-Length: 0\r\nConnection: close\r\n\r\n";

/// The body every `hello` answer ends with, left out of the answer to `HEAD`.
const BODY: &[u8] = b"hello";

/// One connection's side of the hello protocol.
///
/// Call [`feed`](Self::feed) with every chunk of bytes read from the client, write out
/// what it appended, and call [`unfinished_at_eof`](Session::unfinished_at_eof) when the client
/// closes.
#[derive(Debug, Default)]
pub struct HelloSession {
    /// The start of a request head that is split across reads, at most [`MAX_HEAD`] bytes;
    /// empty otherwise. A head that arrives in one read is parsed where it lies, so a client
    /// that sends whole requests never makes this allocate.
    head: Vec<u8>,
    /// Which part of a request the next byte belongs to.
    state: State,
    /// Answers written so far (refusals included), for the server's summary.
    answered: u64,
}

/// The parts of a request, in the order they arrive.
#[derive(Debug, Default)]
enum State {
    /// Waiting for a request head, whose start may already be in `HelloSession::head`.
    #[default]
    Head,
    /// Skipping a `Content-Length` body.
    Body {
        /// How many bytes of the body are still to come; at least one.
        remaining: u64,
        /// What to answer once they have.
        reply: Reply,
    },
    /// Skipping a chunked body.
    Chunked {
        /// Follows the chunks to the end of the body.
        decoder: ChunkedDecoder,
        /// What to answer once it has.
        reply: Reply,
    },
    /// An answer that closes the connection has been written; input is ignored, and every
    /// feed returns how the connection ends (`Close`, or `Reject` after an error answer).
    Closed(Flow),
}

/// The answer owed to a request, and what the connection does after it.
#[derive(Clone, Copy, Debug)]
struct Reply {
    /// The bytes of the answer: one of the constants above, or for `HEAD` one without its body.
    bytes: &'static [u8],
    /// Whether the connection stays open after the answer.
    flow: Flow,
}

/// The reply that refuses a request with `bytes` ([`BAD_REQUEST`], [`HEAD_TOO_LARGE`]): the
/// client broke the protocol, so a lingering close follows.
fn refuse(bytes: &'static [u8]) -> Reply {
    let flow = Flow::Reject;
    Reply { bytes, flow }
}

impl Session for HelloSession {
    /// Feeds bytes read from the client; appends every answer now owed to `out`.
    ///
    /// All the requests in `input` are answered, in order. Returns [`Flow::Close`] once an
    /// answer that ends the connection has been appended, and from then on ignores input.
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Flow {
        loop {
            match &mut self.state {
                State::Closed(flow) => return *flow,
                // Everything read so far has been used: wait for the next read.
                _ if input.is_empty() => return Flow::Continue,

                // A head: parse it, then skip its body or answer at once.
                State::Head => match self.read_head(input) {
                    Ok(Status::Complete((used, request))) => {
                        input = &input[used..];
                        self.start_body(request, out);
                    }
                    Ok(Status::Partial) => return Flow::Continue,
                    Err(Rejection::BadRequest) => self.reply(refuse(BAD_REQUEST), out),
                    Err(Rejection::HeadTooLarge) => self.reply(refuse(HEAD_TOO_LARGE), out),
                },

                // A Content-Length body: skip what this read holds of it.
                State::Body { remaining, reply } => {
                    let skipped = (*remaining).min(input.len() as u64);
                    input = &input[skipped as usize..];
                    *remaining -= skipped;
                    if *remaining == 0 {
                        let reply = *reply;
                        self.reply(reply, out);
                    }
                }

                // A chunked body: let the decoder find its end.
                State::Chunked { decoder, reply } => match decoder.decode(input) {
                    Ok(Status::Complete(used)) => {
                        input = &input[used..];
                        let reply = *reply;
                        self.reply(reply, out);
                    }
                    Ok(Status::Partial) => return Flow::Continue,
                    Err(_) => self.reply(refuse(BAD_REQUEST), out),
                },
            }
        }
    }

    /// Whether a request has begun and not yet been read whole (head or body pending).
    fn in_request(&self) -> bool {
        match self.state {
            State::Head => !self.head.is_empty(),
            State::Body { .. } | State::Chunked { .. } => true,
            State::Closed(_) => false,
        }
    }

    fn answered(&self) -> u64 {
        self.answered
    }

    /// The client closed its side: says so if it was in the middle of a request. The
    /// session is closed afterwards.
    fn unfinished_at_eof(&mut self) -> Option<String> {
        let pending = self.in_request();
        self.state = State::Closed(Flow::Close);
        pending.then(|| "part of a request".to_string())
    }
}

impl HelloSession {
    /// Reads a request head from the front of `input`, continuing any that earlier reads
    /// began. Returns how many bytes of `input` the head took, or `Partial` once all of
    /// `input` has been kept for the next read.
    fn read_head(&mut self, input: &[u8]) -> Result<Status<(usize, Request)>, Rejection> {
        let kept = self.head.len();
        let parsed = if kept == 0 {
            // Fast path: the head starts in this read, so parse it where it lies.
            request::parse(input)
        } else {
            // Slow path: add this read to the start we kept, and parse it all again.
            // httparse cannot resume a parse, but the 8 KiB cap bounds the work.
            let room = MAX_HEAD - kept;
            self.head.extend_from_slice(&input[..input.len().min(room)]);
            request::parse(&self.head)
        };
        match parsed? {
            // The earlier reads held no complete head, so this one supplied its end.
            Status::Complete((length, request)) => {
                self.head.clear();
                Ok(Status::Complete((length - kept, request)))
            }
            // `parse` said Partial, not too large, so all of `input` fits under the cap.
            Status::Partial => {
                if kept == 0 {
                    self.head.extend_from_slice(input);
                }
                Ok(Status::Partial)
            }
        }
    }

    /// Starts on the body of `request`, answering at once if it has none.
    fn start_body(&mut self, request: Request, out: &mut Vec<u8>) {
        let reply = reply_to(&request);
        // Simplified: we ignore `Expect: 100-continue`, so a client that sends it waits a
        // moment (curl: one second) before sending the body anyway. hyper instead sends
        // `100 Continue` as soon as the application starts reading the body.
        match request.body {
            Body::Length(0) => self.reply(reply, out),
            Body::Length(remaining) => self.state = State::Body { remaining, reply },
            Body::Chunked => {
                let decoder = ChunkedDecoder::new();
                self.state = State::Chunked { decoder, reply };
            }
        }
    }

    /// Appends `reply` to `out`, and waits for the next request or closes.
    fn reply(&mut self, reply: Reply, out: &mut Vec<u8>) {
        out.extend_from_slice(reply.bytes);
        self.answered += 1;
        self.state = match reply.flow {
            Flow::Continue => State::Head,
            closing => State::Closed(closing),
        };
    }
}

/// The `hello` owed to a request that was read without trouble.
fn reply_to(request: &Request) -> Reply {
    let (bytes, flow) = match request.connection {
        Connection::Persistent => (HELLO, Flow::Continue),
        Connection::KeepAlive => (HELLO_KEEP_ALIVE, Flow::Continue),
        Connection::Close => (HELLO_THEN_CLOSE, Flow::Close),
    };
    // The answer to HEAD has the headers a GET would get, but never a body.
    let bytes = if request.head_only {
        &bytes[..bytes.len() - BODY.len()]
    } else {
        bytes
    };
    Reply { bytes, flow }
}
