//! Per-core mode: N independent runtimes, one per thread, each on its own core.
//!
//! A zenio runtime is single-threaded, so using every core means running one per core, each
//! with its own sockets, timers and tasks and nothing shared on the hot path: the design of
//! nginx's worker processes and of thread-per-core runtimes. With listeners bound with
//! `SO_REUSEPORT` ([`listen_per_core`]), the kernel spreads new connections between the
//! runtimes. A runtime may pin its thread to its core ([`pin_to_core`],
//! `sched_setaffinity(2)`), so its caches stay warm; that is right on a machine the server
//! has to itself, and wrong on one it shares (a pinned loop cannot move away from a busy
//! core), so it is the caller's choice. asyncio's version is "the best of both worlds" of
//! the source documents: an event loop in each of several processes.
//!
//! See chapter 13 of the book: `docs/13-many-cores.md`.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::OnceLock;
use std::thread;

use crate::net::each_addr;
use crate::TcpListener;

use rustix::process::getpid;
use rustix::thread::{sched_getaffinity, sched_setaffinity, CpuSet};

/// Runs one runtime per element of `inputs`, each on its own thread (`zenio-core-i`), and
/// returns their outputs in the same order. Runtime `i` runs `main(i, inputs[i])`; the
/// future is made on its thread, so it need not be `Send` (only the inputs and outputs
/// cross threads). To pin runtime `i` to a core, call [`pin_to_core`]`(i)` in `main`.
///
/// To serve one port from every runtime, bind the listeners first with
/// [`listen_per_core`] and pass one to each: they are listening before this is called, so
/// a client that connects at once is queued, never refused.
///
/// # Panics
///
/// If a runtime panics, once every runtime has finished.
pub fn run_per_core<T, F, Fut>(inputs: Vec<T>, main: F) -> Vec<Fut::Output>
where
    T: Send,
    F: Fn(usize, T) -> Fut + Sync,
    Fut: Future,
    Fut::Output: Send,
{
    thread::scope(|scope| {
        let threads: Vec<_> = inputs
            .into_iter()
            .enumerate()
            .map(|(index, input)| {
                let main = &main;
                thread::Builder::new()
                    .name(format!("zenio-core-{index}"))
                    .spawn_scoped(scope, move || crate::block_on(main(index, input)))
                    .expect("zenio: cannot start a runtime thread")
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Binds `count` listeners to `addr`, for `count` runtimes: with more than one, each has
/// `SO_REUSEPORT` and the kernel spreads new connections between them; port 0 is resolved by
/// the first and reused by the others. They are bound and listening when this returns, so
/// clients may connect at once (the kernel queues them until a runtime accepts). They are
/// std listeners, so that they can be handed to other threads: make each a zenio listener
/// on its runtime with [`TcpListener::from_std`].
pub fn listen_per_core(
    addr: impl ToSocketAddrs,
    count: usize,
) -> io::Result<Vec<std::net::TcpListener>> {
    let bind = |addr: SocketAddr| match count {
        1 => TcpListener::bind(addr),
        _ => TcpListener::bind_reuseport(addr),
    };
    let first = each_addr(addr, bind)?;
    let addr = first.local_addr()?;
    let mut listeners = vec![first.into_std()?];
    for _ in 1..count {
        listeners.push(bind(addr)?.into_std()?);
    }
    Ok(listeners)
}

/// Pins the calling thread to the `index`-th core this process may run on (wrapping around),
/// and returns that core's number.
pub fn pin_to_core(index: usize) -> io::Result<usize> {
    let allowed = allowed_cores()?;
    if allowed.is_empty() {
        return Err(io::Error::other("no core is allowed"));
    }
    let core = allowed[index % allowed.len()];
    let mut only = CpuSet::new();
    only.set(core);
    sched_setaffinity(None, &only)?;
    Ok(core)
}

/// How many cores this process may run on (`sched_getaffinity`), at least 1.
pub fn available_cores() -> usize {
    allowed_cores().map_or(1, |cores| cores.len().max(1))
}

/// The numbers of the cores this process may run on: the mask of its main thread (the
/// thread whose id is the process id), read once. Not the calling thread's mask, which is a
/// single core once the thread has been pinned.
fn allowed_cores() -> io::Result<&'static [usize]> {
    static ALLOWED: OnceLock<Vec<usize>> = OnceLock::new();
    if let Some(cores) = ALLOWED.get() {
        return Ok(cores);
    }
    let set = sched_getaffinity(Some(getpid()))?;
    let cores = (0..CpuSet::MAX_CPU)
        .filter(|&cpu| set.is_set(cpu))
        .collect();
    Ok(ALLOWED.get_or_init(|| cores))
}
