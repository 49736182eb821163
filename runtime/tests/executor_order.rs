//! The executor runs ready tasks first come, first served: spawned tasks start in the order they
//! were spawned, and tasks that yield take turns (round-robin), like asyncio's ready queue.

use std::cell::RefCell;
use std::rc::Rc;

/// A shared log the tasks write their steps to.
type Log = Rc<RefCell<Vec<String>>>;

#[test]
fn spawned_tasks_first_run_in_spawn_order() {
    let log = Log::default();
    zenio::block_on(async {
        let tasks: Vec<_> = (0..10)
            .map(|id| {
                let log = log.clone();
                zenio::spawn(async move { log.borrow_mut().push(id.to_string()) })
            })
            .collect();
        // Await them in reverse, so the awaiting order cannot be what orders them.
        for task in tasks.into_iter().rev() {
            task.await.expect("task completes");
        }
    });
    let expected: Vec<String> = (0..10).map(|id| id.to_string()).collect();
    assert_eq!(*log.borrow(), expected);
}

#[test]
fn tasks_spawned_before_block_on_run_in_spawn_order_once_it_starts() {
    let log = Log::default();
    let tasks: Vec<_> = ["first", "second", "third"]
        .into_iter()
        .map(|name| {
            let log = log.clone();
            zenio::spawn(async move { log.borrow_mut().push(name.to_string()) })
        })
        .collect();
    assert!(
        log.borrow().is_empty(),
        "spawn only queues; nothing runs before block_on"
    );
    zenio::block_on(async {
        for task in tasks {
            task.await.expect("task completes");
        }
    });
    assert_eq!(*log.borrow(), ["first", "second", "third"]);
}

#[test]
fn tasks_that_yield_take_turns() {
    let log = Log::default();
    zenio::block_on(async {
        let tasks: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                zenio::spawn(async move {
                    for round in 0..3 {
                        log.borrow_mut().push(format!("{name}{round}"));
                        zenio::yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task completes");
        }
    });
    assert_eq!(
        *log.borrow(),
        ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]
    );
}

#[test]
fn a_task_spawned_by_a_task_joins_the_back_of_the_queue() {
    let log = Log::default();
    zenio::block_on(async {
        let parent = {
            let log = log.clone();
            zenio::spawn(async move {
                log.borrow_mut().push("parent".to_string());
                let child_log = log.clone();
                let child =
                    zenio::spawn(async move { child_log.borrow_mut().push("child".to_string()) });
                child.await.expect("child completes");
            })
        };
        let sibling = {
            let log = log.clone();
            zenio::spawn(async move { log.borrow_mut().push("sibling".to_string()) })
        };
        parent.await.expect("parent completes");
        sibling.await.expect("sibling completes");
    });
    assert_eq!(*log.borrow(), ["parent", "sibling", "child"]);
}
