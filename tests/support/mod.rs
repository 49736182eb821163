//! Shared helpers for the end-to-end tests: start a server binary, talk to it over loopback.
//!
//! Servers are started on port 0 and the test reads the real port from the server's
//! `Listening at HOST:PORT` line, so tests never race for ports and never sleep to wait for
//! a server. Every socket has a read timeout, so a broken server fails a test instead of
//! hanging it.

#![allow(dead_code)] // each test file uses its own subset of these helpers

pub mod faults;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub use rustix::process::Signal;
use rustix::process::{self, Pid};

/// Every architecture `zen-server --arch` accepts, from `srv_single.py` to `srv_asyncio2.py`.
pub const ZEN_ARCHES: [&str; 6] = [
    "serial",
    "threads",
    "prefork",
    "poll",
    "callback",
    "coroutine",
];

/// Every style `hello-server --style` accepts: asyncio's two, and hyper on zenio.
pub const HELLO_STYLES: [&str; 3] = ["callback", "coroutine", "hyper"];

/// How long a test waits for any one answer before calling the server broken.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A server process, killed when dropped.
pub struct Server {
    /// The running binary.
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The rest of its standard output (after the `Listening at` line).
    stdout: Option<BufReader<ChildStdout>>,
}

impl Server {
    /// Starts `binary` with `args` plus `-p 0`, and waits for its `Listening at` line.
    pub fn start(binary: &str, args: &[&str]) -> Server {
        Server::start_command(Command::new(binary).args(args).stderr(Stdio::inherit()))
    }

    /// Starts `command` (a server, perhaps behind a wrapper) with `-p 0` added, and waits for
    /// its `Listening at` line.
    pub fn start_command(command: &mut Command) -> Server {
        let binary = format!("{:?}", command.get_program());
        let mut child = command
            .args(["-p", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        stdout
            .read_line(&mut line)
            .expect("read the server's first line");
        let addr = line
            .trim()
            .strip_prefix("Listening at ")
            .unwrap_or_else(|| panic!("{binary} printed {line:?} instead of `Listening at`"))
            .parse()
            .expect("a socket address after `Listening at`");
        Server {
            child,
            addr,
            stdout: Some(stdout),
        }
    }

    /// The server's standard error, if it was started with `Stdio::piped()` there (once).
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        self.child.stderr.take()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (for example `Signal::TERM`) to the server.
    pub fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(self.child.id() as i32).expect("a child has a pid");
        process::kill_process(pid, signal).expect("send a signal to the server");
    }

    /// Waits (at most [`PATIENCE`]) for the server to exit; returns its exit code and
    /// everything it printed on stdout after the `Listening at` line.
    pub fn wait_for_exit(&mut self) -> (Option<i32>, String) {
        let mut stdout = self.stdout.take().expect("wait_for_exit is called once");
        let reader = thread::spawn(move || {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest);
            rest
        });
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                return (status.code(), reader.join().expect("read stdout"));
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {PATIENCE:?}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// A new blocking connection with a read timeout.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connect to the server");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("set a read timeout");
        stream
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until `n` bytes arrived or the peer closed; returns what arrived.
pub fn read_exactly_or_eof(stream: &mut TcpStream, n: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(n);
    stream.take(n as u64).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads until the peer closes.
pub fn read_to_eof(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Sends `bytes` and reads back exactly `expected.len()` bytes, which must equal `expected`.
pub fn exchange(stream: &mut TcpStream, bytes: &[u8], expected: &[u8]) {
    stream.write_all(bytes).expect("send");
    let got = read_exactly_or_eof(stream, expected.len()).expect("receive");
    assert_eq!(
        got.escape_ascii().to_string(),
        expected.escape_ascii().to_string()
    );
}

/// Runs a command-line program and returns (exit code, stderr).
pub fn run_to_exit(binary: &str, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .output()
        .expect("run the program");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
