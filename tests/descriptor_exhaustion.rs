//! Running out of file descriptors: the server neither dies nor spins; it pauses accepting
//! and serves again once descriptors are free.

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
