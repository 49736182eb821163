//! `ZenioTimer` gives hyper's HTTP/1 server its header-read timeout: a client that stops in
//! the middle of a request head has its connection closed, even after a first request on
//! the same connection was answered (hyper then moves its timer with `Timer::reset`).

use std::convert::Infallible;
use std::io;
use std::time::Duration;

use futures_lite::AsyncReadExt;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{server, Response};
use zenio::hyper::{ZenioIo, ZenioTimer};

/// hyper's header-read timeout in this test.
const HEAD_TIMEOUT: Duration = Duration::from_millis(200);

/// Long enough to mean "hung": only a hang ever waits this long.
const PATIENCE: Duration = Duration::from_secs(30);

/// A whole request, answered at once.
const WHOLE_REQUEST: &[u8] = b"GET /first HTTP/1.1\r\nHost: test\r\n\r\n";

/// The start of a request whose head never ends.
const HALF_A_HEAD: &[u8] = b"GET /second HTTP/1.1\r\nHost: te";

#[test]
fn a_request_head_that_never_ends_closes_the_connection() -> io::Result<()> {
    zenio::block_on(zenio::timeout(PATIENCE, async {
        let listener = zenio::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = zenio::spawn(async move {
            let (stream, _peer) = listener.accept().await?;
            let hello = hyper::service::service_fn(|_request| async {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
            });
            let mut http = server::conn::http1::Builder::new();
            http.timer(ZenioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT);
            io::Result::Ok(http.serve_connection(ZenioIo::new(stream), hello).await)
        });

        let mut client = zenio::TcpStream::connect(addr).await?;
        client.write_all(WHOLE_REQUEST).await?;
        client.write_all(HALF_A_HEAD).await?;
        // The answer to the first request, then EOF: the server has closed the connection.
        let mut received = Vec::new();
        client.read_to_end(&mut received).await?;
        let received = String::from_utf8_lossy(&received);
        assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
        assert!(received.ends_with("\r\n\r\nhello"), "{received}");

        let served = server.await.expect("the server task does not panic")?;
        let error = served.expect_err("the connection ends on the timeout");
        assert!(error.is_timeout(), "{error}");
        Ok(())
    }))?
}
