//! Crates written for no runtime in particular run on zenio as they are: `async-lock`'s
//! `Mutex` and `async-channel`'s bounded channel, shared by a thousand zenio tasks, keep
//! their promises; a channel fed from another thread wakes a zenio task (its waker is
//! zenio's cross-thread wake); and a thread whose tasks still wait on a channel when it ends
//! exits.

use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use async_lock::Mutex;

/// Tasks sharing the lock and the channel.
const TASKS: usize = 1_000;

/// Times each task takes the lock.
const ROUNDS: u64 = 10;

#[test]
fn a_thousand_tasks_share_an_async_lock_mutex_and_a_bounded_async_channel() {
    let (total, mut ids) = zenio::block_on(async {
        let counter = Rc::new(Mutex::new(0_u64));
        let (done, finished) = async_channel::bounded::<usize>(16);
        // The collector takes the ids as they come; with room for only 16 in the channel,
        // most senders wait for it.
        let collector = zenio::spawn(async move {
            let mut ids = Vec::new();
            while let Ok(id) = finished.recv().await {
                ids.push(id);
            }
            ids
        });
        let tasks: Vec<_> = (0..TASKS)
            .map(|id| {
                let counter = Rc::clone(&counter);
                let done = done.clone();
                zenio::spawn(async move {
                    for _ in 0..ROUNDS {
                        // Read, let every other task run, write: without mutual exclusion,
                        // increments would be lost.
                        let mut value = counter.lock().await;
                        let seen = *value;
                        zenio::yield_now().await;
                        *value = seen + 1;
                    }
                    done.send(id).await.expect("the collector is listening");
                })
            })
            .collect();
        drop(done); // the channel closes when the last task's sender is gone
        for task in tasks {
            task.await.expect("a task does not panic");
        }
        let ids = collector.await.expect("the collector does not panic");
        let total = *counter.lock().await;
        (total, ids)
    });
    assert_eq!(total, TASKS as u64 * ROUNDS);
    assert_eq!(ids.len(), TASKS, "every task sent its id once");
    ids.sort_unstable();
    assert!(ids.iter().copied().eq(0..TASKS), "every id, once");
}

#[test]
fn an_async_channel_fed_from_another_thread_wakes_a_zenio_task() {
    let (numbers, received) = async_channel::bounded::<u64>(4);
    let producer = thread::spawn(move || {
        for n in 1..=1_000 {
            numbers
                .send_blocking(n)
                .expect("the zenio task is listening");
        }
    });
    let sum = zenio::block_on(async {
        let mut sum = 0;
        while let Ok(n) = received.recv().await {
            sum += n;
        }
        sum
    });
    producer.join().expect("the producer does not panic");
    assert_eq!(sum, 500_500);
}

#[test]
fn a_thread_that_ends_with_tasks_waiting_on_a_channel_exits() {
    // When a thread ends, its runtime cancels the tasks still waiting. Cancelling the sender
    // task closes the channel, and `async-channel` wakes the receiver task while holding a
    // lock that cancelling the receiver takes again: the runtime must not cancel a task
    // inside the wake that tells it to run.
    let (exited, exit) = mpsc::channel();
    thread::spawn(move || {
        let worker = thread::spawn(|| {
            zenio::block_on(async {
                let (sender, receiver) = async_channel::bounded::<()>(1);
                zenio::spawn(async move { receiver.recv().await }).detach();
                zenio::spawn(async move {
                    zenio::sleep(Duration::from_secs(3600)).await;
                    drop(sender);
                })
                .detach();
                zenio::yield_now().await; // both tasks start waiting
            });
        });
        let _ = exited.send(worker.join().is_ok());
    });
    let outcome = exit.recv_timeout(Duration::from_secs(20));
    assert_eq!(outcome, Ok(true), "the thread did not exit cleanly");
}
