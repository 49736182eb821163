//! The soak: good and hostile clients at once, and the evidence that nothing was lost,
//! nothing leaked and nothing got stuck. The fault tests take one fault at a time; this one
//! plays them all together against each of zenio's zen servers with an event loop
//! (`coroutine`, `callback`, `poll`, and `coroutine` on 2 cores), run with
//! `--idle-timeout 5 --question-timeout 5` so that the timeouts fire all through it (and yet
//! not at a good client that a busy machine kept waiting for its turn on a core: a good client
//! idle for as long as the timeout is idle, and is rightly closed):
//!
//! 1. Prime the server with 64 one-question connections (zenio makes its epoll instance,
//!    eventfd and timerfd on first use; `SO_REUSEPORT` spreads the connections over the
//!    cores), then count its open descriptors (`/proc/PID/fd`) once the count holds still.
//! 2. Run 50 good clients, each asking question after question and checking every answer,
//!    beside twelve threads of hostile clients ([`faults`]) played over and over: four reset
//!    at random points, and two each trickle a question, say nothing, never read their
//!    answers, and send 70 KiB without a `?`. Each hostile client panics (and fails the test)
//!    if the server does not deal with it as it must; a good client, at any wrong answer.
//! 3. The descriptors open after the load (given at most 10 s to come back down) must be
//!    those open before it, and the server must exit 0 on `SIGTERM`.
//!
//! The quick soak, in every `cargo test`, plays each client a fixed number of times (a few
//! seconds for all four servers at once). The long one (ignored) plays them for a minute per
//! server, and also reads the server's RSS: at the end it must be within 10% (+1 MiB) of
//! what it was after the first 5 s.
//!
//! ```text
//! cargo test -p zenio-servers --test soak                  # the quick soak
//! cargo test -p zenio-servers --test soak -- --ignored     # a minute per server
//! ```

mod support;

use std::thread;
use std::time::{Duration, Instant};

use procfs::process::Process;
use support::faults::{self, Length, ZEN};
use support::{exchange, Server, Signal};

/// The servers soaked: `zen-server` with these flags.
const SERVERS: [&[&str]; 4] = [
    &["--arch", "coroutine"],
    &["--arch", "callback"],
    &["--arch", "poll"],
    &["--arch", "coroutine", "--cores", "2"],
];

/// The server's limits during the soak, short so that they fire often.
const LIMITS: [&str; 4] = ["--idle-timeout", "5", "--question-timeout", "5"];

/// A hostile client: its name, how many threads play it, how many times each plays it in the
/// quick soak, and the client itself (given a seed).
type Hostile = (&'static str, usize, u64, fn(&Server, u64));

/// The hostile clients.
const HOSTILE: [Hostile; 5] = [
    ("reset", 4, 100, |server, seed| {
        faults::reset_at_random_point(server, &ZEN, seed)
    }),
    ("slowloris", 2, 1, |server, _| {
        faults::trickling_client_is_closed("slowloris", server, &ZEN)
    }),
    ("idle", 2, 1, |server, _| {
        faults::silent_client_is_closed_after("idle", server, &ZEN, IDLE)
    }),
    ("never reads", 2, 1, |server, _| {
        drop(faults::hog("never reads", server, &ZEN))
    }),
    ("over-long", 2, 5, |server, _| {
        faults::over_long_request_is_refused("over-long", server, &ZEN)
    }),
];

/// The soak's `--idle-timeout`.
const IDLE: Duration = Duration::from_secs(5);

/// How long the descriptor count gets to settle, before and after the load.
const SETTLE: Duration = Duration::from_secs(10);

#[test]
fn a_burst_of_good_and_hostile_clients_loses_nothing_and_leaks_nothing() {
    thread::scope(|scope| {
        for args in SERVERS {
            scope.spawn(move || soak(args, None));
        }
    });
}

#[test]
#[ignore = "a minute per server, four minutes in all: run with cargo test -p zenio-servers --test soak -- --ignored"]
fn a_minute_of_good_and_hostile_clients_loses_nothing_and_leaks_nothing() {
    for args in SERVERS {
        soak(args, Some(Duration::from_secs(60)));
    }
}

/// Soaks `zen-server ARGS`: each client a fixed number of times, or for `length`.
fn soak(args: &[&str], length: Option<Duration>) {
    let label = format!("zen-server {}", args.join(" "));
    let mut server = Server::start(env!("CARGO_BIN_EXE_zen-server"), &[args, &LIMITS].concat());
    let process = Process::new(server.pid() as i32).expect("the server's /proc entry");
    let fds = || process.fd_count().expect("the server's descriptors");
    let rss_kb = || {
        process
            .status()
            .expect("the server's status")
            .vmrss
            .unwrap_or(0)
    };
    // 1. Prime, then count the descriptors once the count holds still for half a second.
    for _ in 0..64 {
        exchange(&mut server.connect(), b"Now is better than?", b"never.");
    }
    let (mut before, mut still_since) = (fds(), Instant::now());
    wait_for(|| {
        let now = fds();
        if now != before {
            (before, still_since) = (now, Instant::now());
        }
        still_since.elapsed() >= Duration::from_millis(500)
    });
    // 2. Good and hostile clients at once, and the RSS after 5 s (of a timed soak).
    let started = Instant::now();
    let until = length.map(|length| Length::Until(started + length));
    let (answers, warm) = thread::scope(|scope| {
        for (kind, threads, rounds, play) in HOSTILE {
            for thread in 0..threads {
                let (server, length) = (&server, until.unwrap_or(Length::Rounds(rounds)));
                let seed = thread as u64 * 1_000_003;
                let name = format!("{label}: {kind}");
                let spawned = thread::Builder::new()
                    .name(name)
                    .spawn_scoped(scope, move || {
                        (0..)
                            .take_while(|round| length.more(*round))
                            .for_each(|round| play(server, seed + round))
                    });
                spawned.expect("a thread");
            }
        }
        let good = scope
            .spawn(|| faults::good_clients(&server, &ZEN, until.unwrap_or(Length::Rounds(200))));
        let warm = until.map(|_| {
            thread::sleep(
                (started + Duration::from_secs(5)).saturating_duration_since(Instant::now()),
            );
            rss_kb()
        });
        (
            good.join().expect("the good clients got every answer"),
            warm,
        )
    });
    // 3. Nothing leaked, nothing grew, and the server stops as it must.
    wait_for(|| fds() <= before);
    let after = fds();
    let open = process.fd().map(|fds| {
        fds.flatten()
            .map(|fd| format!("{:?}", fd.target))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        after, before,
        "{label}: descriptors leaked; open now: {open:?}"
    );
    if let Some(warm) = warm {
        let end = rss_kb();
        assert!(
            end <= warm + warm / 10 + 1024,
            "{label}: RSS grew from {warm} kB to {end} kB"
        );
    }
    server.signal(Signal::TERM);
    assert_eq!(
        server.wait_for_exit().0,
        Some(0),
        "{label}: exit status after SIGTERM"
    );
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("{label}: {answers} good answers in {seconds:.1} s, {before} descriptors before and after, every hostile client dealt with");
}

/// Waits (at most [`SETTLE`]) until `ready` says so, looking every 50 ms.
fn wait_for(mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() && started.elapsed() < SETTLE {
        thread::sleep(Duration::from_millis(50));
    }
}
