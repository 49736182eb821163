//! Ten thousand tasks at once, each waiting on a timer or yielding, each returning its own
//! index: every one of them finishes, with its own value.

use std::time::Duration;

const TASKS: usize = 10_000;

#[test]
fn ten_thousand_concurrent_tasks_all_return_their_index() {
    let before = zenio::stats();
    let results = zenio::block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|index| {
                zenio::spawn(async move {
                    if index % 2 == 0 {
                        zenio::sleep(Duration::from_millis((index % 7) as u64)).await;
                    } else {
                        zenio::yield_now().await;
                    }
                    index
                })
            })
            .collect();
        let mut results = Vec::with_capacity(TASKS);
        for task in tasks {
            results.push(task.await.expect("task completes"));
        }
        results
    });
    let sum: usize = results.iter().sum();
    assert_eq!(sum, TASKS * (TASKS - 1) / 2);
    assert!(
        results.iter().enumerate().all(|(i, &r)| i == r),
        "each handle gave its own task's index"
    );
    let spawned = zenio::stats().tasks_spawned - before.tasks_spawned;
    assert_eq!(spawned, TASKS as u64);
}
