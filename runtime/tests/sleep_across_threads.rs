//! A `Sleep` is `Send`: polled once on one thread's runtime and then moved to another's, it
//! puts its timer in the new runtime's queue and completes there on its own; and dropped on a
//! thread whose runtime does not hold its timer, it never removes a timer of that runtime.
//!
//! Each runtime runs on a thread of its own; the test thread only waits for their reports,
//! with a generous bound that turns a hang (a timer left in the wrong queue) into a failure.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use futures_lite::future::poll_once;

/// Generous bound that only catches a hang; nothing here asserts on speed.
const NO_HANG: Duration = Duration::from_secs(20);

#[test]
fn a_sleep_moved_to_another_runtime_completes_there() {
    let (to_b, from_a) = mpsc::channel::<zenio::Sleep>();
    let (finished, b_finished) = async_channel::bounded::<()>(1);
    // Runtime A: polls the sleep once (its timer goes in A's queue), hands it to B, and keeps
    // running until B is done, so that its stale entry fires too (a spurious wake of A).
    let a = thread::spawn(move || {
        zenio::block_on(async move {
            let mut nap = zenio::sleep(Duration::from_millis(100));
            assert!(poll_once(&mut nap).await.is_none(), "not due yet");
            to_b.send(nap).expect("B waits for it");
            let _ = b_finished.recv().await;
        })
    });
    // Runtime B: nothing but the sleep can wake it.
    let (report, reported) = mpsc::channel();
    let b = thread::spawn(move || {
        let nap = from_a.recv().expect("A sends the sleep");
        let deadline = nap.deadline();
        zenio::block_on(nap);
        report
            .send(Instant::now() >= deadline)
            .expect("the test waits");
        drop(finished);
    });
    let on_time = reported
        .recv_timeout(NO_HANG)
        .expect("the sleep completed on B (a hang: its timer stayed in A's queue)");
    assert!(on_time, "a sleep never completes early");
    a.join().expect("runtime A does not panic");
    b.join().expect("runtime B does not panic");
}

#[test]
fn dropping_a_moved_sleep_never_removes_another_runtimes_timer() {
    // Both runtimes are new, so their first timers have the same key: this deadline, and
    // sequence number 0.
    let deadline = Instant::now() + Duration::from_millis(100);
    let moved = thread::spawn(move || {
        let mut nap = zenio::sleep_until(deadline);
        let waiting = zenio::block_on(poll_once(&mut nap)).is_none();
        assert!(waiting, "not due yet");
        nap
    })
    .join()
    .expect("runtime A does not panic");
    let (report, reported) = mpsc::channel();
    thread::spawn(move || {
        zenio::block_on(async move {
            let mut own = zenio::sleep_until(deadline);
            assert!(poll_once(&mut own).await.is_none(), "not due yet");
            drop(moved); // its key is `own`'s key, but B does not hold its timer
            own.await; // only `own`'s timer can wake this runtime
        });
        report
            .send(zenio::stats().timers_fired)
            .expect("the test waits");
    });
    let fired = reported
        .recv_timeout(NO_HANG)
        .expect("B's own sleep completed (a hang: the moved sleep removed its timer)");
    assert_eq!(fired, 1, "B's own timer fired");
}
