//! `callback`: asyncio's `Protocol` style (the seed's `srv_asyncio1.py`).
//!
//! [`SessionProtocol`] is the seed's `ZenServer(asyncio.Protocol)`: `data_received` feeds
//! the bytes to the session, which writes its answers straight into the transport's buffer;
//! zenio sends them as soon as the callback returns. `zenio::serve` is
//! `loop.create_server(ZenServer, host, port)`; here the accept loop is ours (for graceful
//! shutdown), and `zenio::serve_connection` runs the protocol on each connection. At
//! shutdown every transport is told to close once idle.

use std::io;
use std::time::Instant;

use zenio::{Protocol, Transport};

use super::accept_loop::AcceptLoop;
use super::{LINGER_LIMIT, LINGER_TIME};
use crate::limits::Clock;
use crate::log;
use crate::protocol::{Flow, Session};
use crate::stop::{sweep_interval, OpenConnection, Stop, Summary};

/// Serves with a [`SessionProtocol`] per connection until the stop signal (see
/// [`AcceptLoop`]). A sweeper task closes the connections whose time has run out (see
/// [`Limits`](crate::limits::Limits)). Returns what it served.
pub async fn serve<S: Session>(accept: AcceptLoop) -> Summary {
    let sweeper = {
        let (stop, limits) = (accept.stop.clone(), accept.limits);
        zenio::spawn(async move {
            let mut ticks = zenio::interval(sweep_interval(&limits));
            loop {
                ticks.tick().await;
                stop.sweep(Instant::now(), &limits);
            }
        })
    };
    let summary = accept
        .serve(|stop, stream, peer| {
            let protocol = SessionProtocol::<S>::new(stop);
            zenio::spawn(zenio::serve_connection(stream, peer, protocol)).detach();
        })
        .await;
    sweeper.abort();
    summary
}

/// A protocol session seen through asyncio's callbacks.
pub struct SessionProtocol<S> {
    /// The protocol state.
    session: S,
    /// Where answers go; set by `connection_made`.
    transport: Option<Transport>,
    /// Counts this connection as open, for graceful shutdown and the summary.
    open: OpenConnection,
    /// What the client left unfinished when it closed, for the last log line.
    unfinished: Option<String>,
    /// Bytes discarded since the session rejected the client (`None`: not rejected).
    lingering: Option<usize>,
}

impl<S: Session> SessionProtocol<S> {
    /// A protocol for a new connection of the runtime whose shutdown state is `stop`.
    pub fn new(stop: &Stop) -> SessionProtocol<S> {
        SessionProtocol {
            session: S::default(),
            transport: None,
            open: stop.open_connection(),
            unfinished: None,
            lingering: None,
        }
    }
}

impl<S: Session> Protocol for SessionProtocol<S> {
    fn connection_made(&mut self, transport: Transport) {
        log::accepted(transport.peer_addr());
        self.open.watch(transport.clone(), Clock::new(zenio::now()));
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
        let flow = transport.write_with(|output| self.session.feed(data, output));
        let in_request = self.session.in_request();
        self.open
            .update_clock(|clock| clock.on_read(zenio::now(), in_request));
        match flow {
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
        self.open.set_requests(self.session.answered());
        if let Some(transport) = &self.transport {
            log::closed(
                transport.peer_addr(),
                error.map_or(Ok(self.unfinished.take()), Err),
            );
        }
    }
}
