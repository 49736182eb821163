//! Per-core mode: `run_per_core` starts one runtime per input, each on its own OS thread, and
//! hands back their outputs in input order. The futures are made on their own threads, so
//! they need not be `Send`. A runtime that calls `pin_to_core(i)` is pinned to one of the
//! cores the process may use (in order, wrapping around); one that does not stays free.
//! `listen_per_core` binds the listeners before the runtimes start, so no client is refused.
//!
//! What the kernel thinks of a thread's affinity is read from `/proc`: `Cpus_allowed_list` in
//! `/proc/thread-self/status` for the calling thread, in `/proc/self/status` for the process
//! (its main thread, whose mask every test thread inherits).

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fs;
use std::io;
use std::rc::Rc;
use std::thread::{self, ThreadId};
use std::time::Duration;

/// Bound on every runtime: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// The cores in a `Cpus_allowed_list` line such as `0-3,6,8-9`.
fn parse_cpu_list(list: &str) -> io::Result<Vec<usize>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, format!("bad CPU list {list:?}"));
    let mut cpus = Vec::new();
    for part in list.trim().split(',').filter(|part| !part.is_empty()) {
        let (first, last) = part.split_once('-').unwrap_or((part, part));
        let first: usize = first.parse().map_err(|_| bad())?;
        let last: usize = last.parse().map_err(|_| bad())?;
        cpus.extend(first..=last);
    }
    Ok(cpus)
}

/// The cores named by `Cpus_allowed_list` in a `status` file of `/proc`.
fn cpus_allowed(status_path: &str) -> io::Result<Vec<usize>> {
    let status = fs::read_to_string(status_path)?;
    let list = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .ok_or_else(|| io::Error::other(format!("no Cpus_allowed_list in {status_path}")))?;
    parse_cpu_list(list)
}

/// The cores the calling thread may run on, as the kernel says.
fn this_threads_cpus() -> io::Result<Vec<usize>> {
    cpus_allowed("/proc/thread-self/status")
}

/// The cores the process may run on, as the kernel says.
fn the_processs_cpus() -> io::Result<Vec<usize>> {
    cpus_allowed("/proc/self/status")
}

