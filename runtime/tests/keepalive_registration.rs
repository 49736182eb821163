//! A keep-alive connection pays for epoll once: its socket is registered the first time a read
//! would block, and every later wait for the next request reuses that registration
//! (edge-triggered, never modified). Each request costs about one `epoll_wait`.

use std::io::{self, Read, Write};
use std::thread;

use zenio::TcpListener;

const ROUND_TRIPS: usize = 100;
const REQUEST_LEN: usize = 16;

#[test]
fn a_hundred_round_trips_register_the_socket_at_most_once() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;

    // The client is a plain blocking std socket on its own thread: nothing it does touches the
    // server runtime's counters.
    let client = thread::spawn(move || -> io::Result<()> {
        let mut stream = std::net::TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        for i in 0..ROUND_TRIPS {
            let request = format!("request {i:>7}\n");
            assert_eq!(request.len(), REQUEST_LEN);
            stream.write_all(request.as_bytes())?;
            let mut response = [0u8; REQUEST_LEN];
            stream.read_exact(&mut response)?;
            assert_eq!(response, request.to_ascii_uppercase().as_bytes());
        }
        Ok(())
    });

    let (registrations, waits) = zenio::block_on(async {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let before = zenio::stats();
        let mut request = [0u8; REQUEST_LEN];
        for _ in 0..ROUND_TRIPS {
            let mut got = 0;
            while got < REQUEST_LEN {
                match stream.read(&mut request[got..]).await? {
                    0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                    n => got += n,
                }
            }
            stream.write_all(&request.to_ascii_uppercase()).await?;
        }
        let mut buf = [0u8; 1];
        assert_eq!(
            stream.read(&mut buf).await?,
            0,
            "the client closes after the last answer"
        );
        let after = zenio::stats();
        Ok::<_, io::Error>((
            after.registrations - before.registrations,
            after.reactor_waits - before.reactor_waits,
        ))
    })?;
    client.join().expect("client thread did not panic")?;

    assert!(
        registrations <= 1,
        "{registrations} registrations over {ROUND_TRIPS} round trips; at most 1 expected"
    );
    // One wait per request is the design; allow two, plus the final EOF.
    let bound = 2 * ROUND_TRIPS as u64 + 2;
    assert!(
        waits <= bound,
        "{waits} epoll_waits for {ROUND_TRIPS} requests (bound {bound})"
    );
    Ok(())
}
