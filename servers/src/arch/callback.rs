//! `callback`: asyncio's `Protocol` style (the seed's `srv_asyncio1.py`).
//!
//! [`SessionProtocol`] is the seed's `ZenServer(asyncio.Protocol)`: `data_received` feeds
//! the bytes to the session, which writes its answers straight into the transport's buffer;
//! zenio sends them as soon as the callback returns. `zenio::serve` is
//! `loop.create_server(ZenServer, host, port)`.

use std::io;
use std::net::SocketAddr;

use zenio::{Protocol, TcpListener, Transport};

use super::{announce, bind_error, LINGER_LIMIT, LINGER_TIME};
use crate::log;
use crate::protocol::{Flow, Session};

/// Binds `addr` and serves every client through a [`SessionProtocol`].
pub async fn run<S: Session>(addr: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::bind(addr).map_err(|e| bind_error(addr, e))?;
    announce(listener.local_addr()?)?;
    zenio::serve(listener, SessionProtocol::<S>::default).await
}

/// A protocol session seen through asyncio's callbacks.
#[derive(Default)]
pub struct SessionProtocol<S> {
    /// The protocol state.
    session: S,
    /// Where answers go; set by `connection_made`.
    transport: Option<Transport>,
    /// What the client left unfinished when it closed, for the last log line.
    unfinished: Option<String>,
    /// Bytes discarded since the session rejected the client (`None`: not rejected).
    lingering: Option<usize>,
}

impl<S: Session> Protocol for SessionProtocol<S> {
    fn connection_made(&mut self, transport: Transport) {
        log::accepted(transport.peer_addr());
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        let Some(transport) = &self.transport else {
            return;
        };
        // A rejected client: discard what it still sends (see `Flow::Reject`).
        if let Some(discarded) = &mut self.lingering {
            *discarded += data.len();
            if *discarded > LINGER_LIMIT {
                transport.close();
            }
            return;
        }
        match transport.write_with(|output| self.session.feed(data, output)) {
            Flow::Continue => {}
            Flow::Close => transport.close(),
            Flow::Reject => {
                self.lingering = Some(0);
                transport.write_eof();
                let transport = transport.clone();
                zenio::call_later(LINGER_TIME, move || transport.close()).detach();
            }
        }
    }

    fn eof_received(&mut self) -> bool {
        self.unfinished = self.session.unfinished_at_eof();
        false
    }

    fn connection_lost(&mut self, error: Option<io::Error>) {
        let peer = self.transport.as_ref().map(Transport::peer_addr);
        let peer = peer.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
        log::closed(peer, error.map_or(Ok(self.unfinished.take()), Err));
    }
}
