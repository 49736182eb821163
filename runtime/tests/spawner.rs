//! `zenio::spawner()`: other threads start tasks on a runtime. The closure crosses threads and
//! builds the future (which need not be `Send`) on the runtime's thread; the handle comes back
//! and can be awaited under any executor. Once the runtime's thread has ended, a job given to
//! its spawner is cancelled, never lost.

use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use futures_lite::future;

/// Jobs the feeding thread hands to the runtime.
const JOBS: u64 = 1_000;

/// Generous bound that only catches a hang; nothing here asserts on speed.
const NO_HANG: Duration = Duration::from_secs(20);

/// Starts a runtime on its own thread that runs until the returned sender is dropped, and
/// returns its spawner, that sender, and the thread.
fn start_runtime() -> (
    zenio::Spawner,
    async_channel::Sender<()>,
    thread::JoinHandle<()>,
) {
    let (send, receive) = mpsc::channel();
    let thread = thread::spawn(move || {
        zenio::block_on(async move {
            let (stop, stopped) = async_channel::bounded::<()>(1);
            send.send((zenio::spawner(), stop)).expect("the test waits");
            let _ = stopped.recv().await; // ends when every sender is dropped
        })
    });
    let (spawner, stop) = receive.recv().expect("the runtime sends its spawner");
    (spawner, stop, thread)
}

#[test]
fn a_thread_feeds_a_thousand_jobs_to_a_runtime_and_collects_every_answer() {
    let (spawner, stop, runtime) = start_runtime();
    let runtime_thread = runtime.thread().id();
    let (report, reported) = mpsc::channel();
    let feeder = thread::spawn(move || {
        let jobs: Vec<_> = (0..JOBS)
            .map(|n| {
                spawner.spawn(move || async move {
                    let n = Rc::new(n); // not `Send`: made on the runtime's thread
                    zenio::sleep(Duration::from_millis(1)).await; // a zenio timer works there
                    (*n * 2, thread::current().id())
                })
            })
            .collect();
        let answers: Vec<_> = jobs
            .into_iter()
            .map(|job| future::block_on(job).expect("a job does not fail"))
            .collect();
        drop(stop); // the runtime's main future ends
        report.send(answers).expect("the test waits");
    });
    let answers = reported.recv_timeout(NO_HANG).expect("every job answered");
    assert_eq!(answers.len(), JOBS as usize);
    for (n, (answer, ran_on)) in (0..JOBS).zip(answers) {
        assert_eq!(answer, n * 2, "job {n}");
        assert_eq!(
            ran_on, runtime_thread,
            "job {n} ran on the runtime's thread"
        );
    }
    feeder.join().expect("the feeder does not panic");
    runtime.join().expect("the runtime does not panic");
}

#[test]
fn a_job_given_after_the_runtimes_thread_ended_is_cancelled() {
    let spawner = thread::spawn(zenio::spawner)
        .join()
        .expect("the thread does not panic");
    let job = spawner.spawn(|| async { 1 });
    let outcome = zenio::block_on(zenio::timeout(NO_HANG, job)).expect("the handle resolves");
    assert!(outcome.expect_err("the job never ran").is_cancelled());
}

#[test]
fn aborting_the_handle_aborts_the_task_on_the_runtime() {
    let (spawner, stop, runtime) = start_runtime();
    let (started, has_started) = mpsc::channel();
    let (guard, guard_dropped) = mpsc::channel::<()>();
    let job = spawner.spawn(move || async move {
        let _guard = guard; // dropped with the future
        started.send(()).expect("the test waits");
        zenio::sleep(Duration::from_secs(3600)).await;
    });
    has_started.recv_timeout(NO_HANG).expect("the job started");
    job.abort();
    assert_eq!(
        guard_dropped.recv_timeout(NO_HANG),
        Err(mpsc::RecvTimeoutError::Disconnected),
        "the job's future was dropped on the runtime"
    );
    assert!(future::block_on(job).expect_err("aborted").is_cancelled());
    drop(stop);
    runtime.join().expect("the runtime does not panic");
}

#[test]
fn a_panicking_job_ends_that_job_only() {
    let (spawner, stop, runtime) = start_runtime();
    let in_make = spawner.spawn(|| -> std::future::Ready<()> { panic!("expected: in make") });
    let in_future = spawner.spawn(|| async { panic!("expected: in the future") });
    let fine = spawner.spawn(|| async { 3 });
    let in_make = future::block_on(in_make).expect_err("it panicked");
    assert_eq!(in_make.panic_message(), Some("expected: in make"));
    let in_future = future::block_on(in_future).expect_err("it panicked");
    assert_eq!(in_future.panic_message(), Some("expected: in the future"));
    assert_eq!(future::block_on(fine).expect("the runtime lives on"), 3);
    drop(stop);
    runtime.join().expect("the runtime does not panic");
}

#[test]
fn a_spawner_is_send_clone_and_debug() {
    fn is_send_and_clone<T: Send + Clone>(_: &T) {}
    let spawner = zenio::spawner();
    is_send_and_clone(&spawner);
    assert!(format!("{spawner:?}").starts_with("Spawner"));
}
