//! The harness's flags, the settings of one comparison that follow from them, and the machine
//! it runs on: how long each run lasts, how many rounds, where the binaries are, whether the
//! server and the load generator can be pinned to cores of their own (`taskset`), and the
//! facts a reader needs to reproduce the report, each from the command a reader would type to
//! check it (`nproc`, `lscpu`, `uname -r`, `rustc -V`, `git rev-parse`, `date -u`).

use std::path::PathBuf;
use std::process::Command;

use clap::Parser;
use serde::{Deserialize, Serialize};

use super::servers::Group;

/// How much to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Everything, 5 s a run, at least 3 rounds; regenerates the report in the docs.
    Full,
    /// Everything but C10K and C100K, fixed loads at 50% only, 2 s a run.
    Quick,
    /// One round of 1 s runs, C = 1 and 10, three servers: checks that every answer is right.
    Smoke,
}

/// Compares zenio's servers with tokio, smol, the floor server and asyncio.
#[derive(Parser, Debug, Default)]
#[command(name = "compare")]
pub struct Options {
    /// One round of 1 s runs at C = 1 and 10 against zenio coroutine, tokio current_thread
    /// and the floor; fails unless every answer is right.
    #[arg(long, conflicts_with = "quick")]
    pub smoke: bool,
    /// 2 s runs, no C10K or C100K, and the docs are left alone.
    #[arg(long)]
    pub quick: bool,
    /// Run only the workloads and servers whose id contains this, or one of its
    /// comma-separated parts (each group's baseline still runs, for the ratios), or one step by name (`memory`, `syscalls`; `syscalls` also runs
    /// in smoke mode); the docs are then left alone.
    #[arg(long)]
    pub only: Option<String>,
    /// Rounds of interleaved runs (at least 3, except with --smoke).
    #[arg(long)]
    pub rounds: Option<usize>,
    /// Seconds per run, instead of 5 (2 with --quick, 1 with --smoke).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Measure nothing: write the report again from the `compare.json` of an earlier run
    /// (the docs too, if that run was a full, unfiltered one).
    #[arg(long, value_name = "COMPARE_JSON")]
    pub report: Option<PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    pub bench: bool,
}

/// Everything a comparison needs to know before its first run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Setup {
    /// How much to run.
    pub mode: Mode,
    /// The directory of the server and generator binaries.
    pub bins: PathBuf,
    /// Seconds per run.
    pub seconds: f64,
    /// Rounds.
    pub rounds: usize,
    /// The `--only` filter, lower-cased.
    pub only: Option<String>,
    /// `Ok` when the single-core group's server runs on core 0 and its load generator on core
    /// 1 (`taskset -c`), or the reason nothing is pinned.
    pub pinned: Result<(), String>,
    /// Where `compare.json`, the report's Markdown and (when the docs are not written) the
    /// plots go.
    pub results: PathBuf,
    /// The workspace root, when `docs/benchmarks.md` and `docs/plots/` are to be rewritten.
    pub docs: Option<PathBuf>,
    /// The command that was run, for the report.
    pub command: String,
    /// Things the report must say about the setup (clamped rounds, no pinning).
    pub notes: Vec<String>,
}

