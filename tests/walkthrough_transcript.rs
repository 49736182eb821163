//! The walkthrough (`docs/walkthrough.md`) quotes one real run: the coroutine `zen-server`,
//! built with the runtime's `trace` feature, while one client connects, asks one question,
//! closes, and the server is stopped. This test makes that run again and compares what the
//! server prints with the page, so a change to the code that changes the story fails here
//! until the page follows.
//!
//! The page marks the blocks this test checks with an HTML comment on the line before the
//! block's fence: `<!-- transcript: stderr -->` (everything the server printed on stderr),
//! `<!-- transcript: stdout -->` (everything on stdout: the `Listening at` line and the
//! summary with the runtime's counters), and `<!-- transcript: excerpt -->` (a stretch of
//! the stderr block, quoted again where the page explains it). One more page of the book
//! quotes a summary line with made-up numbers (`<!-- transcript: summary -->`): its shape,
//! numbers aside, must be the real line's. What differs from run to run
//! is normalized on both sides: descriptor numbers and task ids (numbered in order of first
//! appearance), the timeouts' durations, and the address the server listens at.
//!
//! The page's client pauses half a second before each step, so that each happens on its
//! own. This client does better than guess: it acts when the server's trace says it is about
//! to wait (`epoll_wait (timeout ...)`), so whatever it does is heard by that wait, however
//! slow the machine.
//!
//! The traced server is built here, with the cargo that runs the test (a no-op when it is
//! fresh), into `<target>/trace/`, so that the ordinary binaries stay quiet.
//!
//! ```text
//! cargo test -p zenio-servers --test walkthrough_transcript
//! ```

mod support;

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead, BufReader};
use std::net::Shutdown;
use std::path::{Path, PathBuf};
use std::process::{ChildStderr, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::thread;

use support::{exchange, read_to_eof, Server, Signal, PATIENCE};

/// The page, from the repository's root.
const PAGE: &str = "docs/walkthrough.md";

/// The mark of the block that holds everything the server printed on stderr.
const STDERR: &str = "<!-- transcript: stderr -->";

/// The mark of the block that holds everything the server printed on stdout.
const STDOUT: &str = "<!-- transcript: stdout -->";

/// The mark of a block that quotes a stretch of the stderr block again.
const EXCERPT: &str = "<!-- transcript: excerpt -->";

/// The mark of a block, on any page, that shows a summary line with made-up numbers.
const SUMMARY: &str = "<!-- transcript: summary -->";

/// How the trace announces that the reactor is about to wait.
const WAIT: &str = "[zenio] epoll_wait (timeout ";

/// The client's steps, each taken once the server has announced its n-th wait. Wait 1
/// returns at once, with the self-pipe's "writable" edge, so the server sleeps from wait 2;
/// wait 3 returns the new socket's "writable" edge, so the task sleeps from wait 4.
const STEPS: [(usize, Step); 4] = [
    (2, Step::Connect),
    (4, Step::Ask),
    (5, Step::Close),
    (6, Step::Stop),
];

/// One step of the walkthrough's client.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Connect.
    Connect,
    /// Ask `Beautiful is better than?` and read `ugly.`.
    Ask,
    /// Send a FIN, and read the server's close.
    Close,
    /// Stop the server with SIGINT, as Ctrl-C does.
    Stop,
}

/// Builds `zen-server` with the runtime's `trace` feature into `<target>/trace/`, in the
/// profile of this test's own binaries, and returns its path.
fn build_traced_server() -> io::Result<PathBuf> {
    let plain = Path::new(env!("CARGO_BIN_EXE_zen-server"));
    let profile_dir = plain.parent().expect("binaries live in <target>/<profile>");
    let profile = profile_dir.file_name().expect("a profile directory");
    let target = profile_dir
        .parent()
        .expect("a target directory")
        .join("trace");
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "--locked", "-q", "-p", "zenio-servers"]);
    cargo.args(["--features", "zenio/trace", "--bin", "zen-server"]);
    cargo.arg("--target-dir").arg(&target);
    if profile == "release" {
        cargo.arg("--release");
    }
    let status = cargo.status()?;
    assert!(
        status.success(),
        "cannot build the traced zen-server: {status}"
    );
    Ok(target.join(profile).join("zen-server"))
}

