//! A panic ends only the task that panicked: its `JoinHandle` reports it, every other task runs
//! on, and `block_on` returns normally. (These tests print the panics they cause; that is
//! expected.)

use std::cell::{Cell, RefCell};
use std::rc::Rc;

#[test]
fn a_panicking_task_reports_the_panic_through_its_handle() {
    let error = zenio::block_on(async {
        let task = zenio::spawn(async {
            zenio::yield_now().await;
            panic!("task exploded: {}", 42);
        });
        task.await.expect_err("the task panicked")
    });
    assert!(error.is_panic());
    assert_eq!(error.panic_message(), Some("task exploded: 42"));
}

#[test]
fn other_tasks_keep_running_after_one_panics() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let outcome = zenio::block_on(async {
        let steady = {
            let log = log.clone();
            zenio::spawn(async move {
                for round in 0..5 {
                    log.borrow_mut().push(round);
                    zenio::yield_now().await;
                }
                "steady finished"
            })
        };
        let doomed = zenio::spawn(async {
            zenio::yield_now().await;
            panic!("doomed");
        });
        let doomed = doomed.await;
        let steady = steady.await;
        (doomed.is_err(), steady.map_err(|e| e.to_string()))
    });
    assert_eq!(outcome, (true, Ok("steady finished")));
    assert_eq!(*log.borrow(), [0, 1, 2, 3, 4]);
}

#[test]
fn a_detached_panicking_task_does_not_stop_the_loop() {
    let after = Rc::new(Cell::new(false));
    let value = zenio::block_on(async {
        zenio::spawn(async {
            zenio::yield_now().await;
            panic!("nobody is listening");
        })
        .detach();
        let follower = {
            let after = after.clone();
            zenio::spawn(async move {
                for _ in 0..3 {
                    zenio::yield_now().await;
                }
                after.set(true);
            })
        };
        follower.await.expect("the follower completes");
        "block_on returned"
    });
    assert_eq!(value, "block_on returned");
    assert!(after.get());
}

#[test]
fn the_runtime_still_works_in_a_later_block_on_after_a_panic() {
    let first = zenio::block_on(async { zenio::spawn(async { panic!("first") }).await.is_err() });
    assert!(first);
    let second = zenio::block_on(async { zenio::spawn(async { 2 }).await });
    assert_eq!(second.expect("the second task completes"), 2);
}
