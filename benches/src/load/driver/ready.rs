//! What one ready connection does: the closed loop itself.
//!
//! An event says a socket can make progress. Its connection leaves its slot while it is
//! handled: send what waited for room, read and check the answers that came, and send one
//! new request for each. In `close` mode the server's EOF ends the answer; in one-question
//! mode the client hangs up after the answer and the server's EOF follows. Either way the
//! connection is then closed and its slot opens the next one.

use std::time::Instant;

use rustix::event::epoll::EventFlags;

use super::{Driver, RETRY};
use crate::load::connection::{Connection, Pending, Received};
use crate::load::record::Failure;

impl Driver<'_> {
    /// Handles the events of the last wait: each one a connection that can make progress.
    pub(super) fn dispatch(&mut self) {
        for index in 0..self.events.len() {
            let Some((slot, mut connection, flags)) = self.take(index) else {
                self.on_tick(index);
                continue;
            };
            // Read the clock per connection, not per wait: a thousand events take long
            // enough to handle that one reading would skew the latencies of the last ones.
            let now = Instant::now();
            match self.on_ready(&mut connection, flags, now) {
                // The connection goes on.
                Ok(Received::Drained) => self.slots[slot].connection = Some(connection),
                // The server closed it with nothing owed: done, and in `close` mode, the
                // normal end of a request.
                Ok(Received::Eof) => self.close(slot, connection, None),
                Err(failure) => self.close(slot, connection, Some(failure)),
            }
        }
    }

    /// Takes the connection that event `index` is for out of its slot, unless it has been
    /// closed since, or the event is the open loop's tick (whose key names no slot).
    /// Returns the slot, the connection and the event's flags.
    pub(super) fn take(&mut self, index: usize) -> Option<(usize, Connection, EventFlags)> {
        let event = self.events[index];
        let key = event.data.u64();
        let (slot, generation) = ((key & u64::from(u32::MAX)) as usize, (key >> 32) as u32);
        let place = self.slots.get_mut(slot)?;
        if place.generation != generation {
            return None;
        }
        Some((slot, place.connection.take()?, event.flags))
    }

    /// One connection is ready: sends what waited for room, reads and checks answers, and
    /// sends one new request for each answer.
    fn on_ready(
        &mut self,
        connection: &mut Connection,
        flags: EventFlags,
        now: Instant,
    ) -> Result<Received, Failure> {
        // 1. Writable, or the handshake ended: send what the kernel had no room for.
        if flags.intersects(EventFlags::OUT | EventFlags::ERR) {
            connection.flush()?;
        }
        // 2. Readable, or the server hung up: read, cut and check the answers.
        let readable = EventFlags::IN | EventFlags::RDHUP | EventFlags::HUP | EventFlags::ERR;
        if !flags.intersects(readable) {
            return Ok(Received::Drained);
        }
        let mut answered = 0;
        let recorder = &mut self.recorder;
        let received = connection.receive(
            &mut self.buf,
            flags,
            self.plan.workload,
            |pending, right| {
                recorder.answer(now.saturating_duration_since(pending.since), right);
                answered += 1;
            },
        )?;
        self.owed -= answered;
        // 3. Closed loop: one new request for each answer (with --rate, the schedule sends
        //    instead); in one-question mode, the answer is all we wanted, so hang up and
        //    wait for the server's EOF.
        let workload = self.plan.workload;
        if received == Received::Drained {
            if !workload.connection_per_request() {
                if self.schedule.is_none() {
                    self.send(connection, answered, now)?;
                }
            } else if !workload.answer_ends_at_eof() && connection.owed() == 0 {
                connection.hang_up(now)?;
            }
            return Ok(received);
        }
        // 4. EOF. In `close` mode it ends the answer, if any came; otherwise the server
        //    closed early unless nothing was owed.
        if workload.answer_ends_at_eof() {
            let (pending, right) = connection.answer_at_eof().ok_or(Failure::Closed)?;
            self.owed -= 1;
            self.recorder
                .answer(now.saturating_duration_since(pending.since), right);
        }
        if connection.owed() > 0 {
            return Err(Failure::Closed);
        }
        Ok(Received::Eof)
    }

    /// Sends up to `wanted` new requests on `connection`, in one write, as the budget allows.
    pub(super) fn send(
        &mut self,
        connection: &mut Connection,
        wanted: usize,
        now: Instant,
    ) -> Result<(), Failure> {
        let count = self.spend(wanted) as u64;
        let first = self.started;
        self.started += count;
        self.send_numbered(connection, first..first + count, |_| now)
    }

    /// Sends the requests numbered `numbers` on `connection`, in one write; the latency of
    /// request `n` counts from `since(n)`.
    pub(super) fn send_numbered(
        &mut self,
        connection: &mut Connection,
        numbers: impl Iterator<Item = u64> + Clone,
        since: impl Fn(u64) -> Instant,
    ) -> Result<(), Failure> {
        self.out.clear();
        let workload = self.plan.workload;
        for n in numbers.clone() {
            self.out.extend_from_slice(workload.request(n).bytes);
            self.owed += 1;
        }
        if self.out.is_empty() {
            return Ok(());
        }
        let requests = numbers.map(|n| Pending {
            since: since(n),
            expected: workload.request(n).expected,
        });
        connection.send(&self.out, requests)
    }

    /// Takes up to `wanted` requests from the budget; returns how many it may send.
    pub(super) fn spend(&mut self, wanted: usize) -> usize {
        match &mut self.budget {
            None => wanted,
            Some(left) => {
                let granted = (*left).min(wanted as u64);
                *left -= granted;
                granted as usize
            }
        }
    }

    /// Opens a connection in `slot`; in `close` mode also sends its one request.
    pub(super) fn open(&mut self, slot: usize, now: Instant) {
        let per_request = self.plan.workload.connection_per_request();
        if per_request && self.spend(1) == 0 {
            return;
        }
        let place = &mut self.slots[slot];
        place.generation = place.generation.wrapping_add(1);
        let key = u64::from(place.generation) << 32 | slot as u64;
        let mut connection =
            match Connection::open(self.plan.addr, &self.epoll, key, now, !per_request) {
                Ok(connection) => connection,
                Err(_) => {
                    // `socket` or `connect` failed at once: count it, and try again soon.
                    self.recorder.fail(Failure::Connect);
                    if per_request {
                        self.retries.push_back((now + RETRY, slot));
                    }
                    return;
                }
            };
        self.live += 1;
        self.handshakes += usize::from(!per_request);
        if per_request {
            let request = self.plan.workload.request(self.started);
            self.started += 1;
            self.owed += 1;
            let pending = Pending {
                since: now,
                expected: request.expected,
            };
            if let Err(failure) = connection.send(request.bytes, [pending]) {
                return self.close(slot, connection, Some(failure));
            }
        }
        self.slots[slot].connection = Some(connection);
    }

    /// Closes `connection`, counting `failure` if there was one. A `close`-mode slot then
    /// opens its next connection: after this turn's events if all went well, a little
    /// later if not. (Not at once: a connection refused inside `open` would recurse.)
    pub(super) fn close(&mut self, slot: usize, connection: Connection, failure: Option<Failure>) {
        if let Some(failure) = failure {
            self.recorder.fail(failure);
        }
        self.live -= 1;
        self.owed -= connection.owed();
        if !self.plan.workload.connection_per_request() && !connection.connected() {
            self.handshakes -= 1;
        }
        // Closing the socket also takes it out of the epoll set.
        drop(connection);
        if self.plan.workload.connection_per_request() {
            match failure {
                None => self.reopen.push(slot),
                Some(_) => self.retries.push_back((Instant::now() + RETRY, slot)),
            }
        }
    }

    /// Opens again the `close`-mode slots whose request is done, and those whose retry
    /// time has come.
    pub(super) fn reopen_due(&mut self, now: Instant) {
        for slot in std::mem::take(&mut self.reopen) {
            self.open(slot, now);
        }
        while let Some(&(due, slot)) = self.retries.front() {
            if due > now {
                break;
            }
            self.retries.pop_front();
            self.open(slot, now);
        }
    }
}
