//! One conversation with blocking calls: `recv`, feed the session, `sendall`, repeat.
//!
//! This is the seed's `handle_conversation`, shared by the `serial`, `threads` and
//! `prefork` architectures: while it waits in `recv`, its thread (or process) can do
//! nothing else.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

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
        if flow == Flow::Close {
            return Ok(None);
        }
    }
}
