//! A server process: starting it, learning its port, reading its CPU time and memory from
//! `/proc`, and stopping it.
//!
//! A server is started with `127.0.0.1 -p 0` after its own flags, and says where it listens
//! with a `Listening at HOST:PORT` line on stdout; a thread reads that line (and keeps reading,
//! so that the pipe never fills). It is stopped with `kill(SIGTERM)`, waited for, and killed
//! with `SIGKILL` if it has not exited ten seconds later.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};

/// How long a server gets to print `Listening at` (Python takes the longest, ~0.1 s).
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a server gets to exit after `SIGTERM` before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A server that has said where it listens.
pub struct Running {
    /// The process (under `taskset`, which `exec`s it, so the pid is the server's).
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// Everything it prints on stdout after `Listening at`, collected until it exits.
    stdout: Option<JoinHandle<Vec<String>>>,
    /// Everything it prints on stderr, collected until it exits.
    stderr: Option<JoinHandle<Vec<String>>>,
}

/// How a server ended.
#[derive(Debug)]
pub struct Stopped {
    /// Its exit status (a peer killed by `SIGTERM` has no code).
    pub status: Option<ExitStatus>,
    /// Whether it had to be killed with `SIGKILL`.
    pub killed: bool,
    /// What it printed after `Listening at`: zenio's per-core summary lines.
    pub stdout: Vec<String>,
    /// What it printed on stderr.
    pub stderr: Vec<String>,
}

impl Running {
    /// Starts `argv` (behind `pin`, such as `taskset -c 0`, and followed by `extra` flags)
    /// on 127.0.0.1, port 0, and waits for its `Listening at` line.
    pub fn start(argv: &[String], pin: &[String], extra: &[&str]) -> Result<Self, String> {
        let mut line: Vec<String> = pin.to_vec();
        line.extend(argv.iter().cloned());
        line.extend(["127.0.0.1".into(), "-p".into(), "0".into()]);
        line.extend(extra.iter().map(|s| s.to_string()));
        let mut child = spawn_piped(&line)?;
        let stderr = child
            .stderr
            .take()
            .map(|pipe| collect_lines(BufReader::new(pipe), None));
        // 1. Read stdout on a thread until `Listening at`, then keep collecting the rest.
        let (said, heard) = mpsc::channel();
        let out = child.stdout.take().expect("stdout is piped");
        let stdout = Some(collect_lines(BufReader::new(out), Some(said)));
        // 2. Wait for the port, or for the server to die, or for the deadline.
        let started = Instant::now();
        let port = loop {
            match heard.recv_timeout(Duration::from_millis(50)) {
                Ok(port) => break port,
                Err(mpsc::RecvTimeoutError::Timeout) if started.elapsed() < START_TIMEOUT => {
                    if let Ok(Some(status)) = child.try_wait() {
                        let said = stderr
                            .map(|t| t.join().unwrap_or_default())
                            .unwrap_or_default();
                        return Err(format!(
                            "{} exited ({status}) before listening: {}",
                            line.join(" "),
                            said.join(" / ")
                        ));
                    }
                }
                Err(_) => {
                    drop(child.kill());
                    drop(child.wait());
                    return Err(format!("{} never said `Listening at`", line.join(" ")));
                }
            }
        };
        Ok(Self {
            child,
            port,
            stdout,
            stderr,
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `SIGTERM`, waits for the exit (`SIGKILL` after ten seconds), and collects
    /// what the server printed.
    pub fn stop(mut self) -> Stopped {
        let pid = Pid::from_raw(self.child.id() as i32).expect("a child's pid is positive");
        // A server that is already gone is what we wanted anyway.
        let _ = kill_process(pid, Signal::TERM);
        let asked = Instant::now();
        let mut killed = false;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if asked.elapsed() < STOP_TIMEOUT => {
                    thread::sleep(Duration::from_millis(5))
                }
                Ok(None) => {
                    killed = true;
                    drop(self.child.kill());
                    break self.child.wait().ok();
                }
                Err(_) => break None,
            }
        };
        let join =
            |t: Option<JoinHandle<Vec<String>>>| t.and_then(|t| t.join().ok()).unwrap_or_default();
        Stopped {
            status,
            killed,
            stdout: join(self.stdout.take()),
            stderr: join(self.stderr.take()),
        }
    }
}

/// Starts `argv` with no stdin and with its stdout and stderr piped to us.
pub fn spawn_piped(argv: &[String]) -> Result<Child, String> {
    Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", argv.join(" ")))
}

/// Reads lines until EOF on a thread. With `port`, sends the port of the first
/// `Listening at HOST:PORT` line there and keeps only the lines after it.
fn collect_lines(
    reader: impl BufRead + Send + 'static,
    port: Option<mpsc::Sender<u16>>,
) -> JoinHandle<Vec<String>> {
    thread::spawn(move || {
        let mut port = port;
        let mut lines = Vec::new();
        for line in reader.lines().map_while(Result::ok) {
            if let Some(tx) = &port {
                if let Some(found) = listening_port(&line) {
                    let _ = tx.send(found);
                    port = None;
                    continue;
                }
            }
            lines.push(line);
        }
        lines
    })
}

/// The port in `Listening at HOST:PORT`, if `line` is that line.
pub fn listening_port(line: &str) -> Option<u16> {
    let addr = line.trim().strip_prefix("Listening at ")?;
    addr.rsplit_once(':')?.1.parse().ok()
}

/// The process's CPU time so far, user and system, in clock ticks (`/proc/PID/stat`).
pub fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 2, the command, is in parentheses and may hold spaces: count from after it.
    // utime and stime are fields 14 and 15, so the 12th and 13th after the parenthesis.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_ascii_whitespace().skip(11);
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

/// The process's resident set size in kilobytes (`VmRSS` in `/proc/PID/status`).
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_ascii_whitespace().nth(1)?.parse().ok()
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
    fn our_own_cpu_ticks_and_rss_can_be_read() {
        let me = std::process::id();
        assert!(cpu_ticks(me).is_some());
        assert!(rss_kb(me).unwrap() > 0);
    }
}
