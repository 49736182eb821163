//! Counting a running server's syscalls with `strace -c -f -p PID -o FILE`.
//!
//! strace attaches with `ptrace(PTRACE_SEIZE)` to every thread of the process (`-f` also
//! follows threads started later), stops each one at every syscall entry and exit, and with
//! `-c` only counts: on `SIGINT` it detaches and writes a summary table to FILE, one row per
//! syscall with its calls and errors. It says `Process PID attached` on stderr once every
//! thread is traced; we wait for that line before starting the load, so no request goes
//! uncounted. Tracing slows every syscall down many times over: read the counts, never the
//! times.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use rustix::process::{kill_process, Pid, Signal};
use serde::{Deserialize, Serialize};

/// How long strace gets to attach.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(10);

/// One row of strace's summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The syscall's name: `epoll_pwait`.
    pub name: String,
    /// Calls made.
    pub calls: u64,
    /// Calls that returned an error (`EAGAIN` included).
    pub errors: u64,
}

/// A strace attached to a process.
pub struct Tracer {
    /// The strace process.
    child: Child,
    /// The file its summary goes to.
    output: PathBuf,
}

impl Tracer {
    /// Attaches `strace -c -f` to `pid`, with the summary going to `output`, and returns
    /// once strace says every thread is attached.
    pub fn attach(pid: u32, output: &Path) -> Result<Self, String> {
        let mut strace = Command::new("strace");
        let strace = strace
            .args(["-c", "-f", "-p", &pid.to_string(), "-o"])
            .arg(output);
        let strace = strace.stdin(Stdio::null()).stdout(Stdio::null());
        let spawned = strace.stderr(Stdio::piped()).spawn();
        let mut child = spawned.map_err(|error| format!("cannot start strace: {error}"))?;
        // Read stderr on a thread (to the end, so that the pipe never fills), and pass on
        // each line until the one that says strace is attached.
        let (said, heard) = mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let lines = stderr.lines().map_while(Result::ok);
        thread::spawn(move || lines.for_each(|line| drop(said.send(line))));
        let mut lines = Vec::new();
        while let Ok(line) = heard.recv_timeout(ATTACH_TIMEOUT) {
            if line.contains("attached") {
                return Ok(Self {
                    child,
                    output: output.to_path_buf(),
                });
            }
            lines.push(line);
        }
        drop(child.kill());
        drop(child.wait());
        let said = lines.join(" / ");
        Err(format!("strace did not attach to {pid}: {said}"))
    }

    /// Stops strace with `SIGINT` (it detaches and writes its summary), waits for it, and
    /// reads the summary.
    pub fn detach(mut self) -> Result<Vec<Count>, String> {
        let pid = Pid::from_raw(self.child.id() as i32).expect("a child's pid is positive");
        kill_process(pid, Signal::INT).map_err(|e| format!("kill(strace, SIGINT): {e}"))?;
        let waited = self.child.wait();
        waited.map_err(|error| format!("waiting for strace: {error}"))?;
        let text = std::fs::read_to_string(&self.output);
        parse(&text.map_err(|e| format!("{}: {e}", self.output.display()))?)
    }
}

/// The rows of strace's `-c` summary, without the `total` row.
///
/// ```text
/// % time     seconds  usecs/call     calls    errors syscall
/// ------ ----------- ----------- --------- --------- ----------------
///  27.05    0.134872          22      6000           recvfrom
///  15.60    0.077793          24      3188       188 accept4
/// ------ ----------- ----------- --------- --------- ----------------
/// 100.00    0.498692          26     18564       188 total
/// ```
///
/// The errors column is blank when there were none.
pub fn parse(text: &str) -> Result<Vec<Count>, String> {
    let (mut counts, mut total) = (Vec::new(), None);
    for line in text.lines() {
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        // A row starts with a percentage and has 5 or 6 fields; the header and rules do not.
        if !(5..=6).contains(&fields.len()) || fields[0].parse::<f64>().is_err() {
            continue;
        }
        let bad = || format!("strace summary: bad row {line:?}");
        let number = |i: usize| fields[i].parse::<u64>().map_err(|_| bad());
        let (calls, errors) = (number(3)?, if fields.len() == 6 { number(4)? } else { 0 });
        match fields[fields.len() - 1] {
            "total" => total = Some(calls),
            name => counts.push(Count {
                name: name.into(),
                calls,
                errors,
            }),
        }
    }
    let sum: u64 = counts.iter().map(|c| c.calls).sum();
    match total {
        Some(total) if total == sum => Ok(counts),
        Some(total) => Err(format!(
            "strace summary: rows add up to {sum}, total says {total}"
        )),
        None => Err(format!("strace wrote no summary: {:?}", text.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &str = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 27.05    0.134872          22      6000           recvfrom
 23.62    0.117788          39      3000           close
 17.96    0.089566          29      3000           sendto
 15.60    0.077793          24      3188       188 accept4
 13.89    0.069257          23      3000           epoll_ctl
  1.89    0.009416          25       376           epoll_pwait
------ ----------- ----------- --------- --------- ----------------
100.00    0.498692          26     18564       188 total
";

    #[test]
    fn every_row_of_the_summary_is_read_with_its_errors() {
        let counts = parse(SUMMARY).unwrap();
        assert_eq!(counts.len(), 6);
        assert_eq!(
            counts[3],
            Count {
                name: "accept4".into(),
                calls: 3188,
                errors: 188
            }
        );
        assert_eq!(counts[0].errors, 0);
    }

    #[test]
    fn a_summary_that_does_not_add_up_or_is_missing_is_an_error() {
        assert!(parse(&SUMMARY.replace("18564", "18565")).is_err());
        assert!(parse("strace: attach: ptrace(PTRACE_SEIZE, 1): Operation not permitted").is_err());
    }
}
