//! The runtime of the current thread: one executor, one reactor, their counters.
//!
//! zenio keeps one runtime per thread in a thread-local, created the first time the thread
//! uses it, the way asyncio keeps one event loop per thread (`asyncio.get_event_loop()`).
//! Functions such as [`spawn`](crate::spawn) and [`sleep`](crate::sleep) find it there, so
//! nothing needs to be passed around. Because a runtime is only ever touched by its own
//! thread, everything in it is a plain `Cell` or `RefCell`: no locks.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::executor::Executor;
use crate::reactor::Reactor;
use crate::stats::Counters;

/// One thread's runtime.
pub(crate) struct Runtime {
    /// Runs tasks. Declared first so that it drops first: the tasks it still holds may own
    /// sockets, which are closed before the reactor goes away.
    pub(crate) executor: Executor,
    /// Waits for readiness and timers.
    pub(crate) reactor: Reactor,
    /// What this runtime has done, for [`stats()`](crate::stats()).
    pub(crate) counters: Counters,
}

thread_local! {
    /// This thread's runtime, created on first use.
    static RUNTIME: Runtime = Runtime::new();

    /// The id of this thread's runtime (0: none yet). Kept apart from `RUNTIME` because it has
    /// no destructor, so wakers can read it even while the thread is exiting.
    static HOME_ID: Cell<usize> = const { Cell::new(0) };
}

/// Hands out runtime ids; 0 means "no runtime".
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

impl Runtime {
    /// Creates this thread's runtime. Panics if the kernel refuses an epoll instance (for
    /// example when the process is out of file descriptors), as there is no way to go on.
    fn new() -> Runtime {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        HOME_ID.with(|home| home.set(id));
        let reactor = Reactor::new().expect("zenio: cannot create an epoll instance");
        Runtime {
            executor: Executor::new(id, reactor.poller().clone()),
            reactor,
            counters: Counters::default(),
        }
    }
}

/// Runs `f` with this thread's runtime, creating it if needed.
pub(crate) fn with<R>(f: impl FnOnce(&Runtime) -> R) -> R {
    RUNTIME.with(f)
}

/// Runs `f` with this thread's runtime, unless the thread is exiting and it is gone.
pub(crate) fn try_with<R>(f: impl FnOnce(&Runtime) -> R) -> Option<R> {
    RUNTIME.try_with(f).ok()
}

/// Whether the runtime with this id belongs to the current thread.
pub(crate) fn is_home(id: usize) -> bool {
    HOME_ID.with(|home| home.get() == id)
}
