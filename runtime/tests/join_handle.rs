//! `JoinHandle`: awaiting it gives the task's value; dropping or detaching it lets the task run
//! on; a task whose runtime's thread ends first is cancelled. (Aborting: `abort.rs`.)

use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Generous bound so that a handle that never resolves fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// Yields until `done()` holds, at most `bound` times; says whether it held.
async fn yield_until(bound: usize, done: impl Fn() -> bool) -> bool {
    for _ in 0..bound {
        if done() {
            return true;
        }
        zenio::yield_now().await;
    }
    done()
}

#[test]
fn awaiting_the_handle_gives_the_task_value() {
    let value = zenio::block_on(async {
        let task = zenio::spawn(async {
            zenio::yield_now().await;
            String::from("forty-two")
        });
        task.await
    });
    assert_eq!(value.expect("task completes"), "forty-two");
}

#[test]
fn dropping_the_handle_does_not_cancel_the_task() {
    let finished = Rc::new(Cell::new(false));
    zenio::block_on(async {
        let flag = finished.clone();
        let task = zenio::spawn(async move {
            zenio::yield_now().await;
            zenio::yield_now().await;
            flag.set(true);
        });
        drop(task);
        assert!(
            yield_until(100, || finished.get()).await,
            "the task ran to the end without its handle"
        );
    });
}

#[test]
fn a_detached_task_runs_to_completion() {
    let finished = Rc::new(Cell::new(false));
    zenio::block_on(async {
        let flag = finished.clone();
        zenio::spawn(async move {
            zenio::sleep(Duration::from_millis(1)).await;
            flag.set(true);
        })
        .detach();
        let waited = zenio::timeout(NO_HANG, async {
            while !finished.get() {
                zenio::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(waited.is_ok(), "the detached task never finished");
    });
}

#[test]
fn is_finished_turns_true_when_the_task_returns() {
    zenio::block_on(async {
        let task = zenio::spawn(async {
            zenio::yield_now().await;
            7
        });
        assert!(!task.is_finished(), "not finished before it ran");
        zenio::yield_now().await;
        assert!(
            !task.is_finished(),
            "not finished after its first poll (it yielded)"
        );
        assert!(
            yield_until(100, || task.is_finished()).await,
            "finished once it returned"
        );
        assert_eq!(task.await.expect("task completes"), 7);
    });
}

#[test]
fn a_join_error_from_a_panic_is_not_a_cancellation() {
    let error = zenio::block_on(async {
        zenio::spawn(async { panic!("expected in this test") })
            .await
            .expect_err("the task panicked")
    });
    assert!(error.is_panic());
    assert_eq!(error.panic_message(), Some("expected in this test"));
    assert_eq!(error.to_string(), "task panicked: expected in this test");
}

/// Spawns `future` on a new thread's runtime, runs that runtime for a few turns (so the task
/// starts and waits), lets the thread exit, and hands back the task's handle.
fn spawn_on_a_thread_that_exits<F>(future: F) -> zenio::JoinHandle<u32>
where
    F: std::future::Future<Output = u32> + Send + 'static,
{
    let (send, handle) = mpsc::channel();
    thread::spawn(move || {
        let task = zenio::spawn(future);
        zenio::block_on(async {
            for _ in 0..3 {
                zenio::yield_now().await;
            }
        });
        send.send(task).expect("the test waits for the handle");
    })
    .join()
    .expect("the runtime thread did not panic");
    handle.recv().expect("the thread sent the handle")
}

#[test]
fn a_task_still_queued_when_its_thread_exits_is_cancelled() {
    // Spawned on a thread that never runs block_on: the task is still queued at exit.
    let (send, handle) = mpsc::channel();
    thread::spawn(move || {
        send.send(zenio::spawn(async { 1u32 }))
            .expect("the test waits for the handle");
    })
    .join()
    .expect("the runtime thread did not panic");
    let task = handle.recv().expect("the thread sent the handle");
    let outcome = zenio::block_on(zenio::timeout(NO_HANG, task)).expect("the handle resolved");
    let error = outcome.expect_err("the task never ran");
    assert!(error.is_cancelled() && !error.is_panic());
    assert_eq!(error.to_string(), "task cancelled");
}

#[test]
fn a_task_waiting_when_its_thread_exits_is_cancelled() {
    let task = spawn_on_a_thread_that_exits(async {
        zenio::sleep(Duration::from_secs(3600)).await;
        1
    });
    let outcome = zenio::block_on(zenio::timeout(NO_HANG, task))
        .expect("the handle of a task whose runtime is gone resolves");
    let error = outcome.expect_err("the task never finished");
    assert!(error.is_cancelled() && !error.is_panic());
    assert_eq!(error.to_string(), "task cancelled");
}
