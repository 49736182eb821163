//! One conversation with blocking calls: `recv`, feed the session, `sendall`, repeat.
//!
//! This is the seed's `handle_conversation`, shared by the `serial`, `threads` and
//! `prefork` architectures: while it waits in `recv`, its thread (or process) can do
//! nothing else.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};

use super::{LINGER_LIMIT, LINGER_TIME};
use crate::log;
use crate::protocol::{Flow, Session};

/// Serves one client until it closes, then logs how it ended.
pub fn converse<S: Session>(mut stream: TcpStream, peer: SocketAddr) {
    log::accepted(peer);
    let outcome = talk(&mut stream, S::default());
    log::closed(peer, outcome);
}

/// The conversation loop; returns what the client left unfinished at EOF.
fn talk<S: Session>(stream: &mut TcpStream, mut session: S) -> io::Result<Option<String>> {
    let mut buffer = [0; 4096];
    let mut output = Vec::new();
    loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) => return Ok(session.unfinished_at_eof()),
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let flow = session.feed(&buffer[..n], &mut output);
        stream.write_all(&output)?;
        output.clear();
        match flow {
            Flow::Continue => {}
            Flow::Close => return Ok(None),
            Flow::Reject => return linger(stream, &mut buffer).map(|()| None),
        }
    }
}

/// A lingering close (see [`Flow::Reject`]): FIN, then discard what the client still sends,
/// for at most [`LINGER_TIME`] between reads and [`LINGER_LIMIT`] bytes.
fn linger(stream: &mut TcpStream, buffer: &mut [u8]) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(LINGER_TIME))?;
    let mut discarded = 0;
    while discarded < LINGER_LIMIT {
        match stream.read(buffer) {
            Ok(0) => break,
            Ok(n) => discarded += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    Ok(())
}
