//! The toy executor at work (chapter 6 of the book): tasks that sleep, and tasks that talk over
//! a socket pair. It has no reactor, so each wait is a thread of its own that blocks (in
//! `nanosleep`, or in `poll(2)` on one socket) and then calls the task's waker: exactly the
//! cost of chapter 2's threads, which chapter 8's reactor removes.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags};

use super::{block_on, spawn};

/// A future that is ready `duration` after its first poll: a thread sleeps, then wakes us.
struct Sleep {
    /// How long to sleep.
    duration: Duration,
    /// Set by the sleeping thread when the time is up; `None` before the first poll.
    done: Option<Arc<AtomicBool>>,
}

fn sleep(duration: Duration) -> Sleep {
    Sleep {
        duration,
        done: None,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.done {
            Some(done) if done.load(Ordering::Acquire) => Poll::Ready(()),
            Some(_) => Poll::Pending, // polled early: the thread will still wake us
            None => {
                let done = Arc::new(AtomicBool::new(false));
                let (flag, waker, duration) = (done.clone(), cx.waker().clone(), self.duration);
                thread::spawn(move || {
                    thread::sleep(duration);
                    flag.store(true, Ordering::Release);
                    waker.wake(); // from another thread: the waker is Send
                });
                self.done = Some(done);
                Poll::Pending
            }
        }
    }
}

/// Reads from a non-blocking socket; when it would block, a thread waits in `poll(2)` until
/// the socket is readable, then wakes us, and we try again.
async fn read(socket: &UnixStream, buf: &mut [u8]) -> io::Result<usize> {
    poll_fn(|cx| match (&*socket).read(buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            let socket = socket.try_clone()?; // the thread needs a descriptor of its own
            let waker = cx.waker().clone();
            thread::spawn(move || {
                let _ = rustix::event::poll(&mut [PollFd::new(&socket, PollFlags::IN)], None);
                waker.wake();
            });
            Poll::Pending
        }
        result => Poll::Ready(result),
    })
    .await
}

/// `zen_utils.get_answer`, for two aphorisms.
fn get_answer(question: &[u8]) -> &'static [u8] {
    match question {
        b"Beautiful is better than?" => b"ugly.",
        b"Simple is better than?" => b"complex.",
        _ => b"Error: unknown aphorism.",
    }
}

/// The server's side of the pair: read a question, answer it, until the client closes.
/// (Our writes are small and the socket's buffer empty, so a write never blocks here.)
async fn serve(socket: UnixStream) -> io::Result<usize> {
    let mut answered = 0;
    let mut buf = [0; 64];
    loop {
        let n = read(&socket, &mut buf).await?;
        if n == 0 {
            return Ok(answered);
        }
        (&socket).write_all(get_answer(&buf[..n]))?;
        answered += 1;
    }
}

/// The client's side: a question, a pause, the answer.
async fn ask(socket: &UnixStream, question: &[u8]) -> io::Result<Vec<u8>> {
    (&*socket).write_all(question)?;
    sleep(Duration::from_millis(5)).await;
    let mut answer = vec![0; 64];
    let n = read(socket, &mut answer).await?;
    answer.truncate(n);
    Ok(answer)
}

#[test]
fn tasks_sleep_and_talk_over_a_socket_pair() -> io::Result<()> {
    let (server_end, client_end) = UnixStream::pair()?;
    server_end.set_nonblocking(true)?;
    client_end.set_nonblocking(true)?;
    let start = Instant::now();
    let (answers, answered, slept) = block_on(async {
        // Three sleepers, started first; they run while the conversation goes on.
        let sleepers: Vec<_> = [30, 10, 20]
            .map(|ms| spawn(async move { sleep(Duration::from_millis(ms)).await }))
            .into();
        let server = spawn(serve(server_end));
        let client = spawn(async move {
            let first = ask(&client_end, b"Beautiful is better than?").await?;
            let second = ask(&client_end, b"Simple is better than?").await?;
            io::Result::Ok([first, second]) // `client_end` is dropped: the server reads EOF
        });
        let answers = client.await?;
        let answered = server.await?;
        for sleeper in sleepers {
            sleeper.await;
        }
        io::Result::Ok((answers, answered, start.elapsed()))
    })?;
    assert_eq!(answers, [b"ugly.".to_vec(), b"complex.".to_vec()]);
    assert_eq!(answered, 2);
    assert!(slept >= Duration::from_millis(30)); // the longest sleeper finished too
    Ok(())
}

#[test]
fn a_task_returns_its_output_through_its_handle() {
    let output = block_on(async {
        let inner = spawn(async { 6 * 7 });
        spawn(async move { inner.await + 1 }).await
    });
    assert_eq!(output, 43);
}

#[test]
fn a_yield_puts_the_task_at_the_back_of_the_queue() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let worker = |name: &'static str| {
        let log = Rc::clone(&log);
        async move {
            log.borrow_mut().push(format!("{name}1"));
            futures_lite::future::yield_now().await; // wake_by_ref, then Pending
            log.borrow_mut().push(format!("{name}2"));
        }
    };
    let (a, b) = (spawn(worker("a")), spawn(worker("b")));
    block_on(async {
        a.await;
        b.await;
    });
    assert_eq!(*log.borrow(), ["a1", "b1", "a2", "b2"]);
}

#[test]
fn futures_need_not_be_send() {
    // The task holds an `Rc`: it stays on this thread, in this thread's slab.
    let shared = Rc::new(RefCell::new(0));
    let counter = Rc::clone(&shared);
    block_on(spawn(async move { *counter.borrow_mut() += 1 }));
    assert_eq!(*shared.borrow(), 1);
}
