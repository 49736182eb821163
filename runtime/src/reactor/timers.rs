//! The timer queue: deadlines in order, each with the task to wake.
//!
//! Timers live in a `BTreeMap` keyed by deadline, so the earliest deadline is the first
//! entry; a sequence number in the key's low bits breaks ties, so two timers with the same
//! deadline keep their creation order. The reactor never sleeps past the first deadline: it
//! passes the time left as the timeout of `epoll_wait`, which costs no extra syscall (no
//! `timerfd`). asyncio keeps the same thing as a heap of `TimerHandle`s in `loop._scheduled`.
//!
//! A key is one `u64`: the deadline in whole milliseconds since the queue was made (rounded
//! up, so a timer never fires early; `epoll_wait` counts in milliseconds anyway), then the
//! sequence number. An `Instant` would take 16 bytes and the sequence number 8 more, in every
//! entry, and a server keeps a timer per connection.
//!
//! Simplification: tokio uses a hierarchical timing wheel, which makes inserting and removing
//! O(1) and allocation-free; a `BTreeMap` is O(log n) and allocates a node now and then, which
//! is plenty for the timeouts of a few thousand connections.
//!
//! See chapter 12 of the book: `docs/12-timers.md`.

use std::collections::BTreeMap;
use std::task::Waker;
use std::time::{Duration, Instant};

/// Names one timer in the queue: its deadline and sequence number (see the module docs).
pub(crate) type TimerKey = u64;

/// The low bits of a key that hold the sequence number.
const SEQUENCE_BITS: u32 = 20;

/// Every pending timer of one runtime.
pub(crate) struct Timers {
    /// Pending timers, earliest first, each with the waker of the task that waits for it.
    queue: BTreeMap<TimerKey, Waker>,
    /// The next sequence number.
    next_id: u64,
    /// When the queue was made: deadlines count from here.
    epoch: Instant,
}

impl Timers {
    /// An empty queue, whose deadlines count from now.
    pub(crate) fn new() -> Timers {
        Timers {
            queue: BTreeMap::new(),
            next_id: 0,
            epoch: Instant::now(),
        }
    }

    /// Adds a timer that wakes `waker` at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Instant, waker: &Waker) -> TimerKey {
        let millis = self.since_epoch(deadline).as_nanos().div_ceil(1_000_000);
        let millis = u64::try_from(millis)
            .unwrap_or(u64::MAX)
            .min(u64::MAX >> SEQUENCE_BITS);
        let mut key = (millis << SEQUENCE_BITS) | (self.next_id % (1 << SEQUENCE_BITS));
        self.next_id += 1;
        // Taken only if a million timers share a millisecond: then this one fires a bit later.
        while self.queue.contains_key(&key) {
            key += 1;
        }
        self.queue.insert(key, waker.clone());
        key
    }

    /// Points an existing timer at a new waker (the task was moved or re-polled).
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) {
        if let Some(stored) = self.queue.get_mut(&key) {
            if !stored.will_wake(waker) {
                *stored = waker.clone();
            }
        }
    }

    /// Removes a timer that is no longer wanted (fired, or its future was dropped).
    pub(crate) fn remove(&mut self, key: TimerKey) {
        self.queue.remove(&key);
    }

    /// The earliest deadline, which bounds the reactor's next wait.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let (key, _) = self.queue.first_key_value()?;
        Some(self.epoch + Duration::from_millis(key >> SEQUENCE_BITS))
    }

    /// Removes every timer due at `now` and collects its waker, in deadline order.
    pub(crate) fn fire_expired(&mut self, now: Instant, to_wake: &mut Vec<Waker>) -> u64 {
        let now = u64::try_from(self.since_epoch(now).as_millis()).unwrap_or(u64::MAX);
        let mut fired = 0;
        while let Some(entry) = self.queue.first_entry() {
            if entry.key() >> SEQUENCE_BITS > now {
                break;
            }
            to_wake.push(entry.remove());
            fired += 1;
        }
        fired
    }

    /// Takes every waker, so the runtime can drop them when it shuts down.
    pub(crate) fn take_all(&mut self, out: &mut Vec<Waker>) {
        out.extend(std::mem::take(&mut self.queue).into_values());
    }

    /// The time from the queue's epoch to `instant` (zero for an instant before it).
    fn since_epoch(&self, instant: Instant) -> Duration {
        instant.saturating_duration_since(self.epoch)
    }
}
