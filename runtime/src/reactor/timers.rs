//! The timer queue: deadlines in order, each with the task to wake.
//!
//! Timers live in a `BTreeMap` keyed by `(deadline, id)`, so the earliest deadline is the
//! first entry and two timers with the same deadline keep their creation order. The reactor
//! never sleeps past the first deadline: it passes the time left as the timeout of
//! `epoll_wait`, which costs no extra syscall (no `timerfd`). asyncio keeps the same thing as a
//! heap of `TimerHandle`s in `loop._scheduled`.
//!
//! Simplification: tokio uses a hierarchical timing wheel, which makes inserting and removing
//! O(1) and allocation-free; a `BTreeMap` is O(log n) and allocates a node now and then, which
//! is plenty for the timeouts of a few thousand connections.
//!
//! See chapter 12 of the book: `docs/12-timers.md`.

use std::collections::BTreeMap;
use std::task::Waker;
use std::time::Instant;

/// Names one timer in the queue: its deadline, and a sequence number that breaks ties.
pub(crate) type TimerKey = (Instant, u64);

/// Every pending timer of one runtime.
#[derive(Default)]
pub(crate) struct Timers {
    /// Pending timers, earliest first, each with the waker of the task that waits for it.
    queue: BTreeMap<TimerKey, Waker>,
    /// The next sequence number, so that every key is unique.
    next_id: u64,
}

impl Timers {
    /// Adds a timer that wakes `waker` at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Instant, waker: &Waker) -> TimerKey {
        let key = (deadline, self.next_id);
        self.next_id += 1;
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
        self.queue
            .first_key_value()
            .map(|((deadline, _), _)| *deadline)
    }

    /// Removes every timer due at `now` and collects its waker, in deadline order.
    pub(crate) fn fire_expired(&mut self, now: Instant, to_wake: &mut Vec<Waker>) -> u64 {
        let mut fired = 0;
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > now {
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
}
