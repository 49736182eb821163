//! Micro-benchmarks: what one task, one wake and one socket round trip cost in zenio, next to
//! tokio's `current_thread` runtime and `async-executor`'s `LocalExecutor`; and, for the two
//! groups without I/O, the toy executor that chapter 6 of the book builds by hand
//! (`zenio_benches::toy_executor`: no `async-task`, a channel for a run queue).
//!
//! Each group has the functions `zenio`, `tokio` and `async-executor` (and `toy`), built the
//! same way:
//! the runtime is made once, then every batch of `iters` iterations is one `block_on` whose
//! future times its own loop (Criterion's `iter_custom`), so that entering and leaving the
//! runtime is not part of what is measured. All of them run on one thread.
//!
//! - `spawn_await`: spawn an empty task and await its handle.
//! - `yield_pingpong`: two tasks each yield once per iteration, so the two alternate on the run
//!   queue; one iteration is one wake and one poll of each task.
//! - `tcp_echo_roundtrip`: a server task echoes 64-byte messages on a loopback connection;
//!   the client, in the `block_on` future on the same thread, writes 64 bytes and reads them
//!   back. One iteration is one round trip through the kernel and the reactor.
//!
//! `async-executor` has no reactor of its own: the CPU-only groups drive it with
//! `futures_lite::future::block_on`, as its own benchmarks do, and the TCP group with
//! `async_io::block_on`, which waits in `async-io`'s epoll reactor (`smol::block_on` is the same
//! function).
//!
//! Run (results and the machine they came from are in `docs/benchmarks.md`):
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench -p zenio-benches --bench micro
//! ```
//!
//! Add a filter to run one group, for example `-- tcp_echo_roundtrip`.
#![forbid(unsafe_code)]

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use async_executor::LocalExecutor;
use criterion::{criterion_group, criterion_main, Criterion};
use zenio_benches::toy_executor;

/// Bytes in one echoed message.
const MESSAGE: usize = 64;

/// Bytes the echo server reads at a time, as a real echo server would, not just one message.
const SERVER_BUFFER: usize = 4096;

/// Loopback, any free port.
const ANY_LOOPBACK_PORT: (Ipv4Addr, u16) = (Ipv4Addr::LOCALHOST, 0);

/// A tokio runtime as `#[tokio::main(flavor = "current_thread")]` builds it.
fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot build a tokio runtime")
}

// ---------------------------------------------------------------------------------------------
// spawn_await
// ---------------------------------------------------------------------------------------------

fn spawn_await(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_await");

    group.bench_function("zenio", |b| {
        b.iter_custom(|iters| {
            zenio::block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    zenio::spawn(async {}).await.unwrap();
                }
                start.elapsed()
            })
        })
    });

    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    tokio::spawn(async {}).await.unwrap();
                }
                start.elapsed()
            })
        })
    });

    let ex = LocalExecutor::new();
    group.bench_function("async-executor", |b| {
        b.iter_custom(|iters| {
            futures_lite::future::block_on(ex.run(async {
                let start = Instant::now();
                for _ in 0..iters {
                    ex.spawn(async {}).await;
                }
                start.elapsed()
            }))
        })
    });

    group.bench_function("toy", |b| {
        b.iter_custom(|iters| {
            toy_executor::block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    toy_executor::spawn(async {}).await;
                }
                start.elapsed()
            })
        })
    });

    group.finish();
}

// ---------------------------------------------------------------------------------------------
// yield_pingpong
// ---------------------------------------------------------------------------------------------

/// A task that yields `times` times. All the runtimes get this same future: it wakes itself
/// at once (zenio's `yield_now` is this one). tokio's own `task::yield_now` is different on
/// purpose: it holds the wake back until the runtime has polled its I/O driver, which would add
/// an `epoll_wait` to every round.
async fn yielder(times: u64) {
    for _ in 0..times {
        futures_lite::future::yield_now().await;
    }
}

fn yield_pingpong(c: &mut Criterion) {
    let mut group = c.benchmark_group("yield_pingpong");

    // Each function spawns two yielders and awaits both; one iteration is one yield of each.
    // The two spawns are timed too, but are spread over thousands of iterations.
    group.bench_function("zenio", |b| {
        b.iter_custom(|iters| {
            zenio::block_on(async {
                let start = Instant::now();
                let ping = zenio::spawn(yielder(iters));
                let pong = zenio::spawn(yielder(iters));
                ping.await.unwrap();
                pong.await.unwrap();
                start.elapsed()
            })
        })
    });

    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                let ping = tokio::spawn(yielder(iters));
                let pong = tokio::spawn(yielder(iters));
                ping.await.unwrap();
                pong.await.unwrap();
                start.elapsed()
            })
        })
    });

    let ex = LocalExecutor::new();
    group.bench_function("async-executor", |b| {
        b.iter_custom(|iters| {
            futures_lite::future::block_on(ex.run(async {
                let start = Instant::now();
                let ping = ex.spawn(yielder(iters));
                let pong = ex.spawn(yielder(iters));
                ping.await;
                pong.await;
                start.elapsed()
            }))
        })
    });

    group.bench_function("toy", |b| {
        b.iter_custom(|iters| {
            toy_executor::block_on(async {
                let start = Instant::now();
                let ping = toy_executor::spawn(yielder(iters));
                let pong = toy_executor::spawn(yielder(iters));
                ping.await;
                pong.await;
                start.elapsed()
            })
        })
    });

    group.finish();
}

