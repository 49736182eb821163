//! hyper's HTTP/2 server and client, both on zenio through `zenio::hyper` (h2c with prior
//! knowledge), carry ten requests at once on one connection. `ZenioExecutor` runs each
//! stream as a zenio task, and nothing it runs is `Send`: not the stream (zenio's
//! `TcpStream` holds an `Rc`), not the server's state (`Rc`s), which an executor that asks
//! for `Send` would refuse.

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use async_lock::Barrier;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{client, server, Request, Response, StatusCode, Version};
use zenio::hyper::{ZenioExecutor, ZenioIo};

/// Requests in flight at once on the one connection.
const REQUESTS: usize = 10;

/// Long enough to mean "hung": only a hang ever waits this long.
const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn ten_concurrent_requests_share_one_http2_connection() -> io::Result<()> {
    zenio::block_on(zenio::timeout(PATIENCE, async {
        let listener = zenio::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        // The server accepts one connection only: every request must come over it.
        let server = zenio::spawn(async move {
            let (stream, _peer) = listener.accept().await?;
            serve_all_at_once(stream).await
        });

        let stream = zenio::TcpStream::connect(addr).await?;
        let (sender, connection) =
            client::conn::http2::handshake(ZenioExecutor::new(), ZenioIo::new(stream))
                .await
                .map_err(io::Error::other)?;
        let connection = zenio::spawn(connection);
        // Each request is a task of its own, with its own handle on the connection.
        let requests: Vec<_> = (0..REQUESTS)
            .map(|i| zenio::spawn(get(sender.clone(), addr, i)))
            .collect();
        for (i, request) in requests.into_iter().enumerate() {
            let (status, body) = request.await.expect("a request task does not panic")?;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, format!("stream for /{i}"));
        }
        // Dropping the last sender closes the connection; both ends finish cleanly.
        drop(sender);
        connection
            .await
            .expect("the client's connection task does not panic")
            .map_err(io::Error::other)?;
        let answered = server.await.expect("the server task does not panic")?;
        assert_eq!(answered, REQUESTS);
        Ok(())
    }))?
}

/// Serves one HTTP/2 connection; no request is answered before all [`REQUESTS`] have
/// arrived, so the test hangs (and fails) unless they are in flight together. Returns how
/// many requests it answered.
async fn serve_all_at_once(stream: zenio::TcpStream) -> io::Result<usize> {
    let all_arrived = Rc::new(Barrier::new(REQUESTS));
    let answered = Rc::new(Cell::new(0));
    let service = {
        let answered = Rc::clone(&answered);
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let all_arrived = Rc::clone(&all_arrived);
            let answered = Rc::clone(&answered);
            async move {
                assert_eq!(request.version(), Version::HTTP_2);
                all_arrived.wait().await;
                answered.set(answered.get() + 1);
                let answer = format!("stream for {}", request.uri().path());
                Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(answer))))
            }
        })
    };
    server::conn::http2::Builder::new(ZenioExecutor::new())
        .serve_connection(ZenioIo::new(stream), service)
        .await
        .map_err(io::Error::other)?;
    Ok(answered.get())
}

/// GETs `/{i}`; returns the answer's status and body.
async fn get(
    mut sender: client::conn::http2::SendRequest<Empty<Bytes>>,
    addr: SocketAddr,
    i: usize,
) -> io::Result<(StatusCode, String)> {
    let request = Request::get(format!("http://{addr}/{i}"))
        .body(Empty::new())
        .map_err(io::Error::other)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(io::Error::other)?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(io::Error::other)?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}
