//! The harness's flags, and the settings of one comparison that follow from them and from the
//! machine: how long each run lasts, how many rounds, where the binaries are, and whether the
//! server and the load generator can be pinned to cores of their own (`taskset`).

use std::path::PathBuf;
use std::process::Command;

use clap::Parser;

use super::servers::{Bins, Group};
use super::workloads::wrk_installed;

/// How much to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Everything, 5 s a run, at least 3 rounds; regenerates the report in the docs.
    Full,
    /// Everything but C10K, 2 s a run.
    Quick,
    /// One round of 1 s runs, C = 1 and 10, three servers: checks that every answer is right.
    Smoke,
}

impl Mode {
    /// The mode's name, for the report.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Quick => "quick",
            Mode::Smoke => "smoke",
        }
    }
}

/// Compares zenio's servers with tokio, smol, the floor server and asyncio.
#[derive(Parser, Debug, Default)]
#[command(name = "compare")]
pub struct Options {
    /// One round of 1 s runs at C = 1 and 10 against zenio coroutine, tokio current_thread
    /// and the floor; fails unless every answer is right.
    #[arg(long, conflicts_with = "quick")]
    pub smoke: bool,
    /// 2 s runs, no C10K, and the docs are left alone.
    #[arg(long)]
    pub quick: bool,
    /// Run only the workloads and servers whose id contains this (each group's baseline still
    /// runs, for the ratios), or one step by name (`memory`, `syscalls`; `syscalls` also runs
    /// in smoke mode); the docs are then left alone.
    #[arg(long)]
    pub only: Option<String>,
    /// Rounds of interleaved runs (at least 3, except with --smoke).
    #[arg(long)]
    pub rounds: Option<usize>,
    /// Seconds per run, instead of 5 (2 with --quick, 1 with --smoke).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    pub bench: bool,
}

impl Options {
    /// The mode the flags ask for.
    pub fn mode(&self) -> Mode {
        if self.smoke {
            Mode::Smoke
        } else if self.quick {
            Mode::Quick
        } else {
            Mode::Full
        }
    }
}

/// Everything a comparison needs to know before its first run.
#[derive(Clone, Debug)]
pub struct Setup {
    /// How much to run.
    pub mode: Mode,
    /// Where the server and generator binaries are.
    pub bins: Bins,
    /// Seconds per run.
    pub seconds: f64,
    /// Rounds.
    pub rounds: usize,
    /// The `--only` filter, lower-cased.
    pub only: Option<String>,
    /// Whether hello keep-alive is loaded with `wrk`.
    pub wrk: bool,
    /// `taskset -c 0` and `taskset -c 1`, or `None` with the reason there is no pinning.
    pub pinning: Result<([String; 3], [String; 3]), String>,
    /// Where `compare.json` (and, when the docs are not written, the plots) go.
    pub results: PathBuf,
    /// The workspace root, when `docs/benchmarks.md` and `docs/plots/` are to be rewritten.
    pub docs: Option<PathBuf>,
    /// The command that was run, for the report.
    pub command: String,
    /// Things the report must say about the setup (skipped rows, no pinning, clamped rounds).
    pub notes: Vec<String>,
}

impl Setup {
    /// The settings for `options`, with binaries in `bins` and results under `results`.
    /// `docs` is the workspace root; it is kept only for a full, unfiltered run.
    pub fn new(options: &Options, bins: Bins, results: PathBuf, docs: PathBuf) -> Self {
        let mode = options.mode();
        let mut notes = Vec::new();
        let seconds = options.duration.unwrap_or(match mode {
            Mode::Full => 5.0,
            Mode::Quick => 2.0,
            Mode::Smoke => 1.0,
        });
        let rounds = match (mode, options.rounds) {
            (Mode::Smoke, rounds) => rounds.unwrap_or(1).max(1),
            (_, Some(rounds)) if rounds < 3 => {
                notes.push(format!(
                    "--rounds {rounds} raised to 3: a median needs at least 3 pairs"
                ));
                3
            }
            (_, rounds) => rounds.unwrap_or(3),
        };
        let wrk = mode != Mode::Smoke && wrk_installed();
        let pinning = pinning();
        if let Err(reason) = &pinning {
            notes.push(format!("single-core group runs UNPINNED: {reason}"));
        }
        let docs = (mode == Mode::Full && options.only.is_none()).then_some(docs);
        let mut command = "cargo bench -p zenio-benches --bench compare".to_string();
        let args: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| a != "--bench")
            .collect();
        if !args.is_empty() {
            command = format!("{command} -- {}", args.join(" "));
        }
        Self {
            mode,
            bins,
            seconds,
            rounds,
            only: options.only.as_ref().map(|s| s.to_lowercase()),
            wrk,
            pinning,
            results,
            docs,
            command,
            notes,
        }
    }

    /// What goes before a server's command line in `group`: `taskset -c 0`, or nothing.
    pub fn server_pin(&self, group: Group) -> &[String] {
        match (&self.pinning, group) {
            (Ok((server, _)), Group::SingleCore) => server,
            _ => &[],
        }
    }

    /// What goes before the load generator's command line in `group`, if anything.
    pub fn generator_pin(&self, group: Group) -> Option<&[String]> {
        match (&self.pinning, group) {
            (Ok((_, load)), Group::SingleCore) => Some(load),
            _ => None,
        }
    }

    /// Whether `--only` lets `ids` run (any of them contains the filter).
    pub fn selected(&self, ids: &[&str]) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| ids.iter().any(|id| id.to_lowercase().contains(only)))
    }
}

/// `taskset -c 0` for the server and `taskset -c 1` for the load, if both are possible.
fn pinning() -> Result<([String; 3], [String; 3]), String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        return Err(format!(
            "this process may use {cores} core, so the load generator shares it"
        ));
    }
    let works = Command::new("taskset")
        .args(["-c", "1", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        return Err("`taskset` is missing or cannot pin (apt-get install util-linux)".into());
    }
    let pin = |core: &str| ["taskset".to_string(), "-c".into(), core.into()];
    Ok((pin("0"), pin("1")))
}