impl Setup {
    /// The settings for `options`, with binaries in `bins` and results under `results`.
    /// `docs` is the workspace root; it is kept only for a full, unfiltered run.
    pub fn new(options: &Options, bins: PathBuf, results: PathBuf, docs: PathBuf) -> Self {
        let (mode, seconds, least) = match (options.smoke, options.quick) {
            (true, _) => (Mode::Smoke, 1.0, 1),
            (_, true) => (Mode::Quick, 2.0, 3),
            _ => (Mode::Full, 5.0, 3),
        };
        let seconds = options.duration.unwrap_or(seconds);
        let rounds = options.rounds.unwrap_or(least);
        let mut notes = Vec::new();
        if rounds < least && least == 3 {
            let note = format!("--rounds {rounds} raised to 3: a median needs at least 3 pairs");
            notes.push(note);
        }
        let rounds = rounds.max(least);
        let pinned = pinning();
        if let Err(why) = &pinned {
            notes.push(format!("single-core group runs UNPINNED: {why}"));
        }
        let args = std::env::args().skip(1).filter(|a| a != "--bench");
        let args: Vec<String> = args.collect();
        let mut command = "cargo bench -p zenio-benches --bench compare".to_string();
        if !args.is_empty() {
            command += &format!(" -- {}", args.join(" "));
        }
        let only = options.only.as_ref().map(|s| s.to_lowercase());
        let docs = (mode == Mode::Full && only.is_none()).then_some(docs);
        Self {
            mode,
            bins,
            seconds,
            rounds,
            only,
            pinned,
            results,
            docs,
            command,
            notes,
        }
    }

    /// `argv` behind `taskset -c CORE` in the single-core group (when pinning works), else as
    /// it is: core 0 is the server's, core 1 the load generator's.
    pub fn pin(&self, group: Group, core: u8, argv: &[String]) -> Vec<String> {
        let pinned = self.pinned.is_ok() && group == Group::SingleCore;
        let taskset = ["taskset".into(), "-c".into(), core.to_string()];
        let skip = if pinned { 0 } else { taskset.len() };
        [&taskset[skip..], argv].concat()
    }

    /// Whether `--only` lets `ids` run (any of them contains the filter, or one of its
    /// comma-separated parts).
    pub fn selected(&self, ids: &[&str]) -> bool {
        let contains = |only: &str| ids.iter().any(|id| id.to_lowercase().contains(only));
        self.only
            .as_ref()
            .is_none_or(|only| only.split(',').any(contains))
    }
}

/// Whether `program` is on the `PATH` (it can be started at all).
pub fn installed(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok()
}

/// `Ok` if the server can have core 0 and the load generator core 1, else why not.
fn pinning() -> Result<(), String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        let alone = format!("this process may use {cores} core, so the load generator shares it");
        return Err(alone);
    }
    let pins = Command::new("taskset").args(["-c", "1", "true"]).status();
    let missing = "`taskset` is missing or cannot pin (apt-get install util-linux)";
    let pinned = pins.is_ok_and(|s| s.success());
    pinned.then_some(()).ok_or(missing.into())
}

/// Where and when a comparison ran.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    /// When the comparison started, UTC (`date -u`).
    pub date: String,
    /// Cores this process may run on (`nproc`), the CPU model (`lscpu`), the kernel release
    /// (`uname -r`), the compiler (`rustc -V`), and the commit measured (with `+ local
    /// changes` when the tree is dirty).
    pub line: String,
}

impl Machine {
    /// Asks the machine; `root` is the repository, for the commit.
    pub fn describe(root: &std::path::Path) -> Self {
        let lscpu = output("lscpu", &[]);
        let model = lscpu.lines().find_map(|l| l.strip_prefix("Model name:"));
        let (model, root) = (model.unwrap_or("unknown").trim(), root.to_string_lossy());
        let mut commit = output("git", &["-C", &root, "rev-parse", "--short", "HEAD"]);
        if !output("git", &["-C", &root, "status", "--porcelain"]).is_empty() {
            commit.push_str(" + local changes");
        }
        let rustc = output(&std::env::var("RUSTC").unwrap_or("rustc".into()), &["-V"]);
        let (cores, kernel) = (output("nproc", &[]), output("uname", &["-r"]));
        let line = format!("{cores} CPUs (`nproc`), `{model}` (`lscpu`), kernel `{kernel}`, {rustc}, zenio at `{commit}`");
        Self {
            date: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            line,
        }
    }
}

/// A command's stdout, trimmed; empty if it could not run.
fn output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output();
    let out = out.map(|out| out.stdout).unwrap_or_default();
    String::from_utf8_lossy(&out).trim().to_string()
}
