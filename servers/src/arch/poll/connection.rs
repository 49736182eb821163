//! One client in the `poll` architecture: its socket and its conversation, and one turn of
//! the loop for it. This is what an `async fn` keeps in its local variables and its
//! `.await`s, spelled out.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsFd;
use std::time::Instant;

use rustix::event::epoll::{self, EventData, EventFlags};

use crate::conversation::{Conversation, Limits, Next};
use crate::log::Peer;
use crate::protocol::Session;

/// One client's state between events.
pub struct Connection<S> {
    /// The socket (non-blocking).
    stream: TcpStream,
    /// The client's address, for log lines (kept only when they are shown).
    pub peer: Peer,
    /// The conversation: the protocol, its deadlines, its answers not yet sent.
    pub conversation: Conversation<S>,
    /// The socket is in the epoll set.
    registered: bool,
}

/// What one turn of a connection ended with.
pub enum Turn {
    /// The kernel said `EAGAIN`: wait for the next event.
    Waiting,
    /// The conversation is over; close the socket.
    Done,
}

impl<S: Session> Connection<S> {
    /// A connection just accepted at `now` (non-blocking, not registered yet).
    pub fn new(stream: TcpStream, peer: Peer, now: Instant, limits: &Limits) -> Connection<S> {
        Connection {
            stream,
            peer,
            conversation: Conversation::new(now, limits),
            registered: false,
        }
    }

    /// Does what the conversation asks (send, read, shut down) until the kernel says
    /// `EAGAIN` or the conversation ends. Edge-triggered epoll reports a change once, so
    /// each turn must go all the way to `EAGAIN`.
    pub fn turn(
        &mut self,
        buffer: &mut [u8],
        epoll: &impl AsFd,
        key: usize,
        now: Instant,
        limits: &Limits,
    ) -> Turn {
        let conversation = &mut self.conversation;
        loop {
            match conversation.next(now) {
                // 1. Answers are owed: send them (nothing is read until they are sent).
                Next::Write(bytes) => match self.stream.write(bytes) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    written => conversation.write_done(written),
                },
                // 2. A lingering close: the FIN.
                Next::ShutDown => match self.stream.shutdown(Shutdown::Write) {
                    Ok(()) => conversation.shut_down(),
                    Err(e) => conversation.failed(e),
                },
                // 3. Read and feed the conversation; at the last look, finding nothing ends it.
                next @ (Next::Read | Next::ReadNow) => match self.stream.read(buffer) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock && next == Next::Read => break,
                    read => conversation.read_done(read.map(|n| &buffer[..n]), now, limits),
                },
                Next::Close => return Turn::Done,
            }
        }
        self.wait(epoll, key)
    }

    /// The socket would block: register it on its first wait (`EPOLL_CTL_ADD`, both
    /// directions, edge-triggered), never again.
    fn wait(&mut self, epoll: &impl AsFd, key: usize) -> Turn {
        if !self.registered {
            let interest = EventFlags::IN | EventFlags::OUT | EventFlags::RDHUP | EventFlags::ET;
            let data = EventData::new_u64(key as u64);
            if let Err(error) = epoll::add(epoll, &self.stream, data, interest) {
                self.conversation.failed(error.into());
                return Turn::Done;
            }
            self.registered = true;
        }
        Turn::Waiting
    }
}
