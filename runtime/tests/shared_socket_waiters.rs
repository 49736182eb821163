//! Several tasks may wait on one socket in the same direction (several tasks accepting on one
//! listener, say): each of them is woken when the socket becomes ready, not only the first.
//! (The first waits in the socket's own slot, the others in a list the reactor keeps.) A
//! waiting task that is aborted leaves nothing behind.

use std::io;
use std::net::TcpStream;
use std::rc::Rc;
use std::time::Duration;

use zenio::TcpListener;

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// Spawns a task that accepts one connection on `listener`.
fn accept_one(listener: &Rc<TcpListener>) -> zenio::JoinHandle<io::Result<()>> {
    let listener = Rc::clone(listener);
    zenio::spawn(async move { listener.accept().await.map(drop) })
}

#[test]
fn every_task_waiting_to_accept_on_one_listener_gets_a_connection() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = Rc::new(TcpListener::bind("127.0.0.1:0")?);
        let addr = listener.local_addr()?;
        let accepting: Vec<_> = (0..3).map(|_| accept_one(&listener)).collect();
        // Let the three tasks find nothing to accept and wait (each yield runs one task).
        for _ in 0..3 {
            zenio::yield_now().await;
        }
        let _clients = [
            TcpStream::connect(addr)?,
            TcpStream::connect(addr)?,
            TcpStream::connect(addr)?,
        ];
        for task in accepting {
            task.await.expect("the task ran to the end")?;
        }
        Ok(())
    }))?
}

#[test]
fn an_aborted_task_that_waited_behind_another_leaves_the_others_working() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let listener = Rc::new(TcpListener::bind("127.0.0.1:0")?);
        let addr = listener.local_addr()?;
        let first = accept_one(&listener);
        let second = accept_one(&listener);
        for _ in 0..2 {
            zenio::yield_now().await; // each yield runs one task, which waits
        }
        second.abort();
        assert!(second.await.is_err(), "an aborted task ends cancelled");
        let third = accept_one(&listener);
        zenio::yield_now().await;
        let _clients = [TcpStream::connect(addr)?, TcpStream::connect(addr)?];
        first.await.expect("the first task ran to the end")?;
        third.await.expect("the third task ran to the end")?;
        Ok(())
    }))?
}
