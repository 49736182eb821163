//! A zenio socket or timer that must wait where no `zenio::block_on` runs panics at once, with
//! a `zenio:` message saying what to do, instead of hanging: nothing would ever wake it. One
//! that need not wait (a sleep already due, a connection already queued) just completes.
//!
//! (`spawn` on a thread that never runs `block_on`: `join_handle.rs`,
//! `a_task_still_queued_when_its_thread_exits_is_cancelled`.)

use std::io;
use std::thread;
use std::time::Duration;

use futures_lite::future;

/// The start of the message; the rest says what to do.
const MESSAGE: &str = "zenio: a zenio socket or timer was polled outside zenio::block_on; \
    run it inside zenio::block_on on this thread, or hand it to a runtime with zenio::spawner()";

/// Runs `f` on a new thread and returns the message it panicked with.
fn panic_message(f: impl FnOnce() + Send + 'static) -> String {
    let payload = thread::spawn(f).join().expect_err("it panicked");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .expect("a text message")
            .to_string(),
    }
}

#[test]
#[should_panic(expected = "zenio:")]
fn a_sleep_under_another_executor_panics() {
    future::block_on(zenio::sleep(Duration::from_secs(3600)));
}

#[test]
fn the_message_says_what_to_do() {
    let message = panic_message(|| future::block_on(zenio::sleep(Duration::from_secs(3600))));
    assert_eq!(message, MESSAGE);
}

#[test]
fn a_sleep_after_block_on_has_returned_panics() {
    let message = panic_message(|| {
        zenio::block_on(async {}); // this thread has a runtime, but it is not running now
        future::block_on(zenio::sleep(Duration::from_secs(3600)));
    });
    assert_eq!(message, MESSAGE);
}

#[test]
fn an_accept_that_must_wait_under_another_executor_panics() {
    let message = panic_message(|| {
        let listener = zenio::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let _ = future::block_on(listener.accept()); // nobody connects
    });
    assert_eq!(message, MESSAGE);
}

#[test]
fn a_read_that_must_wait_under_another_executor_panics() {
    let message = panic_message(|| {
        let (stream, _client) = zenio::block_on(async {
            let listener = zenio::TcpListener::bind("127.0.0.1:0")?;
            let client = std::net::TcpStream::connect(listener.local_addr()?)?;
            let (stream, _) = listener.accept().await?;
            io::Result::Ok((stream, client))
        })
        .expect("a connection over loopback");
        let mut buf = [0; 16];
        let _ = future::block_on(stream.read(&mut buf)); // the client sends nothing
    });
    assert_eq!(message, MESSAGE);
}

#[test]
fn a_sleep_already_due_completes_under_another_executor() {
    future::block_on(zenio::sleep(Duration::ZERO));
}

#[test]
fn an_accept_that_need_not_wait_completes_under_another_executor() -> io::Result<()> {
    let listener = zenio::TcpListener::bind("127.0.0.1:0")?;
    let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
    let (_stream, peer) = future::block_on(listener.accept())?;
    assert!(peer.ip().is_loopback());
    Ok(())
}
