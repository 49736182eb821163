//! The event-driven architectures (`poll`, `callback`, `coroutine`), on one core or many.
//!
//! With `--cores N`, N threads each run their own event loop, each with its own listening
//! socket on the same port (`SO_REUSEPORT`): "the best of both worlds" of the source
//! documents, and nginx's design. The loops share nothing on the hot path; the kernel
//! spreads new connections between their listeners, which are all bound before any loop
//! starts, so no early client is refused; the process's descriptor table is grown for every
//! loop's `--max-conns` then too ([`reserve_descriptors`]), so no early client waits for it.
//! With `--pin`, each loop's thread is pinned to its own core. With one core it is the same
//! code on one thread.

use std::io;
use std::net::SocketAddr;

use super::accept_loop::AcceptLoop;
use super::{announce, callback, coroutine, hyper, listen, poll, Arch, Options};
use crate::accept::reserve_descriptors;
use crate::log;
use crate::protocol::Session;
use crate::shutdown::{print_summaries, StopSignal, Summary};

/// Runs `arch` on `cores` event loops until a stop signal, then prints one summary line per
/// loop.
pub fn run<S: Session>(arch: Arch, addr: SocketAddr, options: &Options) -> io::Result<()> {
    let cores = options.cores();
    let listeners = listen(addr, cores)?;
    let local = listeners[0].local_addr()?;
    let most_connections = options.limits().max_connections.saturating_mul(cores);
    if let Err(error) = reserve_descriptors(&listeners[0], most_connections) {
        tracing::warn!("descriptor table not grown ahead (it grows as clients come): {error}");
    }
    // The stop signals are heard from here on: only then is the server announced.
    let signals = StopSignal::group(cores)?;
    let inputs: Vec<_> = listeners.into_iter().zip(signals).collect();
    announce(local)?;
    let results = zenio::run_per_core(inputs, |core, (listener, signal)| async move {
        if cores > 1 {
            log::set_core(core);
        }
        if options.pin {
            if let Err(error) = zenio::pin_to_core(core) {
                tracing::warn!("loop {core} runs unpinned: {error}");
            }
        }
        // `poll` is a loop of its own that never awaits: the zenio runtime of its thread
        // stays idle.
        if arch == Arch::Poll {
            return poll::serve::<S>(listener, signal, options.grace, options.limits());
        }
        // Registered with this thread's runtime, non-blocking.
        let listener = zenio::TcpListener::from_std(listener)?;
        let accept = AcceptLoop::new(listener, signal, options);
        Ok(match arch {
            Arch::Callback => callback::serve::<S>(accept).await,
            Arch::Hyper => hyper::serve(accept).await,
            _ => coroutine::serve::<S>(accept).await,
        })
    });
    let summaries = results.into_iter().collect::<io::Result<Vec<Summary>>>()?;
    print_summaries("core", &summaries);
    Ok(())
}
