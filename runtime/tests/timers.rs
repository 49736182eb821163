//! Timers: sleeps end in deadline order and never early; the turn's clock (`zenio::now`)
//! follows the reactor's waits; `timeout` gives up on a future that
//! is too slow; `interval` ticks at least a period apart; `call_later` calls back unless
//! cancelled; a dropped `Sleep` leaves nothing behind in the reactor.
//!
//! Nothing here asserts that a timer was on time (a loaded machine may run it late), only that
//! it was not early and that the order is right.

use std::cell::{Cell, RefCell};
use std::future::pending;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::future::poll_once;

/// Generous bound so that a timer that never fires fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// Lets every task that is already queued run.
async fn settle() {
    for _ in 0..5 {
        zenio::yield_now().await;
    }
}

#[test]
fn sleeps_end_in_deadline_order() {
    let order = Rc::new(RefCell::new(Vec::new()));
    zenio::block_on(async {
        let tasks: Vec<_> = [30u64, 10, 20]
            .into_iter()
            .map(|ms| {
                let order = order.clone();
                zenio::spawn(async move {
                    zenio::sleep(Duration::from_millis(ms)).await;
                    order.borrow_mut().push(ms);
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("sleeper completes");
        }
    });
    assert_eq!(*order.borrow(), [10, 20, 30]);
}

#[test]
fn sleep_never_ends_early() {
    zenio::block_on(async {
        for ms in [0u64, 1, 2, 5, 15, 25] {
            let duration = Duration::from_millis(ms);
            let start = Instant::now();
            zenio::sleep(duration).await;
            let slept = start.elapsed();
            assert!(
                slept >= duration,
                "sleep({duration:?}) ended after {slept:?}"
            );
        }
    });
}

#[test]
fn the_turns_clock_follows_the_waits_and_never_runs_ahead() {
    zenio::block_on(async {
        for ms in [1u64, 5, 20] {
            let before = Instant::now();
            zenio::sleep(Duration::from_millis(ms)).await;
            let turn = zenio::now();
            // The sleep ended in a later turn, whose wait returned after the deadline.
            assert!(
                turn >= before + Duration::from_millis(ms),
                "{ms} ms: {turn:?} {before:?}"
            );
            assert!(
                turn <= Instant::now(),
                "the turn's time is never in the future"
            );
        }
    });
}

#[test]
fn sleep_until_a_past_instant_is_ready_at_once() {
    let past = Instant::now();
    let ready = zenio::block_on(async { poll_once(zenio::sleep_until(past)).await });
    assert_eq!(
        ready,
        Some(()),
        "a deadline in the past is ready on the first poll"
    );
}

#[test]
fn timeout_gives_up_on_a_future_that_is_never_ready() {
    let limit = Duration::from_millis(20);
    let start = Instant::now();
    let result = zenio::block_on(zenio::timeout(limit, pending::<()>()));
    let waited = start.elapsed();
    let elapsed = result.expect_err("a never-ready future times out");
    assert!(
        waited >= limit,
        "gave up after {waited:?}, before {limit:?}"
    );
    let as_io: std::io::Error = elapsed.into();
    assert_eq!(as_io.kind(), std::io::ErrorKind::TimedOut);
}

#[test]
fn timeout_returns_the_value_of_a_quick_future() {
    let result = zenio::block_on(zenio::timeout(NO_HANG, async {
        zenio::yield_now().await;
        zenio::sleep(Duration::from_millis(1)).await;
        "quick"
    }));
    assert_eq!(result, Ok("quick"));
}

#[test]
fn timeout_drops_the_future_it_gave_up_on() {
    struct DropGuard(Rc<Cell<bool>>);
    impl Drop for DropGuard {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let dropped = Rc::new(Cell::new(false));
    let guarded = {
        let dropped = dropped.clone();
        async move {
            let _guard = DropGuard(dropped);
            pending::<()>().await;
        }
    };
    let result = zenio::block_on(zenio::timeout(Duration::from_millis(5), guarded));
    assert!(result.is_err());
    assert!(dropped.get(), "the future that timed out was dropped");
}

#[test]
fn interval_ticks_at_once_then_at_least_a_period_apart() {
    let period = Duration::from_millis(15);
    zenio::block_on(async {
        let start = Instant::now();
        let mut interval = zenio::interval(period);
        let created = Instant::now();
        assert_eq!(interval.period(), period);

        let first = interval.tick().await;
        assert!(first <= created, "the first tick is due at creation");

        let mut dues = vec![first];
        for _ in 0..4 {
            let due = interval.tick().await;
            let now = Instant::now();
            assert!(now >= due, "a tick came before it was due");
            dues.push(due);
        }
        for pair in dues.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap >= period, "ticks {gap:?} apart, period {period:?}");
        }
        let total = start.elapsed();
        assert!(
            total >= period * 4,
            "five ticks took {total:?}, less than four periods"
        );
    });
}

#[test]
fn call_later_calls_back_after_the_delay() {
    let called_at = Rc::new(Cell::new(None));
    let delay = Duration::from_millis(10);
    let start = Instant::now();
    zenio::block_on(async {
        let handle = {
            let called_at = called_at.clone();
            zenio::call_later(delay, move || called_at.set(Some(Instant::now())))
        };
        zenio::timeout(NO_HANG, handle)
            .await
            .expect("the callback ran in time")
            .expect("the callback did not panic");
    });
    let called_at = called_at.get().expect("the callback ran");
    assert!(called_at - start >= delay, "called back early");
}

#[test]
fn cancelling_call_later_prevents_the_call() {
    let called = Rc::new(Cell::new(false));
    zenio::block_on(async {
        let handle = {
            let called = called.clone();
            zenio::call_later(Duration::from_millis(5), move || called.set(true))
        };
        // Let it start waiting, so that cancelling has a pending timer to remove.
        settle().await;
        handle.abort();
        zenio::sleep(Duration::from_millis(25)).await;
        settle().await;
    });
    assert!(!called.get(), "a cancelled call_later never calls back");
}

#[test]
fn dropping_the_call_later_handle_lets_the_call_happen() {
    let called = Rc::new(Cell::new(false));
    zenio::block_on(async {
        drop({
            let called = called.clone();
            zenio::call_later(Duration::from_millis(5), move || called.set(true))
        });
        zenio::sleep(Duration::from_millis(25)).await;
        settle().await;
    });
    assert!(
        called.get(),
        "dropping the handle detaches the call, as asyncio's does"
    );
}

#[test]
fn a_dropped_sleep_removes_its_timer() {
    let before = zenio::stats();
    zenio::block_on(async {
        // Poll once, so that the sleep puts its timer in the reactor's queue; then drop it.
        let mut short = zenio::sleep(Duration::from_millis(5));
        assert_eq!(poll_once(&mut short).await, None);
        drop(short);
        // Outlive the dropped deadline: a timer left behind would fire meanwhile.
        zenio::sleep(Duration::from_millis(30)).await;
    });
    let fired = zenio::stats().timers_fired - before.timers_fired;
    assert_eq!(
        fired, 1,
        "only the 30 ms sleep fired; the dropped one left no timer"
    );
}

#[test]
fn a_timer_fires_while_other_tasks_keep_the_queue_busy() {
    let rang = Rc::new(Cell::new(false));
    let spinner_saw_it = zenio::block_on(async {
        let alarm = {
            let rang = rang.clone();
            zenio::spawn(async move {
                zenio::sleep(Duration::from_millis(5)).await;
                rang.set(true);
            })
        };
        // A task that never lets the run queue empty: the executor must still look at its
        // timers now and then. It reports whether the alarm rang while it was spinning.
        let spinner = {
            let rang = rang.clone();
            zenio::spawn(async move {
                let give_up = Instant::now() + NO_HANG;
                while !rang.get() && Instant::now() < give_up {
                    zenio::yield_now().await;
                }
                rang.get()
            })
        };
        let saw_it = spinner.await.expect("spinner completes");
        alarm.await.expect("alarm completes");
        saw_it
    });
    assert!(
        spinner_saw_it,
        "the timer fired although the run queue was never empty"
    );
}

#[test]
fn a_timer_fires_while_the_block_on_future_keeps_yielding() {
    let rang = Rc::new(Cell::new(false));
    let saw_it = zenio::block_on(async {
        {
            let rang = rang.clone();
            zenio::spawn(async move {
                zenio::sleep(Duration::from_millis(5)).await;
                rang.set(true);
            })
            .detach();
        }
        // The block_on future itself spins, as a "wait until a flag is set" loop would.
        let give_up = Instant::now() + NO_HANG;
        while !rang.get() && Instant::now() < give_up {
            zenio::yield_now().await;
        }
        rang.get()
    });
    assert!(
        saw_it,
        "the timer never fired while the block_on future was yielding"
    );
}

#[test]
fn timeout_with_duration_max_never_gives_up() {
    let result = zenio::block_on(zenio::timeout(Duration::MAX, async {
        zenio::yield_now().await;
        "done"
    }));
    assert_eq!(result, Ok("done"));
}

#[test]
fn sleep_with_duration_max_is_simply_pending() {
    zenio::block_on(async {
        let mut forever = zenio::sleep(Duration::MAX);
        assert_eq!(poll_once(&mut forever).await, None);
    });
}