/// Sends each line of `stderr` on a channel, until the server closes it (by exiting).
fn follow(stderr: ChildStderr) -> Receiver<String> {
    let (lines, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    receiver
}

/// What the server printed during the walkthrough's run.
struct Transcript {
    /// Every line on stderr: the trace.
    stderr: Vec<String>,
    /// Every line on stdout: `Listening at`, then the summary.
    stdout: Vec<String>,
}

/// Runs `binary` (the traced `zen-server`) through the walkthrough's conversation.
fn run_the_walkthrough(binary: &Path) -> Transcript {
    let mut server = Server::start_command(Command::new(binary).stderr(Stdio::piped()));
    let lines = follow(server.take_stderr().expect("stderr is piped"));
    let mut stderr = Vec::new();
    let mut client = None;
    let mut waits = 0;
    loop {
        let line = match lines.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Disconnected) => break, // the server has exited
            Err(RecvTimeoutError::Timeout) => panic!(
                "the server printed nothing for {PATIENCE:?} after wait {waits}; so far:\n{}",
                stderr.join("\n")
            ),
        };
        let is_wait = line.starts_with(WAIT);
        stderr.push(line);
        if !is_wait {
            continue;
        }
        waits += 1;
        let Some(&(_, step)) = STEPS.iter().find(|(after, _)| *after == waits) else {
            continue;
        };
        match step {
            Step::Connect => client = Some(server.connect()),
            Step::Ask => exchange(
                client.as_mut().expect("connected"),
                b"Beautiful is better than?",
                b"ugly.",
            ),
            Step::Close => {
                let client = client.as_mut().expect("connected");
                client.shutdown(Shutdown::Write).expect("send a FIN");
                assert_eq!(read_to_eof(client).expect("the server closes"), b"");
            }
            Step::Stop => server.signal(Signal::INT),
        }
    }
    let (code, rest) = server.wait_for_exit();
    assert_eq!(code, Some(0), "the server exits cleanly at SIGINT");
    let mut stdout = vec![format!("Listening at {}", server.addr)];
    stdout.extend(rest.lines().map(String::from));
    Transcript { stderr, stdout }
}

/// `lines` with what differs between runs replaced: a descriptor number or task id by its
/// order of first appearance (`fd 15` becomes `fd #2`), a timeout's duration by `_`
/// (`Some(_)`), the address in `Listening at` by `ADDRESS`.
fn normalize(lines: &[String]) -> Vec<String> {
    let mut numbering: HashMap<(&str, &str), usize> = HashMap::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut normalized = Vec::new();
    for line in lines {
        if line.starts_with("Listening at ") {
            normalized.push("Listening at ADDRESS".to_string());
            continue;
        }
        let mut words = Vec::new();
        let mut previous = "";
        for word in line.split(' ') {
            let kind = ["fd", "task"].into_iter().find(|kind| *kind == previous);
            let number = word.bytes().all(|b| b.is_ascii_digit()) && !word.is_empty();
            let new = match (kind, word.strip_prefix("Some(")) {
                (Some(kind), _) if number => {
                    let next = counts.entry(kind).or_default();
                    let id = *numbering.entry((kind, word)).or_insert_with(|| {
                        *next += 1;
                        *next - 1
                    });
                    format!("#{id}")
                }
                (_, Some(duration)) => {
                    let close = duration.find(')').unwrap_or(duration.len());
                    format!("Some(_{}", &duration[close..])
                }
                _ => word.to_string(),
            };
            words.push(new);
            previous = word;
        }
        normalized.push(words.join(" "));
    }
    normalized
}

/// A block of the page: the line its mark is on (1-based), and its lines.
struct Block {
    /// Where the mark is, for messages.
    line: usize,
    /// The lines between the fences.
    lines: Vec<String>,
}

/// The page's blocks marked with `mark`, in order.
fn marked_blocks(page: &str, mark: &str) -> Vec<Block> {
    let lines: Vec<&str> = page.lines().collect();
    let mut blocks = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.trim() != mark {
            continue;
        }
        let fence = lines.get(index + 1).copied().unwrap_or_default();
        assert!(
            fence.starts_with("```"),
            "line {}: {mark} must be followed by a fenced block",
            index + 1
        );
        let body = lines[index + 2..]
            .iter()
            .take_while(|line| !line.starts_with("```"))
            .map(|line| line.to_string())
            .collect();
        blocks.push(Block {
            line: index + 1,
            lines: body,
        });
    }
    blocks
}

/// The page's one block marked with `mark`.
fn the_block(page: &str, mark: &str) -> Block {
    let mut blocks = marked_blocks(page, mark);
    assert_eq!(blocks.len(), 1, "{PAGE} has one block marked {mark}");
    blocks.remove(0)
}

/// The walkthrough's run, made once for the tests of this file that need it.
fn the_run() -> &'static Transcript {
    static RUN: OnceLock<Transcript> = OnceLock::new();
    RUN.get_or_init(|| {
        let server = build_traced_server().expect("cargo runs");
        run_the_walkthrough(&server)
    })
}

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The page, read from the repository.
fn page() -> String {
    fs::read_to_string(root().join(PAGE)).expect("the walkthrough is there")
}

