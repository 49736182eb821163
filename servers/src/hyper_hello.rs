//! The hello protocol as a hyper service: what `hello-server --style hyper` runs on zenio,
//! and the `hyper-tokio-server` of `benches/` runs on tokio, so that the two differ only in
//! their runtime.
//!
//! hyper does the HTTP/1.1 that [`HelloSession`](crate::protocol::HelloSession) does by
//! hand: keep-alive, pipelining, `Connection: close`, HTTP/1.0, bodies, 400 and 431. The
//! service only answers; [`http1()`] sets hyper up so that the answer is byte for byte the
//! hello protocol's [`HELLO`](crate::protocol::hello::HELLO).

use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::rt::Timer;
use hyper::server::conn::http1;
use hyper::{Request, Response};

use crate::conversation::Limits;
use crate::protocol::hello::MAX_HEAD;

/// The body of every answer.
pub type HelloBody = Full<&'static [u8]>;

/// hyper's HTTP/1 server, set up to speak like the hello protocol: header names in title
/// case (`Content-Length`, not hyper's `content-length`), no `Date` header, 431 for a head
/// over [`MAX_HEAD`] bytes, and answers still sent to a client that has shut down its
/// sending side. (hyper's limit on the number of header fields stays its default, 100:
/// lowering it makes hyper allocate the headers of every request on the heap.)
///
/// `timer` is the runtime's clock, for hyper's header-read timeout. hyper has one clock for
/// both of [`Limits`]' timeouts: it runs from the moment hyper waits for a request head until
/// the head is whole. It gets the shorter of the two, so an idle connection may be closed
/// sooner than `limits.idle`.
pub fn http1(timer: impl Timer + Send + Sync + 'static, limits: &Limits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .title_case_headers(true)
        .auto_date_header(false)
        .max_header_size(MAX_HEAD)
        .half_close(true)
        .timer(timer)
        .header_read_timeout(limits.idle.min(limits.request));
    builder
}

/// Answers a request with `200 OK`, `Content-Type: text/plain` and `hello`, once its body
/// has been read and thrown away, as [`HelloSession`](crate::protocol::HelloSession) does,
/// so that the next request is found where it starts. The `Content-Length` is written here,
/// not left to hyper: hyper would put it after the `Connection: close` it adds, and the
/// hello protocol (and the load generator of `benches/`, which checks every byte) has it
/// before.
pub async fn hello(request: Request<Incoming>) -> Result<Response<HelloBody>, hyper::Error> {
    let mut body = request.into_body();
    while let Some(frame) = body.frame().await {
        frame?;
    }
    let mut response = Response::new(Full::new(&b"hello"[..]));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from_static("5"));
    Ok(response)
}
