//! A toy executor, built by hand in chapter 6 of the book (`docs/06-an-executor-by-hand.md`):
//! a run queue of task ids, a slab of boxed futures, and a `std::task::Wake` that puts a
//! task's id back on the queue. It is asyncio's `loop.run_until_complete` and `create_task`
//! with nothing else: no reactor, no timers. When no task is ready the thread blocks in the
//! queue's `recv` (a `futex` wait) until some other thread wakes a task.
//!
//! It has no `unsafe` code and no `async-task`, and it runs in the micro-benchmarks beside zenio
//! and tokio (`benches/benches/micro.rs`), so that the chapter can say what the pieces it leaves
//! out are worth.

use std::cell::RefCell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use slab::Slab;

/// A spawned future, boxed so that futures of every type fit in one slab.
type Task = Pin<Box<dyn Future<Output = ()>>>;

/// The id that `block_on`'s own future goes by on the run queue.
const MAIN: usize = usize::MAX;

/// One thread's executor.
struct Executor {
    /// Every unfinished task and its waker, by id; `None` while the task is being polled.
    tasks: RefCell<Slab<Option<(Task, Waker)>>>,
    /// The sending end of the run queue; every waker holds a clone.
    queue: Sender<usize>,
    /// The receiving end: the ids of the tasks woken, in order.
    ready: Receiver<usize>,
}

thread_local! {
    /// This thread's executor, made on first use.
    static EXECUTOR: Executor = {
        let (queue, ready) = mpsc::channel();
        Executor { tasks: RefCell::new(Slab::new()), queue, ready }
    };
}

/// What a task's waker holds: which task, and the queue to put it on.
struct TaskWaker {
    /// The task's key in the slab.
    id: usize,
    /// The run queue.
    queue: Sender<usize>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// Puts the task's id on the run queue, from any thread. (If the executor is gone, the
    /// send fails, and there is nobody left to run the task anyway.)
    fn wake_by_ref(self: &Arc<Self>) {
        let _ = self.queue.send(self.id);
    }
}

/// Starts `future` as a task on this thread's executor (asyncio's `create_task`).
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    let slot = Rc::new(RefCell::new(JoinSlot {
        output: None,
        waiter: None,
    }));
    let writer = Rc::clone(&slot);
    let task = async move {
        let output = future.await;
        let waiter = {
            let mut slot = writer.borrow_mut();
            slot.output = Some(output);
            slot.waiter.take()
        };
        if let Some(waker) = waiter {
            waker.wake();
        }
    };
    EXECUTOR.with(|executor| {
        let mut tasks = executor.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let id = entry.key();
        let queue = executor.queue.clone();
        let waker = Waker::from(Arc::new(TaskWaker { id, queue }));
        entry.insert(Some((Box::pin(task), waker)));
        let _ = executor.queue.send(id); // a new task is ready to run
    });
    JoinHandle { slot }
}

/// Runs `future` to the end on this thread, and the spawned tasks meanwhile (asyncio's
/// `run_until_complete`).
pub fn block_on<F: Future>(future: F) -> F::Output {
    EXECUTOR.with(|executor| {
        let mut future = pin!(future);
        let queue = executor.queue.clone();
        let waker = Waker::from(Arc::new(TaskWaker { id: MAIN, queue }));
        let mut cx = Context::from_waker(&waker);
        let _ = executor.queue.send(MAIN);
        loop {
            // 1. Take the next woken id; block the thread while there is none.
            let id = executor.ready.recv().expect("the executor holds a sender");
            // 2. Poll that future once.
            if id != MAIN {
                executor.run(id);
            } else if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
    })
}

impl Executor {
    /// Polls task `id` once, and forgets it if it finished.
    fn run(&self, id: usize) {
        // Take the task out of the slab while it runs, so that it can spawn others.
        let Some((mut task, waker)) = self.tasks.borrow_mut().get_mut(id).and_then(Option::take)
        else {
            return; // a wake for a task that has finished since
        };
        // (If a newer task has taken the id of a finished one, a late wake polls the newer
        // one once for nothing. Futures allow that: a poll that finds nothing returns Pending.)
        match task.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(()) => {
                self.tasks.borrow_mut().remove(id);
            }
            Poll::Pending => self.tasks.borrow_mut()[id] = Some((task, waker)),
        }
    }
}

/// A spawned task's result, to `.await` (asyncio's `Task`).
pub struct JoinHandle<T> {
    /// Shared with the task, which fills it in.
    slot: Rc<RefCell<JoinSlot<T>>>,
}

/// Where a task leaves its output for its `JoinHandle`.
struct JoinSlot<T> {
    /// The output, once the task has finished.
    output: Option<T>,
    /// The waker of whoever awaits the handle.
    waiter: Option<Waker>,
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.borrow_mut();
        match slot.output.take() {
            Some(output) => Poll::Ready(output),
            None => {
                slot.waiter = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests;