/// `line` with each run of digits replaced by `N`: its shape.
fn shape(line: &str) -> String {
    let mut shape = String::new();
    for c in line.chars() {
        match c {
            '0'..='9' if shape.ends_with('N') => {}
            '0'..='9' => shape.push('N'),
            _ => shape.push(c),
        }
    }
    shape
}

/// Fails, saying where, unless `block` (normalized) is what the run printed (normalized).
fn assert_same(what: &str, block: &Block, run: &[String]) {
    let (page, real) = (normalize(&block.lines), normalize(run));
    if page == real {
        return;
    }
    let first = page.iter().zip(&real).take_while(|(a, b)| a == b).count();
    panic!(
        "{PAGE}:{}: the {what} block is no longer what the server prints. First difference, \
         line {} of the block:\n  page: {:?}\n  run:  {:?}\nThe run printed (paste it into \
         the page, and follow it in the text):\n{}",
        block.line,
        first + 1,
        page.get(first),
        real.get(first),
        run.join("\n")
    );
}

#[test]
fn the_walkthrough_shows_what_the_traced_server_prints_for_one_question() {
    let page = page();
    let (stderr, stdout) = (the_block(&page, STDERR), the_block(&page, STDOUT));
    let run = the_run();
    assert_same("stderr", &stderr, &run.stderr);
    assert_same("stdout", &stdout, &run.stdout);
}

#[test]
fn a_summary_line_quoted_with_made_up_numbers_has_the_shape_of_a_real_one() {
    let real = the_run().stdout.last().expect("a summary line");
    let mut quoted = 0;
    for entry in fs::read_dir(root().join("docs")).expect("docs/ is there") {
        let path = entry.expect("a readable entry").path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(&path).expect("a page is text");
        for block in marked_blocks(&text, SUMMARY) {
            for line in &block.lines {
                assert_eq!(
                    shape(line),
                    shape(real),
                    "{}:{}: a summary line as the server prints it, numbers aside",
                    path.display(),
                    block.line
                );
                quoted += 1;
            }
        }
    }
    assert!(quoted > 0, "the book shows a summary line ({SUMMARY})");
}

#[test]
fn each_step_of_the_walkthrough_quotes_the_next_stretch_of_its_transcript() {
    let page = page();
    let whole = the_block(&page, STDERR).lines;
    let excerpts = marked_blocks(&page, EXCERPT);
    assert!(
        !excerpts.is_empty(),
        "{PAGE} explains its transcript step by step"
    );
    let mut from = 0;
    for excerpt in excerpts {
        let length = excerpt.lines.len();
        let found = (from..=whole.len().saturating_sub(length))
            .find(|&start| whole[start..start + length] == excerpt.lines[..]);
        let Some(start) = found else {
            panic!(
                "{PAGE}:{}: this excerpt is not a stretch of the stderr block at or after \
                 line {} of it",
                excerpt.line,
                from + 1
            );
        };
        from = start;
    }
}

#[test]
fn normalizing_forgets_descriptor_numbers_durations_and_addresses_but_nothing_else() {
    let lines = |text: &str| text.lines().map(String::from).collect::<Vec<_>>();
    let one = lines(
        "Listening at 127.0.0.1:1060\n[zenio] register fd 3 as source 0\n[zenio] spawn task 0\n\
         [zenio] epoll_wait (timeout Some(59.9s))\n[zenio] wait for Read on fd 11\n\
         [zenio] wait for Read on fd 3",
    );
    let other = lines(
        "Listening at 127.0.0.1:41234\n[zenio] register fd 4 as source 0\n[zenio] spawn task 7\n\
         [zenio] epoll_wait (timeout Some(1.5s))\n[zenio] wait for Read on fd 15\n\
         [zenio] wait for Read on fd 4",
    );
    assert_eq!(normalize(&one), normalize(&other));
    assert_eq!(normalize(&one)[4], "[zenio] wait for Read on fd #1");
    // The same descriptor where the page had another one is a different story.
    let mut swapped = other.clone();
    swapped[5] = "[zenio] wait for Read on fd 15".into();
    assert_ne!(normalize(&one), normalize(&swapped));
    // So is a timeout that became None, or a different source.
    let mut no_timer = other.clone();
    no_timer[3] = "[zenio] epoll_wait (timeout None)".into();
    assert_ne!(normalize(&one), normalize(&no_timer));
    let mut source = other;
    source[1] = "[zenio] register fd 4 as source 1".into();
    assert_ne!(normalize(&one), normalize(&source));
}
