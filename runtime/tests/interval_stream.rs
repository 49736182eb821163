//! `Interval` is a `Stream` of the times its ticks were due, so stream combinators work on it;
//! `reset` restarts the schedule from now; a missed tick is delayed, never bunched up.
//!
//! The assertions compare due times, which the interval computes, with instants read before
//! them: they hold however slow the machine is.

use std::time::{Duration, Instant};

use futures_lite::StreamExt;

/// The period of the intervals under test.
const PERIOD: Duration = Duration::from_millis(10);

#[test]
fn take_three_ticks_through_stream_combinators() {
    let start = Instant::now();
    let ticks: Vec<Instant> = zenio::block_on(zenio::interval(PERIOD).take(3).collect());
    assert_eq!(ticks.len(), 3);
    assert!(ticks[0] >= start, "the first tick is due at once");
    for pair in ticks.windows(2) {
        assert!(
            pair[1] >= pair[0] + PERIOD,
            "ticks a period apart: {ticks:?}"
        );
    }
}

#[test]
fn tick_and_the_stream_share_one_schedule() {
    let (first, second) = zenio::block_on(async {
        let mut ticks = zenio::interval(PERIOD);
        let first = ticks.tick().await;
        (first, ticks.next().await.expect("an interval never ends"))
    });
    assert!(second >= first + PERIOD);
}

#[test]
fn a_missed_tick_comes_late_and_the_schedule_restarts_from_there() {
    let (first, second, taken, third) = zenio::block_on(async {
        let mut ticks = zenio::interval(PERIOD);
        let first = ticks.tick().await;
        // Hold the thread for three periods, as a busy task would: ticks are missed.
        std::thread::sleep(3 * PERIOD);
        let taken = Instant::now();
        let second = ticks.tick().await;
        let third = ticks.tick().await;
        (first, second, taken, third)
    });
    assert!(second >= first + PERIOD);
    assert!(
        second < taken,
        "the late tick says when it was due: before it was taken"
    );
    assert!(
        third >= taken + PERIOD,
        "the next tick is a period after the late one was taken, not bunched up"
    );
}

#[test]
fn reset_puts_the_next_tick_a_period_from_now() {
    let (before, next) = zenio::block_on(async {
        let mut ticks = zenio::interval(PERIOD);
        ticks.tick().await;
        let before = Instant::now();
        ticks.reset();
        (before, ticks.tick().await)
    });
    assert!(next >= before + PERIOD);
}
