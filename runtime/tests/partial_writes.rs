//! A write larger than the socket buffers: `write_all` sends what the kernel takes, waits for
//! the socket to drain, and goes on, so a slow reader still gets every byte, in order.

use std::cell::Cell;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::time::Duration;

use zenio::{TcpListener, TcpStream};

/// 16 MiB: far more than the loopback socket buffers hold.
const TOTAL: usize = 16 << 20;

/// Generous bound so that a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(120);

/// The byte at `position`: a scramble of the position, so a byte out of place shows.
fn byte_at(position: usize) -> u8 {
    ((position as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8
}

/// A task's outcome as an `io::Result`.
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

#[test]
fn a_large_write_to_a_slow_reader_arrives_whole_and_in_order() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let client_is_reading = Rc::new(Cell::new(false));

        let server = zenio::spawn({
            let client_is_reading = client_is_reading.clone();
            async move {
                let (stream, _) = listener.accept().await?;
                // Start once the client waits in a read, so that its socket is registered and
                // every registration from here on is the server's.
                while !client_is_reading.get() {
                    zenio::yield_now().await;
                }
                let data: Vec<u8> = (0..TOTAL).map(byte_at).collect();
                let before = zenio::stats().registrations;
                stream.write_all(&data).await?;
                let registrations = zenio::stats().registrations - before;
                stream.shutdown(Shutdown::Write)?;
                Ok::<_, io::Error>(registrations)
            }
        });

        let client = TcpStream::connect(addr).await?;
        let mut buf = [0u8; 1024];
        let mut received = 0;
        client_is_reading.set(true);
        loop {
            // Small reads with a yield between them: a deliberately slow reader.
            let n = client.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            if let Some(bad) = (0..n).find(|&i| buf[i] != byte_at(received + i)) {
                panic!("byte {} is wrong", received + bad);
            }
            received += n;
            zenio::yield_now().await;
        }
        assert_eq!(received, TOTAL, "every byte arrived before EOF");

        let registrations = joined(server.await)??;
        assert_eq!(
            registrations, 1,
            "the write had to wait (registering the server's socket), and registered it once"
        );
        Ok(())
    }))?
}
