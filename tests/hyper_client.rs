//! hyper's HTTP/1 client, running on zenio through the same adapter as `--style hyper`,
//! asks every style of `hello-server` for `hello`, several times over one connection: hyper
//! on zenio in both directions, and each hello style against a client written by others.

mod support;

use std::io;
use std::net::SocketAddr;

use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Request, StatusCode};
use support::{Server, PATIENCE};
use zenio::hyper::ZenioIo;

/// Requests sent over each connection.
const REQUESTS: usize = 5;

#[test]
fn hyper_client_on_zenio_gets_hello_from_every_style() -> io::Result<()> {
    for style in ["callback", "coroutine", "hyper"] {
        let server = Server::start(env!("CARGO_BIN_EXE_hello-server"), &["--style", style]);
        let bodies = zenio::block_on(zenio::timeout(PATIENCE, ask_for_hello(server.addr)))??;
        assert_eq!(bodies, vec!["hello"; REQUESTS], "--style {style}");
    }
    Ok(())
}

/// Sends [`REQUESTS`] GETs over one connection to `addr`; returns the bodies of the answers,
/// checking that each is a `200` in plain text.
async fn ask_for_hello(addr: SocketAddr) -> io::Result<Vec<String>> {
    let stream = zenio::TcpStream::connect(addr).await?;
    let (mut sender, connection) = http1::handshake(ZenioIo::new(stream))
        .await
        .map_err(io::Error::other)?;
    // The connection is the future that does the reading and writing; it runs in its own
    // task while this one sends requests through `sender`.
    let connection = zenio::spawn(connection);
    let mut bodies = Vec::new();
    for _ in 0..REQUESTS {
        let request = Request::get("/")
            .header(HOST, addr.to_string())
            .body(Empty::<&[u8]>::new())
            .map_err(io::Error::other)?;
        let response = sender
            .send_request(request)
            .await
            .map_err(io::Error::other)?;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/plain");
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(io::Error::other)?;
        bodies.push(String::from_utf8_lossy(&body.to_bytes()).into_owned());
    }
    // Dropping the sender ends the connection cleanly.
    drop(sender);
    let ended = connection
        .await
        .expect("the connection task does not panic");
    ended.map_err(io::Error::other)?;
    Ok(bodies)
}
