//! Wakes from other threads: a waker sent to a `std::thread` and called there reaches the
//! runtime (through its shared queue and `Poller::notify`), for a task and for the future given
//! to `block_on` alike. asyncio's `loop.call_soon_threadsafe`.

use std::future::{poll_fn, Future};
use std::io;
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

/// Generous bound so that a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// A one-shot event that another thread fires; awaiting it keeps the latest waker.
#[derive(Clone, Default)]
struct Signal(Arc<Mutex<SignalState>>);

#[derive(Default)]
struct SignalState {
    fired: bool,
    waker: Option<Waker>,
}

impl Signal {
    /// Fires the event and wakes whoever waits, from whatever thread calls it.
    fn fire(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.fired = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether somebody is parked on the event.
    fn has_waiter(&self) -> bool {
        self.0.lock().unwrap().waker.is_some()
    }

    /// Completes once the event has fired.
    fn wait(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(|cx| self.poll_wait(cx))
    }

    fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.lock().unwrap();
        if state.fired {
            Poll::Ready(())
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Starts a thread that fires `signal` once told to go.
fn firer(signal: &Signal) -> (mpsc::Sender<()>, thread::JoinHandle<()>) {
    let (go, told) = mpsc::channel::<()>();
    let signal = signal.clone();
    let thread = thread::spawn(move || {
        if told.recv().is_ok() {
            signal.fire();
        }
    });
    (go, thread)
}

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

/// A task's outcome as an `io::Result` (a `JoinError` holds a panic payload, which is not
/// `Sync`, so it cannot be wrapped in an `io::Error` as it is).
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

#[test]
fn a_task_woken_from_another_thread_completes() -> io::Result<()> {
    let signal = Signal::default();
    let (go, thread) = firer(&signal);
    let before = zenio::stats();
    let value = zenio::block_on(zenio::timeout(NO_HANG, async {
        let task = zenio::spawn({
            let signal = signal.clone();
            async move {
                signal.wait().await;
                42
            }
        });
        // Let the task park first, so that the wake comes while it is idle, from the thread.
        assert!(yield_until(100, || signal.has_waiter()).await);
        go.send(()).expect("firer thread is alive");
        task.await
    }))?;
    thread.join().expect("firer thread did not panic");
    assert_eq!(joined(value)?, 42);
    let after = zenio::stats();
    assert!(
        after.wakes_remote > before.wakes_remote,
        "the wake went through the remote queue: {before:?} -> {after:?}"
    );
    Ok(())
}

#[test]
fn the_block_on_future_woken_from_another_thread_completes() -> io::Result<()> {
    let signal = Signal::default();
    let (go, thread) = firer(&signal);
    let mut told = false;
    // The future of block_on itself waits for the thread: no task is involved.
    let woken = zenio::block_on(zenio::timeout(
        NO_HANG,
        poll_fn(|cx| {
            let poll = signal.poll_wait(cx);
            if poll.is_pending() && !told {
                go.send(()).expect("firer thread is alive");
                told = true;
            }
            poll
        }),
    ));
    thread.join().expect("firer thread did not panic");
    woken?;
    Ok(())
}

#[test]
fn a_remote_wake_is_seen_while_other_tasks_keep_the_queue_busy() -> io::Result<()> {
    let signal = Signal::default();
    let (go, thread) = firer(&signal);
    let spinner_saw_it = zenio::block_on(async {
        let done = std::rc::Rc::new(std::cell::Cell::new(false));
        let waiter = zenio::spawn({
            let (signal, done) = (signal.clone(), done.clone());
            async move {
                signal.wait().await;
                done.set(true);
            }
        });
        assert!(yield_until(100, || signal.has_waiter()).await);
        // A task that never lets the run queue empty: the executor must still look at the
        // reactor now and then, or the remote wake would never be seen. It reports whether
        // the woken task ran while it was spinning.
        let spinner = zenio::spawn({
            let done = done.clone();
            async move {
                let give_up = Instant::now() + NO_HANG;
                while !done.get() && Instant::now() < give_up {
                    zenio::yield_now().await;
                }
                done.get()
            }
        });
        go.send(()).expect("firer thread is alive");
        let spinner_saw_it = joined(spinner.await)?;
        joined(waiter.await)?;
        Ok::<_, io::Error>(spinner_saw_it)
    })?;
    thread.join().expect("firer thread did not panic");
    assert!(
        spinner_saw_it,
        "the remotely woken task ran while the spinner was busy"
    );
    Ok(())
}

#[test]
fn a_remote_wake_is_seen_while_the_block_on_future_keeps_yielding() {
    let signal = Signal::default();
    let (go, thread) = firer(&signal);
    let saw_it = zenio::block_on(async {
        let done = std::rc::Rc::new(std::cell::Cell::new(false));
        zenio::spawn({
            let (signal, done) = (signal.clone(), done.clone());
            async move {
                signal.wait().await;
                done.set(true);
            }
        })
        .detach();
        assert!(yield_until(100, || signal.has_waiter()).await);
        go.send(()).expect("firer thread is alive");
        // The block_on future itself spins until the woken task has run.
        let give_up = Instant::now() + NO_HANG;
        while !done.get() && Instant::now() < give_up {
            zenio::yield_now().await;
        }
        done.get()
    });
    thread.join().expect("firer thread did not panic");
    assert!(
        saw_it,
        "the remote wake was never seen while the block_on future yielded"
    );
}

#[test]
fn many_remote_wakes_from_several_threads_all_arrive() -> io::Result<()> {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 50;
    let signals: Vec<Signal> = (0..THREADS * PER_THREAD)
        .map(|_| Signal::default())
        .collect();
    let total = zenio::block_on(zenio::timeout(NO_HANG, async {
        let tasks: Vec<_> = signals
            .iter()
            .enumerate()
            .map(|(i, signal)| {
                let signal = signal.clone();
                zenio::spawn(async move {
                    signal.wait().await;
                    i
                })
            })
            .collect();
        assert!(yield_until(10_000, || signals.iter().all(Signal::has_waiter)).await);
        let threads: Vec<_> = signals
            .chunks(PER_THREAD)
            .map(|chunk| {
                let chunk = chunk.to_vec();
                thread::spawn(move || chunk.iter().for_each(Signal::fire))
            })
            .collect();
        let mut total = 0;
        for task in tasks {
            total += joined(task.await)?;
        }
        for thread in threads {
            thread.join().expect("firer thread did not panic");
        }
        Ok::<_, io::Error>(total)
    }))??;
    let n = THREADS * PER_THREAD;
    assert_eq!(total, n * (n - 1) / 2);
    Ok(())
}
