//! `AsyncFd` on a descriptor that is not a TCP socket (one end of a Unix socket pair): `new`
//! puts it in non-blocking mode; `read_with` and `write_with` run the caller's syscall, and
//! when it says `EAGAIN`, wait for readiness and try again, whoever makes the descriptor ready
//! (a task of this runtime or another thread). An `AsyncFd` over a borrowed descriptor can
//! be made again after the last one was dropped: the descriptor stays open, so epoll still
//! holds it, and registering it again must not fail.

use std::fs;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::Duration;

use zenio::AsyncFd;

/// Bound on every test: a lost wake fails the test instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(10);

/// `O_NONBLOCK`, as `/proc/self/fdinfo` prints the file status flags (in octal).
const O_NONBLOCK: u32 = 0o4000;

/// A task's outcome as an `io::Result`.
fn joined<T>(outcome: Result<T, zenio::JoinError>) -> io::Result<T> {
    outcome.map_err(|error| io::Error::other(error.to_string()))
}

/// Whether the kernel has the descriptor in non-blocking mode (the `flags:` line of
/// `/proc/self/fdinfo/N`). Reading it cannot block, whatever the answer.
fn is_nonblocking(fd: &impl AsRawFd) -> io::Result<bool> {
    let info = fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd()))?;
    let flags = info
        .lines()
        .find_map(|line| line.strip_prefix("flags:"))
        .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
        .ok_or_else(|| io::Error::other("no flags in fdinfo"))?;
    Ok(flags & O_NONBLOCK != 0)
}

/// Wraps one end of a fresh pair and gives the other end (blocking, with a read timeout, for
/// plain threads). Fails rather than lets a later read block the runtime's thread, should
/// `new` have left the descriptor blocking.
fn pair() -> io::Result<(AsyncFd<UnixStream>, UnixStream)> {
    let (ours, theirs) = UnixStream::pair()?;
    theirs.set_read_timeout(Some(NO_HANG))?;
    let ours = AsyncFd::new(ours)?;
    if !is_nonblocking(ours.get_ref())? {
        return Err(io::Error::other(
            "AsyncFd::new left the descriptor blocking",
        ));
    }
    Ok((ours, theirs))
}

/// Reads exactly `len` bytes on a plain thread.
fn read_exactly(mut stream: &UnixStream, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    stream.read_exact(&mut buf)?;
    Ok(buf)
}

#[test]
fn new_puts_the_descriptor_in_non_blocking_mode() -> io::Result<()> {
    let (ours, _theirs) = UnixStream::pair()?;
    assert!(!is_nonblocking(&ours)?, "a fresh pair is blocking");
    let ours = AsyncFd::new(ours)?;
    assert!(is_nonblocking(ours.get_ref())?);
    // Nothing has been written: a read straight on the descriptor says so instead of waiting.
    let mut buf = [0u8; 16];
    let read = ours.get_ref().read(&mut buf);
    assert_eq!(read.map_err(|e| e.kind()), Err(io::ErrorKind::WouldBlock));
    Ok(())
}

#[test]
fn read_with_waits_until_another_thread_writes() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (ours, theirs) = pair()?;
        let reader = zenio::spawn(async move {
            let mut buf = [0u8; 64];
            let n = ours.read_with(|s| (&*s).read(&mut buf)).await?;
            Ok::<_, io::Error>(buf[..n].to_vec())
        });
        // Let the reader try: nothing is there, so it waits.
        for _ in 0..3 {
            zenio::yield_now().await;
        }
        assert!(!reader.is_finished(), "the reader waits for data");

        // Another thread writes while this runtime sleeps in epoll_wait: the readiness event
        // alone must bring the reader back.
        let writer = thread::spawn(move || (&theirs).write_all(b"from a thread"));
        let got = joined(reader.await)??;
        writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        assert_eq!(got, b"from a thread");
        Ok(())
    }))?
}

#[test]
fn read_with_waits_until_a_task_writes() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (left, right) = UnixStream::pair()?;
        let left = AsyncFd::new(left)?;
        let right = AsyncFd::new(right)?;
        assert!(is_nonblocking(left.get_ref())? && is_nonblocking(right.get_ref())?);
        let reader = zenio::spawn(async move {
            let mut buf = [0u8; 64];
            let n = left.read_with(|s| (&*s).read(&mut buf)).await?;
            Ok::<_, io::Error>(buf[..n].to_vec())
        });
        zenio::yield_now().await;
        assert!(!reader.is_finished(), "the reader waits for data");
        let written = right.write_with(|s| (&*s).write(b"from a task")).await?;
        assert_eq!(written, b"from a task".len());
        assert_eq!(joined(reader.await)??, b"from a task");
        Ok(())
    }))?
}

#[test]
fn write_with_sends_through_the_descriptor() -> io::Result<()> {
    let (ours, theirs) = pair()?;
    let written = zenio::block_on(zenio::timeout(
        NO_HANG,
        ours.write_with(|s| (&*s).write(b"ping")),
    ))??;
    assert_eq!(written, 4);
    assert_eq!(read_exactly(&theirs, 4)?, b"ping");
    Ok(())
}

#[test]
fn write_with_waits_for_room_when_the_buffer_is_full() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (ours, theirs) = pair()?;
        // Fill the socket buffer, straight on the descriptor, until the kernel says EAGAIN.
        let chunk = vec![b'x'; 64 * 1024];
        let mut filled = 0;
        for attempt in 0.. {
            match ours.get_ref().write(&chunk) {
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
            if attempt == 10_000 {
                return Err(io::Error::other("the socket buffer never filled up"));
            }
        }

        let writer = zenio::spawn(async move { ours.write_with(|s| (&*s).write(b"END")).await });
        for _ in 0..3 {
            zenio::yield_now().await;
        }
        assert!(!writer.is_finished(), "the writer waits for room");

        // A thread empties the buffer; the room it makes must bring the writer back.
        let drainer = thread::spawn(move || read_exactly(&theirs, filled + 3));
        assert_eq!(joined(writer.await)??, 3);
        let drained = drainer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        assert!(drained[..filled].iter().all(|&b| b == b'x'));
        assert_eq!(&drained[filled..], b"END");
        Ok(())
    }))?
}

#[test]
fn a_borrowed_descriptor_can_be_waited_on_again_by_a_new_async_fd() -> io::Result<()> {
    zenio::block_on(zenio::timeout(NO_HANG, async {
        let (ours, theirs) = UnixStream::pair()?;
        let ours = std::rc::Rc::new(ours);
        for round in 0..3u8 {
            // A fresh AsyncFd on the same open descriptor each time (shared, so dropping the
            // AsyncFd does not close it), as a loop that waits for a signal pipe now and then
            // does; it registers when the read would block.
            let waiting = AsyncFd::new(std::rc::Rc::clone(&ours))?;
            let reader = zenio::spawn(async move {
                let mut buf = [0u8; 8];
                let n = waiting.read_with(|s| (&**s).read(&mut buf)).await?;
                Ok::<_, io::Error>(buf[..n].to_vec())
            });
            zenio::yield_now().await;
            assert!(
                !reader.is_finished(),
                "round {round}: the reader waits for data"
            );
            (&theirs).write_all(&[round])?;
            assert_eq!(joined(reader.await)??, [round], "round {round}");
        }
        Ok(())
    }))?
}
