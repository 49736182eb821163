//! File descriptors. Running out of them: the server neither dies nor spins; it pauses
//! accepting and serves again once descriptors are free. And before the first client, an
//! event-loop server has grown its descriptor table for all the connections it may accept,
//! so that no client waits while the kernel grows it.

mod support;

use std::fs;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use support::{exchange, Server};

/// CPU time (user + system, in clock ticks) the process `pid` has used.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    let after_name = &stat[stat.rfind(')').expect("a process name") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // Fields 14 and 15 of stat(5) are utime and stime; after the name they are 12th and 13th.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// The slots of the process `pid`'s descriptor table (`FDSize` in `/proc/PID/status`).
fn descriptor_slots(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    let line = status.lines().find_map(|line| line.strip_prefix("FDSize:"));
    line.expect("an FDSize line")
        .trim()
        .parse()
        .expect("a number")
}

/// The soft limit on descriptors that this test's children inherit.
fn soft_descriptor_limit() -> u64 {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    limit.unwrap_or(u64::MAX)
}

#[test]
fn an_event_loop_server_grows_its_descriptor_table_for_its_cap_before_the_first_client() {
    // A fresh server has 256 slots (measured); room for 1,500 connections takes 2,048.
    let wanted = soft_descriptor_limit().min(1_500);
    for arch in ["poll", "callback", "coroutine"] {
        let args = ["--arch", arch, "--max-conns", "1500"];
        let server = Server::start(env!("CARGO_BIN_EXE_zen-server"), &args);
        let slots = descriptor_slots(server.pid());
        assert!(slots >= wanted, "{arch}: {slots} slots, not {wanted}");
    }
}

#[test]
fn out_of_descriptors_the_server_pauses_instead_of_spinning_then_recovers() {
    for arch in ["poll", "callback", "coroutine"] {
        eprintln!("architecture: {arch}");
        let binary = env!("CARGO_BIN_EXE_zen-server");
        let script = format!("ulimit -n 48 && exec {binary} --arch {arch} \"$@\"");
        let server = Server::start_command(
            Command::new("sh")
                .args(["-c", &script, "sh"])
                .stderr(Stdio::null()),
        );

        // 1. Many more clients than descriptors: the server fills its table, then accept
        //    fails with EMFILE while the rest wait in the listen queue.
        let crowd: Vec<TcpStream> = (0..100).map(|_| server.connect()).collect();

        // 2. Under that pressure it must not spin: over one second it may use a little CPU
        //    (pausing and retrying every 50 ms), nowhere near a whole second.
        let before = cpu_ticks(server.pid());
        thread::sleep(Duration::from_secs(1));
        let used = cpu_ticks(server.pid()) - before;
        assert!(
            used < 30,
            "{arch}: {used} ticks of CPU in 1 s while out of descriptors"
        );

        // 3. The crowd leaves; the server catches up and serves a new client.
        drop(crowd);
        let mut client = server.connect();
        exchange(&mut client, b"Now is better than?", b"never.");
    }
}
