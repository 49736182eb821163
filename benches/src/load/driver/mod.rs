//! The readiness loop that drives every connection of a run, on one thread.
//!
//! A run has three parts. **Setup** (keep-alive workloads only): open every connection, at
//! most [`MAX_HANDSHAKES`] at a time, and wait until each is up or has failed. **Warmup**:
//! load as in the measurement, then forget what was recorded. **Measurement**: until the
//! duration is over, or the requested number of requests is answered.
//!
//! By default the loop is closed: each connection starts with `--pipeline` requests in
//! flight, and every answer that arrives sends one more, so the server sets the pace. In
//! `close` and one-question modes each slot holds one connection carrying one request; when
//! the server closes it, the slot opens the next. With `--rate` the loop is open: a
//! schedule sets the pace, and each turn sends what has come due (`open_loop.rs`).
//!
//! Nothing waits past the deadline: `epoll_wait` never sleeps beyond the end of the run, and
//! a sweep every [`SWEEP`] gives up on connections whose answer is later than `--timeout`, so
//! a server that stops answering cannot hold the generator.
//!
//! This file holds the run's timeline and the table of connections; `ready.rs` what one
//! connection does when epoll says it is ready.

mod open_loop;
mod ready;

use std::collections::VecDeque;
use std::io;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, Event};
use rustix::event::Timespec;
use rustix::io::Errno;

use super::connection::Connection;
use super::plan::{Length, Plan};
use super::record::{Failure, Recorder, Report, Stamp};
use super::schedule::Schedule;

/// The most handshakes in progress at once during setup, well under the servers' listen
/// backlog (4,096), so that a burst of 10,000 connections overflows no accept queue.
const MAX_HANDSHAKES: usize = 256;

/// How often to look for connections whose answers are overdue.
const SWEEP: Duration = Duration::from_millis(250);

/// How long a `close`-mode slot waits before its next connection after a failed one, so
/// that a server that refuses connections is not asked again in a tight loop.
const RETRY: Duration = Duration::from_millis(10);

/// How many events one `epoll_wait` may return.
const EVENTS: usize = 1024;

/// The size of the buffer every read goes into.
const READ_BUFFER: usize = 64 * 1024;

/// Runs `plan` and sums it up.
pub fn run(plan: &Plan) -> io::Result<Report> {
    let mut driver = Driver::new(plan)?;
    let per_request = plan.workload.connection_per_request();

    // 1. Setup: connect everything before the clock starts; keep the failures.
    if !per_request {
        driver.connect_all()?;
    }
    let setup_errors = driver.recorder.errors;

    // 2. Start the load; the measurement begins after the warmup.
    let begin = Instant::now();
    let measure_from = begin + plan.warmup;
    let mut window: Option<(Stamp, Instant)> = None;
    if plan.warmup.is_zero() {
        window = Some(driver.open_window(measure_from)?);
    }
    match plan.rate {
        Some(rate) => driver.start_schedule(rate, begin)?,
        None => driver.start_all(begin),
    }

    // 3. Turn the loop until the window closes or the work is done.
    let mut next_sweep = begin + SWEEP;
    loop {
        let now = Instant::now();
        if window.is_none() && now >= measure_from {
            window = Some(driver.open_window(now)?);
        }
        let end = window.and_then(|(_, opened)| match plan.length {
            Length::Time(duration) => Some(opened + duration),
            Length::Requests(_) => None,
        });
        if end.is_some_and(|end| now >= end) || driver.finished() {
            break;
        }
        if now >= next_sweep {
            driver.sweep(now);
            next_sweep = now + SWEEP;
        }
        driver.reopen_due(now);
        driver.send_due(now);
        let mut wake = next_sweep.min(end.unwrap_or(next_sweep));
        if window.is_none() {
            wake = wake.min(measure_from);
        }
        if let Some(&(due, _)) = driver.retries.front() {
            wake = wake.min(due);
        }
        driver.wait(wake.saturating_duration_since(now))?;
        driver.dispatch();
    }

    // 4. Count the answers overdue at the end, as a sweep would have; then sum up,
    //    counting the failures of setup with the rest.
    driver.sweep(Instant::now());
    let finish = Stamp::now()?;
    let start = window.map_or(finish, |(stamp, _)| stamp);
    let mut report = Report::new(plan, &driver.recorder, start, finish);
    report.errors.add(&setup_errors);
    Ok(report)
}

/// The state of a run.
struct Driver<'p> {
    /// What to run.
    plan: &'p Plan,
    /// The epoll instance every socket is registered with.
    epoll: OwnedFd,
    /// What the last `epoll_wait` returned.
    events: Vec<Event>,
    /// One slot per connection, each with a generation so that an event meant for a closed
    /// socket is not taken for its successor's. The epoll key is `generation << 32 | slot`.
    slots: Vec<Slot>,
    /// `close`-mode slots whose request is done, to open again after this turn's events.
    reopen: Vec<usize>,
    /// `close`-mode slots whose connection failed, to open again once their instant has
    /// come, soonest first.
    retries: VecDeque<(Instant, usize)>,
    /// What the run measured.
    recorder: Recorder,
    /// Requests begun so far; numbers them, for the zen questions' round-robin.
    started: u64,
    /// Requests that may still begin, with `--requests`; `None` until the window opens, or
    /// with `--duration`: no limit.
    budget: Option<u64>,
    /// Open connections.
    live: usize,
    /// Connections opened during setup whose handshake has not ended yet.
    handshakes: usize,
    /// Requests sent and not yet answered, on all connections together.
    owed: usize,
    /// Every read goes here first; only answers split across reads are copied out.
    buf: Vec<u8>,
    /// Where a batch of requests is put together, to be sent in one write.
    out: Vec<u8>,
    /// With `--rate`: when each request is due, and on which connection.
    schedule: Option<Schedule>,
    /// With `--rate`: the timer that wakes the loop every tick; kept open while it runs.
    ticker: Option<OwnedFd>,
}