/// Runs `f` on a new thread (whose affinity is its own to change) and returns its result.
fn on_a_fresh_thread<T: Send>(f: impl FnOnce() -> io::Result<T> + Send) -> io::Result<T> {
    thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// What one runtime saw of itself.
struct Seen {
    /// The index `run_per_core` passed in.
    index: usize,
    /// The thread the runtime ran on.
    thread: ThreadId,
    /// The cores that thread was allowed, read while the runtime ran.
    cpus: Vec<usize>,
}

#[test]
fn outputs_come_back_in_input_order() -> io::Result<()> {
    let inputs = vec!["zero", "one", "two"];
    let outputs = zenio::run_per_core(inputs, |index, input| async move {
        zenio::timeout(NO_HANG, async move {
            // A turn of each runtime's loop before answering, so that the answers are made by
            // running runtimes, not handed back before they start.
            zenio::yield_now().await;
            (index, input.to_uppercase())
        })
        .await
    });
    let outputs: Vec<(usize, String)> = outputs.into_iter().collect::<Result<_, _>>()?;
    assert_eq!(
        outputs,
        vec![
            (0, "ZERO".to_string()),
            (1, "ONE".to_string()),
            (2, "TWO".to_string())
        ]
    );
    Ok(())
}

#[test]
fn each_runtime_runs_on_its_own_thread_pinned_to_one_allowed_core() -> io::Result<()> {
    let allowed = the_processs_cpus()?;
    assert!(!allowed.is_empty(), "the process may run somewhere");
    let seen = zenio::run_per_core(vec![(); 3], |index, ()| async move {
        zenio::pin_to_core(index)?;
        Ok::<_, io::Error>(Seen {
            index,
            thread: thread::current().id(),
            cpus: this_threads_cpus()?,
        })
    });
    let seen: Vec<Seen> = seen.into_iter().collect::<io::Result<_>>()?;

    let threads: HashSet<ThreadId> = seen.iter().map(|s| s.thread).collect();
    assert_eq!(threads.len(), 3, "three runtimes, three threads");
    assert!(
        !threads.contains(&thread::current().id()),
        "no runtime runs on the calling thread"
    );
    for s in &seen {
        // Runtime i gets the i-th allowed core, wrapping around when there are fewer cores.
        let expected = allowed[s.index % allowed.len()];
        assert_eq!(
            s.cpus,
            vec![expected],
            "runtime {} is pinned to exactly core {expected} (allowed: {allowed:?})",
            s.index
        );
    }
    // Pinning the runtimes' threads left the calling thread as it was.
    assert_eq!(this_threads_cpus()?, allowed);
    Ok(())
}

#[test]
fn a_runtimes_future_need_not_be_send() -> io::Result<()> {
    // Each runtime's future keeps an `Rc` across awaits and shares it with tasks of its own
    // thread: this compiles because the future is made on the thread that runs it.
    let sums = zenio::run_per_core(vec![10u64, 20, 30], |_index, base| async move {
        zenio::timeout(NO_HANG, async move {
            let total = Rc::new(Cell::new(0u64));
            let order = Rc::new(RefCell::new(Vec::new()));
            let tasks: Vec<_> = (1..=3u64)
                .map(|step| {
                    let total = total.clone();
                    let order = order.clone();
                    zenio::spawn(async move {
                        zenio::yield_now().await;
                        total.set(total.get() + base * step);
                        order.borrow_mut().push(step);
                    })
                })
                .collect();
            for task in tasks {
                task.await
                    .map_err(|error| io::Error::other(error.to_string()))?;
            }
            assert_eq!(*order.borrow(), vec![1, 2, 3], "tasks ran in spawn order");
            Ok::<_, io::Error>(total.get())
        })
        .await?
    });
    let sums: Vec<u64> = sums.into_iter().collect::<io::Result<_>>()?;
    assert_eq!(sums, vec![60, 120, 180]);
    Ok(())
}

#[test]
fn pin_to_core_pins_the_calling_thread_to_an_allowed_core() -> io::Result<()> {
    let allowed = the_processs_cpus()?;
    let (core, cpus_after) = on_a_fresh_thread(|| {
        let core = zenio::pin_to_core(0)?;
        Ok((core, this_threads_cpus()?))
    })?;
    assert!(
        allowed.contains(&core),
        "core {core} is one the process may use ({allowed:?})"
    );
    assert_eq!(core, allowed[0], "index 0 is the first allowed core");
    assert_eq!(
        cpus_after,
        vec![core],
        "the thread may now run on that core only"
    );
    // Only the thread that asked was pinned.
    assert_eq!(this_threads_cpus()?, allowed);
    Ok(())
}

#[test]
fn pin_to_core_wraps_around_the_allowed_cores() -> io::Result<()> {
    let allowed = the_processs_cpus()?;
    // One fresh thread per index, so that each starts from the process's full set.
    for index in 0..2 * allowed.len() + 1 {
        let (core, cpus_after) = on_a_fresh_thread(|| {
            let core = zenio::pin_to_core(index)?;
            Ok((core, this_threads_cpus()?))
        })?;
        assert_eq!(core, allowed[index % allowed.len()], "index {index}");
        assert_eq!(cpus_after, vec![core], "index {index}");
    }
    Ok(())
}

#[test]
fn available_cores_counts_the_cores_the_process_may_use() -> io::Result<()> {
    let allowed = the_processs_cpus()?;
    assert!(zenio::available_cores() >= 1);
    assert_eq!(zenio::available_cores(), allowed.len());
    Ok(())
}

#[test]
fn a_pinned_thread_can_be_pinned_again_to_another_core() -> io::Result<()> {
    let allowed = the_processs_cpus()?;
    let (second, cpus_after) = on_a_fresh_thread(|| {
        zenio::pin_to_core(0)?;
        let second = zenio::pin_to_core(1)?;
        Ok((second, this_threads_cpus()?))
    })?;
    // "The index-th core this process may run on": core 1 of the process, whatever the thread
    // was pinned to before. (With a single allowed core, both are core 0.)
    let expected = allowed[1 % allowed.len()];
    assert_eq!(second, expected, "allowed: {allowed:?}");
    assert_eq!(cpus_after, vec![expected]);
    Ok(())
}

#[test]
fn available_cores_inside_a_per_core_runtime_still_counts_the_process() -> io::Result<()> {
    let allowed = the_processs_cpus()?;
    let counts = zenio::run_per_core(vec![(); 2], |_index, ()| async { zenio::available_cores() });
    assert_eq!(
        counts,
        vec![allowed.len(); 2],
        "the process may use {allowed:?}, even though each runtime's thread is pinned"
    );
    Ok(())
}

#[test]
fn a_runtime_that_does_not_pin_itself_may_run_on_every_allowed_core() -> io::Result<()> {
    let allowed = the_processs_cpus()?;
    let seen = zenio::run_per_core(vec![(); 2], |_index, ()| async { this_threads_cpus() });
    for cpus in seen {
        assert_eq!(cpus?, allowed);
    }
    Ok(())
}

#[test]
fn clients_that_connect_as_soon_as_listen_per_core_returns_are_all_served() -> io::Result<()> {
    use std::io::Read;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const CLIENTS: usize = 200;
    let listeners = zenio::listen_per_core("127.0.0.1:0", 2)?;
    let addr = listeners[0].local_addr()?;
    assert!(listeners.iter().all(|l| l.local_addr().ok() == Some(addr)));
    // Connect before any runtime exists: the kernel queues every client.
    let clients: Vec<std::net::TcpStream> = (0..CLIENTS)
        .map(|_| std::net::TcpStream::connect(addr))
        .collect::<io::Result<_>>()?;
    let served = AtomicUsize::new(0);
    let per_runtime = zenio::run_per_core(listeners, |_index, listener| {
        let served = &served;
        async move {
            let listener = zenio::TcpListener::from_std(listener)?;
            let mut mine = 0;
            // Accept until every client is served; a runtime whose share is done gives up
            // waiting after a short while (only to stop: nothing is asserted on time).
            while served.load(Ordering::SeqCst) < CLIENTS {
                let accepted = zenio::timeout(Duration::from_millis(50), listener.accept()).await;
                if let Ok(accepted) = accepted {
                    accepted?.0.write_all(b"!").await?;
                    served.fetch_add(1, Ordering::SeqCst);
                    mine += 1;
                }
            }
            Ok::<_, io::Error>(mine)
        }
    });
    let total: usize = per_runtime.into_iter().sum::<io::Result<usize>>()?;
    assert_eq!(total, CLIENTS);
    for mut client in clients {
        let mut byte = [0];
        client.read_exact(&mut byte)?;
        assert_eq!(&byte, b"!");
    }
    Ok(())
}
