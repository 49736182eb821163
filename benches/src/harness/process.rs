//! A server process: starting it, learning its port, reading its CPU time, memory and
//! involuntary context switches from `/proc` (through the `procfs` crate), and stopping it.
//!
//! A server is started with `127.0.0.1 -p 0` after its own flags, and says where it listens
//! with a `Listening at HOST:PORT` line on stdout; a thread reads that line (and keeps reading,
//! so that the pipe never fills). It is stopped with `kill(SIGTERM)`, waited for, and killed
//! with `SIGKILL` if it has not exited ten seconds later.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use procfs::process::Process;
use procfs::{CurrentSI, KernelStats};
use rustix::process::{kill_process, Pid, Signal};

/// How long a server gets to print `Listening at` (Python takes the longest, ~0.1 s).
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a server gets to exit after `SIGTERM` before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// What a process prints, collected by two threads until it exits: stdout, then stderr.
pub type Said = [JoinHandle<String>; 2];

/// A server that has said where it listens.
pub struct Running {
    /// The process (under `taskset`, which `exec`s it, so the pid is the server's).
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// What it prints after `Listening at`, and on stderr.
    said: Said,
}

impl Running {
    /// Starts `argv` (perhaps behind `taskset`), followed by `127.0.0.1 -p 0` and `extra`
    /// flags, and waits for its `Listening at` line.
    pub fn start(argv: &[String], extra: &[&str]) -> Result<Self, String> {
        let flags = ["127.0.0.1", "-p", "0"].iter().chain(extra);
        let line = [argv, &flags.map(|s| s.to_string()).collect::<Vec<_>>()].concat();
        let (tell, heard) = mpsc::channel();
        let (mut child, said) = spawn(&line, Some(tell))?;
        // The port; or a closed channel, when the server dies first; or nothing in time.
        let Ok(port) = heard.recv_timeout(START_TIMEOUT) else {
            drop(child.kill());
            let status = child.wait().map_or("?".into(), |s| s.to_string());
            let [_, stderr] = said.map(|t| t.join().unwrap_or_default());
            let (line, said) = (line.join(" "), stderr.trim());
            return Err(format!(
                "{line} never said `Listening at` ({status}): {said}"
            ));
        };
        Ok(Self { child, port, said })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `SIGTERM`, waits for the exit (`SIGKILL` after ten seconds), and returns the
    /// exit status (`None` if it had to be killed), and the lines it printed.
    pub fn stop(mut self) -> (Option<ExitStatus>, Vec<String>) {
        let pid = Pid::from_raw(self.child.id() as i32).expect("a child's pid is positive");
        // A server that is already gone is what we wanted anyway.
        let _ = kill_process(pid, Signal::TERM);
        let asked = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(None) if asked.elapsed() < STOP_TIMEOUT => {
                    thread::sleep(Duration::from_millis(5))
                }
                Ok(None) => {
                    let _ = (self.child.kill(), self.child.wait());
                    break None;
                }
                done => break done.ok().flatten(),
            }
        };
        let said = self.said.map(|t| t.join().unwrap_or_default()).join("\n");
        (status, said.lines().map(String::from).collect())
    }
}

/// Starts `argv` with no stdin, and two threads that collect its stdout and stderr. With
/// `port`, the stdout thread sends the port of the first `Listening at HOST:PORT` line there,
/// and keeps only what follows it.
pub fn spawn(argv: &[String], port: Option<Sender<u16>>) -> Result<(Child, Said), String> {
    let mut command = Command::new(&argv[0]);
    let command = command.args(&argv[1..]).stdin(Stdio::null());
    let command = command.stdout(Stdio::piped());
    let child = command.stderr(Stdio::piped()).spawn();
    let mut child = child.map_err(|error| format!("cannot start {}: {error}", argv.join(" ")))?;
    let stdout = collect(child.stdout.take().expect("piped"), port);
    let stderr = collect(child.stderr.take().expect("piped"), None);
    Ok((child, [stdout, stderr]))
}

/// Reads `pipe` to its end on a thread, less the `Listening at` line if `port` asks for it.
fn collect(pipe: impl Read + Send + 'static, mut port: Option<Sender<u16>>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            match (&port, listening_port(&line)) {
                (Some(tell), Some(found)) => {
                    let _ = tell.send(found);
                    port = None;
                }
                _ => text += &format!("{line}\n"),
            }
        }
        text
    })
}

/// The port in `Listening at HOST:PORT`, if `line` is that line.
fn listening_port(line: &str) -> Option<u16> {
    let addr = line.trim().strip_prefix("Listening at ")?;
    addr.rsplit_once(':')?.1.parse().ok()
}

/// The process's CPU time so far, user and system, in clock ticks (`utime` and `stime` of
/// `/proc/PID/stat`).
pub fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    let stat = Process::new(pid as i32).ok()?.stat().ok()?;
    Some((stat.utime, stat.stime))
}

/// How many times the kernel took a core from the process's threads while they could still
/// run (`nonvoluntary_ctxt_switches` of each `/proc/PID/task/TID/status`, added up).
pub fn preempted(pid: u32) -> u64 {
    let tasks = Process::new(pid as i32).and_then(|process| process.tasks());
    let switches = |task: procfs::process::Task| task.status().ok()?.nonvoluntary_ctxt_switches;
    tasks.map_or(0, |tasks| tasks.flatten().filter_map(switches).sum())
}

/// The process's resident set size in kilobytes (`VmRSS` in `/proc/PID/status`).
pub fn rss_kb(pid: u32) -> Option<u64> {
    Process::new(pid as i32).ok()?.status().ok()?.vmrss
}

/// CPU ticks the whole machine has spent busy: every state of `/proc/stat`'s `cpu` line but
/// idle and iowait (user, nice, system, irq, softirq, steal); 0 if it cannot be read.
pub fn busy_ticks() -> u64 {
    let Ok(KernelStats { total: cpu, .. }) = KernelStats::current() else {
        return 0;
    };
    let extra = [cpu.irq, cpu.softirq, cpu.steal].map(Option::unwrap_or_default);
    cpu.user + cpu.nice + cpu.system + extra.iter().sum::<u64>()
}

/// Clock ticks per second, the unit of `/proc`'s CPU times (`getconf CLK_TCK`, 100 on Linux).
pub fn hz() -> f64 {
    procfs::ticks_per_second() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_comes_from_the_listening_line() {
        assert_eq!(listening_port("Listening at 127.0.0.1:4321"), Some(4321));
        assert_eq!(listening_port("Listening at [::1]:80\n"), Some(80));
        assert_eq!(listening_port("core 0: 3 connections"), None);
    }

    #[test]
    fn our_own_cpu_ticks_rss_and_the_machines_busy_time_can_be_read() {
        let me = std::process::id();
        assert!(cpu_ticks(me).is_some());
        assert!(rss_kb(me).unwrap() > 0);
        let _ = preempted(me);
        assert!(busy_ticks() > 0);
    }
}