/// A place for one connection.
#[derive(Default)]
struct Slot {
    /// Bumped each time the slot gets a new connection.
    generation: u32,
    /// The connection, if one is open.
    connection: Option<Connection>,
}

impl<'p> Driver<'p> {
    fn new(plan: &'p Plan) -> io::Result<Self> {
        Ok(Self {
            plan,
            epoll: epoll::create(CreateFlags::CLOEXEC)?,
            events: Vec::with_capacity(EVENTS),
            slots: (0..plan.connections).map(|_| Slot::default()).collect(),
            reopen: Vec::new(),
            retries: VecDeque::new(),
            recorder: Recorder::new(),
            started: 0,
            budget: None,
            live: 0,
            handshakes: 0,
            owed: 0,
            buf: vec![0; READ_BUFFER],
            out: Vec::new(),
            schedule: None,
            ticker: None,
        })
    }

    /// Opens every slot's connection and waits until each is up or has failed.
    fn connect_all(&mut self) -> io::Result<()> {
        let mut next = 0;
        let mut next_sweep = Instant::now() + SWEEP;
        loop {
            // 1. Begin handshakes, a bounded number at a time.
            while self.handshakes < MAX_HANDSHAKES && next < self.slots.len() {
                self.open(next, Instant::now());
                next += 1;
            }
            if self.handshakes == 0 && next == self.slots.len() {
                return Ok(());
            }
            // 2. Wait for handshakes to end; give up on those older than --timeout.
            let now = Instant::now();
            if now >= next_sweep {
                self.sweep(now);
                next_sweep = now + SWEEP;
            }
            self.wait(next_sweep.saturating_duration_since(now))?;
            for index in 0..self.events.len() {
                let Some((slot, mut connection, _)) = self.take(index) else {
                    continue;
                };
                if connection.connected() {
                    self.slots[slot].connection = Some(connection);
                    continue;
                }
                match connection.check_handshake() {
                    Ok(connected) => {
                        self.handshakes -= usize::from(connected);
                        self.slots[slot].connection = Some(connection);
                    }
                    Err(failure) => self.close(slot, connection, Some(failure)),
                }
            }
        }
    }

    /// Starts the load: fills every connection's pipeline, or opens every `close`-mode slot.
    fn start_all(&mut self, now: Instant) {
        for slot in 0..self.slots.len() {
            if self.plan.workload.connection_per_request() {
                self.open(slot, now);
            } else if let Some(mut connection) = self.slots[slot].connection.take() {
                match self.send(&mut connection, self.plan.pipeline, now) {
                    Ok(()) => self.slots[slot].connection = Some(connection),
                    Err(failure) => self.close(slot, connection, Some(failure)),
                }
            }
        }
    }

    /// Opens the measurement window: forgets the warmup and starts the request budget.
    fn open_window(&mut self, now: Instant) -> io::Result<(Stamp, Instant)> {
        self.recorder.reset();
        // The requests in flight now will be answered in the window, so they count.
        if let Length::Requests(requests) = self.plan.length {
            self.budget = Some(requests.saturating_sub(self.owed as u64));
        }
        Ok((Stamp::now()?, now))
    }

    /// Whether there is nothing left to do before the deadline.
    fn finished(&self) -> bool {
        let spent = self.budget == Some(0);
        if self.plan.workload.connection_per_request() {
            spent && self.live == 0
        } else {
            self.live == 0 || (spent && self.owed == 0)
        }
    }

    /// One `epoll_wait`, for at most `timeout` (rounded up to whole milliseconds, the unit
    /// of `epoll_wait`, so that we do not spin through the last fraction of one).
    fn wait(&mut self, timeout: Duration) -> io::Result<()> {
        let millis = timeout.as_nanos().div_ceil(1_000_000);
        let timeout = Timespec::try_from(Duration::from_millis(millis as u64)).ok();
        self.events.clear();
        match epoll::wait(
            &self.epoll,
            spare_capacity(&mut self.events),
            timeout.as_ref(),
        ) {
            Ok(_) | Err(Errno::INTR) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Gives up on every connection that has waited longer than `--timeout`.
    fn sweep(&mut self, now: Instant) {
        for slot in 0..self.slots.len() {
            let Some(connection) = &self.slots[slot].connection else {
                continue;
            };
            let Some(since) = connection.waiting_since() else {
                continue;
            };
            if now.saturating_duration_since(since) > self.plan.timeout {
                let failure = if connection.connected() {
                    Failure::Timeout
                } else {
                    Failure::Connect
                };
                let connection = self.slots[slot].connection.take().expect("checked above");
                self.close(slot, connection, Some(failure));
            }
        }
    }
}
