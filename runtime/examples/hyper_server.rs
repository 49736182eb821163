//! An HTTP/2 server on zenio, through `zenio::hyper`: h2c with prior knowledge (plain-text
//! HTTP/2, no upgrade from HTTP/1), answering every request with its number. The count is an
//! `Rc<Cell<_>>` shared by every connection: zenio runs them all on this one thread, so the
//! service needs no lock, and hyper's HTTP/2 accepts it because `ZenioExecutor` does not ask
//! for `Send`.
//!
//! Run: `cargo run -p zenio --example hyper_server -- 3000`
//! Poke: `curl --http2-prior-knowledge http://127.0.0.1:3000/`

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper::{Request, Response};
use zenio::hyper::{ZenioExecutor, ZenioIo, ZenioTimer};

fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "3000".into());
    zenio::block_on(async {
        let listener = zenio::TcpListener::bind(format!("127.0.0.1:{port}"))?;
        println!(
            "listening on http://{}/ (HTTP/2 only)",
            listener.local_addr()?
        );
        let served = Rc::new(Cell::new(0_u64));
        // One builder for every connection: the executor runs each stream as a zenio task,
        // the timer paces HTTP/2's keep-alive pings.
        let mut http = http2::Builder::new(ZenioExecutor::new());
        http.timer(ZenioTimer::new());
        loop {
            let (stream, peer) = listener.accept().await?;
            let served = Rc::clone(&served);
            let service = service_fn(move |request: Request<Incoming>| {
                served.set(served.get() + 1);
                let answer = format!("request {} ({})\n", served.get(), request.uri().path());
                async move { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(answer)))) }
            });
            let connection = http.serve_connection(ZenioIo::new(stream), service);
            zenio::spawn(async move {
                if let Err(error) = connection.await {
                    eprintln!("{peer}: {error}");
                }
            })
            .detach();
        }
    })
}
