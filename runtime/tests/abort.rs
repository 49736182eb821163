//! `JoinHandle::abort`: the task stops for good, its future is dropped at the runtime's next
//! turn, and awaiting the handle gives a cancellation (asyncio's `Task.cancel()`). A task that
//! had already finished keeps its output.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

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

/// Sets its flag when dropped, to prove that a future was dropped.
struct DropGuard(Rc<Cell<bool>>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// A task that holds `guard` and waits forever.
fn spawn_forever(dropped: &Rc<Cell<bool>>) -> zenio::JoinHandle<u32> {
    let guard = DropGuard(dropped.clone());
    zenio::spawn(async move {
        let _guard = guard;
        zenio::sleep(Duration::from_secs(3600)).await;
        1
    })
}

#[test]
fn abort_stops_a_waiting_task_and_drops_its_future() {
    let polls = Rc::new(Cell::new(0));
    let dropped = Rc::new(Cell::new(false));
    let waker: Rc<RefCell<Option<Waker>>> = Rc::default();
    zenio::block_on(async {
        let task = {
            let (polls, dropped, waker) = (polls.clone(), dropped.clone(), waker.clone());
            zenio::spawn(async move {
                let _guard = DropGuard(dropped);
                // Wait forever, leaving the waker where the test can reach it.
                poll_fn(|cx| {
                    polls.set(polls.get() + 1);
                    *waker.borrow_mut() = Some(cx.waker().clone());
                    Poll::<()>::Pending
                })
                .await;
            })
        };
        assert!(
            yield_until(100, || polls.get() == 1).await,
            "the task started"
        );
        assert!(!task.is_finished());
        assert!(!dropped.get());

        task.abort();
        assert!(task.is_finished());
        // Even a wake must not make an aborted task run again.
        let saved = waker.borrow_mut().take().expect("the task left its waker");
        saved.wake();
        zenio::yield_now().await;
        assert!(dropped.get(), "dropped at the runtime's next turn");
        for _ in 0..10 {
            zenio::yield_now().await;
        }
        let error = task.await.expect_err("an aborted task gives no value");
        assert!(error.is_cancelled() && !error.is_panic());
        assert_eq!(error.to_string(), "task cancelled");
    });
    assert_eq!(polls.get(), 1, "an aborted task is never polled again");
}

#[test]
fn abort_before_the_first_poll_means_the_task_never_runs() {
    let ran = Rc::new(Cell::new(false));
    let outcome = zenio::block_on(async {
        let task = {
            let ran = ran.clone();
            zenio::spawn(async move { ran.set(true) })
        };
        task.abort();
        for _ in 0..10 {
            zenio::yield_now().await;
        }
        task.await
    });
    assert!(!ran.get(), "a task aborted before it ran never runs");
    assert!(outcome.expect_err("no value").is_cancelled());
}

#[test]
fn aborting_a_finished_task_keeps_its_output() {
    let outcome = zenio::block_on(async {
        let task = zenio::spawn(async { 7 });
        assert!(yield_until(10, || task.is_finished()).await, "it ran");
        task.abort();
        task.await
    });
    assert_eq!(outcome.expect("the task had finished"), 7);
}

#[test]
fn a_handle_can_be_aborted_from_another_thread() {
    fn is_send<T: Send>(_: &T) {}
    let dropped = Rc::new(Cell::new(false));
    let outcome = zenio::block_on(async {
        let task = spawn_forever(&dropped);
        is_send(&task); // its future holds an `Rc`, but its output is a `u32`
        zenio::yield_now().await; // it waits on its timer
        let task = thread::spawn(move || {
            task.abort();
            task
        })
        .join()
        .expect("aborting does not panic");
        // The other thread's abort queued the task here, with a notify: it is dropped soon.
        let waited = zenio::timeout(Duration::from_secs(10), async {
            while !dropped.get() {
                zenio::yield_now().await;
            }
        });
        assert!(
            waited.await.is_ok(),
            "the aborted task's future was dropped"
        );
        task.await
    });
    assert!(outcome.expect_err("no value").is_cancelled());
}
