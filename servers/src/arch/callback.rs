//! `callback`: asyncio's `Protocol` style (the seed's `srv_asyncio1.py`).
//!
//! [`SessionProtocol`] is the seed's `ZenServer(asyncio.Protocol)`: `data_received` hands
//! the bytes to the connection's [`Conversation`], whose answers go straight into the
//! transport's buffer (zenio sends it as soon as the callback returns), and whatever else it
//! asks for is done through the transport at once: a lingering close shuts down writing, a
//! close closes. `zenio::serve` is `loop.create_server(ZenServer, host, port)`; here the
//! accept loop is ours (for graceful shutdown), and `zenio::serve_connection` runs the
//! protocol on each connection.
//!
//! Callbacks cannot wait, so two things come from outside. A sweeper task looks every
//! [`Limits::sweep_interval`] for conversations whose deadline has passed, and aborts them;
//! and when the loop drains, it tells every conversation to stop, whose last look is the
//! transport's `close_when_idle` (answer what has already arrived, then close). So the
//! conversations live in one slab per loop, `Connections`, where both can reach them.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Instant;

use slab::Slab;
use zenio::{Protocol, Transport};

use super::accept_loop::AcceptLoop;
use crate::conversation::{Conversation, Limits, Next};
use crate::log;
use crate::protocol::Session;
use crate::shutdown::{Drain, OpenConnection, Summary};

/// Serves with a [`SessionProtocol`] per connection until the stop signal (see
/// [`AcceptLoop`]), with the sweeper task beside it. Returns what it served.
pub async fn serve<S: Session>(accept: AcceptLoop) -> Summary {
    let connections = Rc::new(Connections::<S> {
        entries: RefCell::default(),
        limits: accept.limits,
        drain: accept.drain.clone(),
    });
    let sweeper = zenio::spawn(sweep(Rc::clone(&connections)));
    let (draining, stopping) = (connections.drain.draining(), Rc::clone(&connections));
    let stopper = zenio::spawn(async move {
        draining.await;
        stopping.stop_all();
    });
    let summary = accept
        .serve(|open, stream, peer| {
            let protocol = SessionProtocol {
                connections: Rc::clone(&connections),
                key: None,
                open,
            };
            zenio::spawn(zenio::serve_connection(stream, peer, protocol)).detach();
        })
        .await;
    sweeper.abort();
    stopper.abort();
    summary
}

/// The sweeper: aborts the conversations whose time ran out.
async fn sweep<S: Session>(connections: Rc<Connections<S>>) {
    let mut ticks = zenio::interval(connections.limits.sweep_interval());
    loop {
        ticks.tick().await;
        connections.abort_expired(zenio::now());
    }
}

/// The callback connections of one loop.
struct Connections<S> {
    /// Each connection's conversation and transport, by the key its protocol keeps.
    entries: RefCell<Slab<(Conversation<S>, Transport)>>,
    /// Timeouts and the connection cap.
    limits: Limits,
    /// The loop's drain, to stop a conversation that starts while it drains.
    drain: Drain,
}

impl<S: Session> Connections<S> {
    /// Aborts every conversation whose deadline has passed at `now`. (`abort`, not
    /// `close`: what it still owes is not being read.)
    fn abort_expired(&self, now: Instant) {
        for (_, (conversation, transport)) in self.entries.borrow_mut().iter_mut() {
            if now >= conversation.deadline() {
                let _ = conversation.next(now); // closes it, as expired
                transport.abort();
            }
        }
    }

    /// Tells every conversation that the server is stopping.
    fn stop_all(&self) {
        let now = zenio::now();
        for (_, (conversation, transport)) in self.entries.borrow_mut().iter_mut() {
            conversation.stop();
            perform(conversation, transport, now);
        }
    }

    /// Feeds an event to the conversation `key` (with its transport, where its answers go),
    /// then does what it asks.
    fn update(&self, key: u32, event: impl FnOnce(&mut Conversation<S>, &Transport, Instant)) {
        if let Some((conversation, transport)) = self.entries.borrow_mut().get_mut(key as usize) {
            let now = zenio::now();
            event(conversation, transport, now);
            perform(conversation, transport, now);
        }
    }
}

/// Does what `conversation` asks, through `transport`, until it waits for the next callback.
fn perform<S: Session>(conversation: &mut Conversation<S>, transport: &Transport, now: Instant) {
    loop {
        match conversation.next(now) {
            Next::Write(bytes) => {
                transport.write(bytes);
                let n = bytes.len();
                conversation.wrote(n);
            }
            Next::ShutDown => {
                transport.write_eof();
                conversation.shut_down();
            }
            Next::Read => return, // the next `data_received` or `eof_received`
            Next::ReadNow => return transport.close_when_idle(),
            Next::Close => return transport.close(),
        }
    }
}

/// A protocol session seen through asyncio's callbacks: a handle on its conversation.
pub struct SessionProtocol<S> {
    /// The loop's connections, where this one's conversation lives.
    connections: Rc<Connections<S>>,
    /// This connection's key in `connections` (a `u32`: this is in every connection's task);
    /// set by `connection_made`.
    key: Option<u32>,
    /// Counts this connection as open, for graceful shutdown and the summary.
    open: OpenConnection,
}

impl<S: Session> Protocol for SessionProtocol<S> {
    fn connection_made(&mut self, transport: Transport) {
        log::accepted(Some(&transport.peer_addr()));
        let mut conversation = Conversation::new(zenio::now(), &self.connections.limits);
        if self.connections.drain.is_draining() {
            conversation.stop();
        }
        let entries = &self.connections.entries;
        let key = entries.borrow_mut().insert((conversation, transport));
        let key = u32::try_from(key).expect("fewer than 4 billion connections");
        self.key = Some(key);
        self.connections.update(key, |_, _, _| {});
    }

    /// The answers go straight into the transport's buffer, which zenio sends as soon as
    /// this returns.
    fn data_received(&mut self, data: &[u8]) {
        let limits = &self.connections.limits;
        if let Some(key) = self.key {
            self.connections
                .update(key, |conversation, transport, now| {
                    transport.write_with(|out| conversation.received_into(data, now, limits, out));
                });
        }
    }

    /// The conversation decides when to close, so the connection stays open here.
    fn eof_received(&mut self) -> bool {
        if let Some(key) = self.key {
            self.connections
                .update(key, |conversation, _, _| conversation.eof());
        }
        true
    }

    fn connection_lost(&mut self, error: Option<io::Error>) {
        let Some(key) = self.key.take() else {
            return;
        };
        let (mut conversation, transport) =
            self.connections.entries.borrow_mut().remove(key as usize);
        if let Some(error) = error {
            conversation.failed(error);
        }
        self.open.add_requests(conversation.answered());
        log::closed(Some(&transport.peer_addr()), conversation.finish());
    }
}
