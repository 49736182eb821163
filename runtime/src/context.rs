//! The runtime of the current thread: one executor, one reactor, their counters.
//!
//! zenio keeps one runtime per thread in a thread-local, created the first time the thread
//! uses it, the way asyncio keeps one event loop per thread (`asyncio.get_event_loop()`).
//! Functions such as [`spawn`](crate::spawn) and [`sleep`](crate::sleep) find it there, so
//! nothing needs to be passed around. Because a runtime is only ever touched by its own
//! thread, everything in it is a plain `Cell` or `RefCell`: no locks.
//!
//! See chapter 9 of the book, `docs/09-the-executor.md` (why one thread needs no locks).

use std::cell::{Cell, OnceCell};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::executor::Executor;
use crate::reactor::Reactor;
use crate::stats::Counters;

/// One thread's runtime.
pub(crate) struct Runtime {
    /// Tells this runtime apart from the others (one per thread), for wakes.
    pub(crate) id: usize,
    /// Runs tasks. Declared first so that it drops first: the tasks it still holds may own
    /// sockets, which are closed before the reactor goes away. (The runtime's `Drop` has
    /// cancelled them all by then.)
    pub(crate) executor: Executor,
    /// Waits for readiness and timers.
    pub(crate) reactor: Reactor,
    /// What this runtime has done, for [`stats()`](crate::stats()).
    pub(crate) counters: Counters,
}

thread_local! {
    /// This thread's runtime, created on first use by [`with`]. Wakes only look, never
    /// create: a thread that merely wakes a task needs no runtime of its own.
    static RUNTIME: OnceCell<Runtime> = const { OnceCell::new() };

    /// A `block_on` runs on this thread. Every wait reads this, so it is a thread-local of
    /// its own, a plain cell (one load), not a field of the lazily made runtime.
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Hands out runtime ids.
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

impl Runtime {
    /// Creates this thread's runtime. Panics if the kernel refuses an epoll instance (for
    /// example when the process is out of file descriptors), as there is no way to go on.
    fn new() -> Runtime {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let reactor = Reactor::new().expect("zenio: cannot create an epoll instance");
        Runtime {
            id,
            executor: Executor::new(id, reactor.poller().clone()),
            reactor,
            counters: Counters::default(),
        }
    }
}

impl Drop for Runtime {
    /// The thread is ending: cancels the tasks still alive. First the ones waiting for a
    /// socket or a timer are woken; since this thread-local is being torn down, a wake cannot
    /// reach the local queue and goes to the shared one. Then the executor cancels every
    /// queued task, one by one, outside any wake (see [`Executor::cancel_all`]). A cancelled
    /// task's `JoinHandle`, perhaps held on another thread, resolves to
    /// `JoinError::Cancelled`.
    fn drop(&mut self) {
        let mut wakers = Vec::new();
        self.reactor.take_all_waiters(&mut wakers);
        for waker in wakers {
            waker.wake();
        }
        self.executor.cancel_all();
    }
}

/// Runs `f` with this thread's runtime, creating it if needed.
pub(crate) fn with<R>(f: impl FnOnce(&Runtime) -> R) -> R {
    RUNTIME.with(|runtime| f(runtime.get_or_init(Runtime::new)))
}

/// What a socket or timer says when it must wait on a thread where no `block_on` runs.
const NOT_RUNNING: &str = "zenio: a zenio socket or timer was polled outside zenio::block_on; \
    run it inside zenio::block_on on this thread, or hand it to a runtime with zenio::spawner()";

/// Panics unless a `block_on` runs on this thread: a socket or a timer calls this when it
/// is about to wait, since nothing else would ever wake it (say, under
/// `futures_lite::future::block_on`). So it fails at once instead of hanging, as tokio does
/// ("there is no reactor running"). One load of a thread-local, on the waiting path only.
pub(crate) fn assert_running() {
    if !RUNNING.with(Cell::get) {
        panic!("{NOT_RUNNING}");
    }
}

/// Runs `f` with this thread's runtime, which must be running a `block_on` (see
/// [`assert_running`]).
pub(crate) fn with_running<R>(f: impl FnOnce(&Runtime) -> R) -> R {
    assert_running();
    with(f)
}

/// Marks this thread as running a `block_on` until the guard is dropped (even by a panic);
/// `None` if one already runs here (they cannot nest).
pub(crate) fn enter() -> Option<Running> {
    (!RUNNING.with(|running| running.replace(true))).then_some(Running)
}

/// While alive, a `block_on` runs on this thread; see [`enter`].
pub(crate) struct Running;

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|running| running.set(false));
    }
}

/// Runs `f` with this thread's runtime, unless it has none (never used, or the thread is
/// exiting and it is gone).
pub(crate) fn try_with<R>(f: impl FnOnce(&Runtime) -> R) -> Option<R> {
    RUNTIME
        .try_with(|runtime| runtime.get().map(f))
        .ok()
        .flatten()
}

/// Hands `value` to `f` if this thread's runtime is the runtime `id`; otherwise gives
/// `value` back. One thread-local lookup: this is on the path of every wake.
pub(crate) fn with_home<T>(id: usize, value: T, f: impl FnOnce(&Runtime, T)) -> Option<T> {
    let mut value = Some(value);
    let _ = RUNTIME.try_with(|runtime| match runtime.get() {
        Some(runtime) if runtime.id == id => f(runtime, value.take().expect("taken once")),
        _ => {}
    });
    value
}