// ---------------------------------------------------------------------------------------------
// tcp_echo_roundtrip
// ---------------------------------------------------------------------------------------------

/// Writes `message` and reads exactly as many bytes back into `reply` (zenio has no
/// `read_exact` of its own; `futures_lite::AsyncReadExt::read_exact` would do the same).
async fn zenio_round_trip(
    client: &zenio::TcpStream,
    message: &[u8; MESSAGE],
    reply: &mut [u8; MESSAGE],
) -> io::Result<()> {
    client.write_all(message).await?;
    let mut got = 0;
    while got < MESSAGE {
        match client.read(&mut reply[got..]).await? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => got += n,
        }
    }
    Ok(())
}

/// `iters` round trips on a fresh zenio connection; returns the time they took.
async fn zenio_echo(iters: u64) -> io::Result<Duration> {
    // 1. Start a server that echoes one connection until it closes.
    let listener = zenio::TcpListener::bind(ANY_LOOPBACK_PORT)?;
    let addr = listener.local_addr()?;
    let server = zenio::spawn(async move {
        let (stream, _peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let mut buf = [0; SERVER_BUFFER];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return io::Result::Ok(());
            }
            stream.write_all(&buf[..n]).await?;
        }
    });

    // 2. Connect, and make one untimed round trip so that both sockets are registered.
    let client = zenio::TcpStream::connect(addr).await?;
    client.set_nodelay(true)?;
    let message = [b'z'; MESSAGE];
    let mut reply = [0; MESSAGE];
    zenio_round_trip(&client, &message, &mut reply).await?;

    // 3. Time the round trips.
    let start = Instant::now();
    for _ in 0..iters {
        zenio_round_trip(&client, &message, &mut reply).await?;
    }
    let elapsed = start.elapsed();
    assert_eq!(reply, message, "the echo came back changed");

    // 4. Close, so that the server sees end-of-file and ends.
    drop(client);
    server.await.expect("the echo server task failed")?;
    Ok(elapsed)
}

/// `iters` round trips on a fresh tokio connection; returns the time they took.
async fn tokio_echo(iters: u64) -> io::Result<Duration> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind(ANY_LOOPBACK_PORT).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (mut stream, _peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let mut buf = [0; SERVER_BUFFER];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return io::Result::Ok(());
            }
            stream.write_all(&buf[..n]).await?;
        }
    });

    let mut client = tokio::net::TcpStream::connect(addr).await?;
    client.set_nodelay(true)?;
    let message = [b't'; MESSAGE];
    let mut reply = [0; MESSAGE];
    client.write_all(&message).await?;
    client.read_exact(&mut reply).await?;

    let start = Instant::now();
    for _ in 0..iters {
        client.write_all(&message).await?;
        client.read_exact(&mut reply).await?;
    }
    let elapsed = start.elapsed();
    assert_eq!(reply, message, "the echo came back changed");

    drop(client);
    server.await.expect("the echo server task failed")?;
    Ok(elapsed)
}

/// `iters` round trips on a fresh `async-io` connection, the server running on `ex`; returns
/// the time they took.
async fn async_io_echo(ex: &LocalExecutor<'_>, iters: u64) -> io::Result<Duration> {
    use async_io::Async;
    use futures_lite::{AsyncReadExt, AsyncWriteExt};

    let listener = Async::<std::net::TcpListener>::bind(SocketAddr::from(ANY_LOOPBACK_PORT))?;
    let addr = listener.get_ref().local_addr()?;
    let server = ex.spawn(async move {
        let (mut stream, _peer) = listener.accept().await?;
        stream.get_ref().set_nodelay(true)?;
        let mut buf = [0; SERVER_BUFFER];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return io::Result::Ok(());
            }
            stream.write_all(&buf[..n]).await?;
        }
    });

    let mut client = Async::<std::net::TcpStream>::connect(addr).await?;
    client.get_ref().set_nodelay(true)?;
    let message = [b'a'; MESSAGE];
    let mut reply = [0; MESSAGE];
    client.write_all(&message).await?;
    client.read_exact(&mut reply).await?;

    let start = Instant::now();
    for _ in 0..iters {
        client.write_all(&message).await?;
        client.read_exact(&mut reply).await?;
    }
    let elapsed = start.elapsed();
    assert_eq!(reply, message, "the echo came back changed");

    drop(client);
    server.await?;
    Ok(elapsed)
}

fn tcp_echo_roundtrip(c: &mut Criterion) {
    let mut group = c.benchmark_group("tcp_echo_roundtrip");

    // Each batch opens one connection (untimed) and times `iters` round trips on it.
    group.bench_function("zenio", |b| {
        b.iter_custom(|iters| zenio::block_on(zenio_echo(iters)).expect("zenio echo failed"))
    });

    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| rt.block_on(tokio_echo(iters)).expect("tokio echo failed"))
    });

    let ex = LocalExecutor::new();
    group.bench_function("async-executor", |b| {
        b.iter_custom(|iters| {
            async_io::block_on(ex.run(async_io_echo(&ex, iters))).expect("async-io echo failed")
        })
    });

    group.finish();
}

/// Short runs: the whole file takes about a minute on two cores.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = micro;
    config = config();
    targets = spawn_await, yield_pingpong, tcp_echo_roundtrip
}
criterion_main!(micro);
