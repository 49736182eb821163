//! hyper's HTTP/1 server and client, both on zenio through `zenio::hyper`, keep one
//! connection alive across several requests, each answered with its own body.

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::HOST;
use hyper::{client, server, Request, Response, StatusCode};
use zenio::hyper::ZenioIo;

/// Requests sent over the one connection.
const REQUESTS: usize = 5;

/// Long enough to mean "hung": only a hang ever waits this long.
const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn several_requests_share_one_keep_alive_connection() -> io::Result<()> {
    zenio::block_on(zenio::timeout(PATIENCE, async {
        let listener = zenio::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        // The server accepts one connection only: every request must come over it.
        let server = zenio::spawn(async move {
            let (stream, _peer) = listener.accept().await?;
            serve_echo(stream).await
        });

        let stream = zenio::TcpStream::connect(addr).await?;
        let (mut sender, connection) = client::conn::http1::handshake(ZenioIo::new(stream))
            .await
            .map_err(io::Error::other)?;
        let connection = zenio::spawn(connection);
        for i in 0..REQUESTS {
            let (status, body) = post(&mut sender, addr, format!("request {i}")).await?;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, format!("echo: request {i}"));
        }
        // Dropping the sender closes the connection; both ends finish cleanly.
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

/// Serves one connection with a service that echoes each request's body; returns how many
/// requests it answered.
async fn serve_echo(stream: zenio::TcpStream) -> io::Result<usize> {
    let answered = Rc::new(Cell::new(0));
    let echo = {
        let answered = Rc::clone(&answered);
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let answered = Rc::clone(&answered);
            async move {
                let body = request.into_body().collect().await?.to_bytes();
                answered.set(answered.get() + 1);
                let mut answer = b"echo: ".to_vec();
                answer.extend_from_slice(&body);
                Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(answer))))
            }
        })
    };
    server::conn::http1::Builder::new()
        .serve_connection(ZenioIo::new(stream), echo)
        .await
        .map_err(io::Error::other)?;
    Ok(answered.get())
}

/// POSTs `body` to `/echo`; returns the answer's status and body.
async fn post(
    sender: &mut client::conn::http1::SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    body: String,
) -> io::Result<(StatusCode, String)> {
    let request = Request::post("/echo")
        .header(HOST, addr.to_string())
        .body(Full::new(Bytes::from(body)))
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
