//! The benchmark harness: zenio's servers against tokio, smol, monoio, asyncio and a floor
//! server with no runtime, measured the same way, and reported as ratios.
//!
//! ```text
//! cargo bench -p zenio-benches --bench compare -- [--smoke|--quick] [--only SUBSTRING[,SUBSTRING]] [--rounds N]
//! cargo bench -p zenio-benches --bench compare -- --report target/bench-results/compare.json
//! ```
//!
//! A full run builds the release binaries, runs every workload against every server in
//! interleaved rounds (closed loops, then fixed loads: shares of tokio `current_thread`'s
//! closed-loop capacity offered on a schedule), measures RSS per idle connection, a C10K and
//! a C100K run, counts syscalls per request, and writes every run to
//! `<target>/bench-results/compare.json`. The
//! report is made from those results alone (so `--report` can make it again from the JSON):
//! Markdown tables, printed and written beside the JSON as `benchmarks-section.md`, and SVG
//! plots; a full, unfiltered run also puts them in `docs/benchmarks.md` and `docs/plots/`.
//! `--quick` (2 s runs, no C10K or C100K, fixed loads at 50% only) and `--smoke` (1 s, one
//! round, three servers, one tiny fixed load; what CI runs through `tests/harness_smoke.rs`)
//! leave the docs alone. `--only fixed` runs the fixed-load group alone (and tokio's capacity
//! before it); `--only a,b` takes any of several. Any wrong answer, failed
//! connection or empty run fails the harness (non-zero exit), after the report. The soak of
//! good and hostile clients is a test of the servers: `tests/soak.rs` in the workspace.
//!
//! - [`options`]: the flags, the settings that follow, and the machine;
//!   [`servers`]: the catalogue of servers; [`process`]: starting, reading and stopping one.
//! - [`workloads`]: the workloads, and the load generators' command lines and reports.
//! - [`run`]: one measured run; [`schedule`]: the interleaved order, on a quiet machine;
//!   [`memory`]: RSS per idle connection, and the C100K run; [`syscalls`]: syscalls per
//!   request under [`strace`], beside the runtime's own [`counters`].
//! - [`stats`]: medians and per-pair ratios; [`report`]: the tables; [`goals`]: the issue's
//!   goals, checked; [`markdown`]: the report and the docs section; [`plots`]: the SVG plots.
//!
//! # Implementation
//!
//! Every server and generator is its own process. Pinning is `taskset -c N`
//! (`sched_setaffinity`), which `exec`s the program, so the pid is the server's. CPU time is
//! `utime` and `stime` from `/proc/PID/stat`, in `CLK_TCK` ticks; memory is `VmRSS` from
//! `/proc/PID/status` (both read with the `procfs` crate). Servers are stopped with
//! `kill(SIGTERM)`. The generator is waited for with `waitid(P_PID, WEXITED | WNOWAIT)`, which
//! leaves it a zombie whose CPU time can still be read. The open-file limit is raised with
//! `setrlimit(RLIMIT_NOFILE)`.

pub mod counters;
pub mod goals;
pub mod markdown;
pub mod memory;
pub mod options;
pub mod plots;
pub mod process;
pub mod report;
pub mod run;
pub mod schedule;
pub mod servers;
pub mod stats;
pub mod strace;
pub mod syscalls;
pub mod workloads;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use serde::{Deserialize, Serialize};

pub use options::{Machine, Mode, Options, Setup};

use memory::Held;
use run::Run;
use servers::{name, Server};
use syscalls::Syscalls;
use workloads::Workload;

/// Everything a comparison produced: what `compare.json` holds, and all the report is made of.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    /// How it was run.
    pub setup: Setup,
    /// Where and when.
    pub machine: Machine,
    /// The catalogue of servers that could run here.
    pub servers: Vec<Server>,
    /// The workloads, in the order they ran.
    pub workloads: Vec<Workload>,
    /// Every run.
    pub runs: Vec<Run>,
    /// RSS per idle connection, 10,000 connections (empty if not run), or why it was skipped.
    pub memory: Held,
    /// The C100K run: 100,000 connections, each answered, and RSS per connection (empty if
    /// not run), or why it was skipped.
    pub c100k: Held,
    /// Syscalls per request under strace (empty if not run), or why they were skipped.
    pub syscalls: Result<Vec<Syscalls>, String>,
    /// What the report must say about the setup (skipped rows, no pinning, clamped rounds).
    pub notes: Vec<String>,
}

impl Results {
    /// Every problem that fails the harness: failed runs, memory measurements and counts.
    pub fn failures(&self) -> Vec<String> {
        let name = |id: &str| name(&self.servers, id);
        let mut failures = Vec::new();
        for r in &self.runs {
            let (workload, server, round) = (&r.workload, name(&r.server), r.round);
            let said = |failure| format!("{workload} / {server} / round {round}: {failure}");
            failures.extend(r.failure.as_ref().map(said));
        }
        for m in [&self.memory, &self.c100k].into_iter().flatten().flatten() {
            let (connections, server) = (m.connections, name(&m.server));
            let said = |failure| format!("{connections} connections / {server}: {failure}");
            failures.extend(m.rss_kb.as_ref().err().map(said));
        }
        for row in self.syscalls.iter().flatten() {
            let (load, server) = (&row.workload, name(&row.server));
            let said = |failure| format!("syscalls / {load} / {server}: {failure}");
            failures.extend(row.traced.as_ref().err().map(said));
        }
        let held = [&self.memory, &self.c100k].map(|held| held.iter().flatten().count());
        let counted = self.syscalls.iter().flatten().count();
        if self.runs.is_empty() && held == [0, 0] && counted == 0 {
            let nothing = "nothing ran: no server and workload matched (see --only and the notes)";
            failures.push(nothing.into());
        }
        failures
    }
}

/// The workspace root (`benches/..`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Writes `text` to `path`, or says which file could not be written.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `cargo bench --bench compare`: builds the release binaries, compares, reports (or, with
/// `--report`, reports an earlier comparison again).
pub fn main() -> ExitCode {
    let options = Options::parse();
    let outcome = match &options.report {
        Some(json) => reread(json).and_then(|results| report(&results)),
        None => build_release().and_then(|bins| {
            let results = bins.join("../bench-results");
            run(&Setup::new(&options, bins, results, workspace_root()))
        }),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("compare: {error}");
            ExitCode::from(2)
        }
    }
}

/// Builds both packages' release binaries with the cargo that runs us (`$CARGO`), and finds
/// their directory: the parent of this bench's own, `<target>/release/deps/`.
pub fn build_release() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("compare: building the release binaries");
    let args = "build --release -p zenio-servers -p zenio-benches --bins";
    let build = Command::new(&cargo)
        .args(args.split(' '))
        .current_dir(workspace_root())
        .status();
    let status = build.map_err(|e| format!("cannot run {cargo}: {e}"))?;
    let failed = format!("`{cargo} {args}` failed ({status})");
    status.success().then_some(()).ok_or(failed)?;
    let exe = std::env::current_exe().map_err(|e| format!("where am I? {e}"))?;
    let dir = exe.parent().and_then(Path::parent);
    let dir = dir.ok_or("this bench is not in <target>/release/deps")?;
    if !dir.join("zen-server").is_file() {
        return Err(format!("zen-server was not built in {}", dir.display()));
    }
    Ok(dir.to_path_buf())
}

/// Runs the comparison `setup` describes and reports it. Returns whether every run
/// succeeded; `Err` only when the results could not be written.
pub fn run(setup: &Setup) -> Result<bool, String> {
    let dir = &setup.results;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    report(&compare(setup))
}

/// Runs every workload, the memory measurements and the syscall counts.
pub fn compare(setup: &Setup) -> Results {
    let machine = Machine::describe(&workspace_root());
    let (servers, mut notes) = servers::catalogue(&setup.bins);
    notes.extend(setup.notes.iter().cloned());
    let workloads = workloads::workloads(setup.mode);
    notes.iter().for_each(|note| eprintln!("compare: {note}"));
    let runs = schedule::run_all(setup, &schedule::cells(setup, &servers, &workloads));
    let memory = memory::measure_all(setup, &servers, memory::IDLE, &mut notes);
    let c100k = memory::measure_all(setup, &servers, memory::C100K, &mut notes);
    let syscalls = syscalls::measure_all(setup, &servers);
    if let Err(reason) = &syscalls {
        eprintln!("compare: syscalls per request skipped: {reason}");
    }
    let setup = setup.clone();
    Results {
        setup,
        machine,
        servers,
        workloads,
        runs,
        memory,
        c100k,
        syscalls,
        notes,
    }
}

/// The results in `json` (an earlier run's `compare.json`), to be reported again: beside it,
/// and in this workspace's docs if that run wrote them.
fn reread(json: &Path) -> Result<Results, String> {
    let text = std::fs::read_to_string(json).map_err(|e| e.to_string());
    let results = text.and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
    let mut results: Results = results.map_err(|e| format!("{}: {e}", json.display()))?;
    results.setup.results = json.parent().unwrap_or(Path::new(".")).to_path_buf();
    results.setup.docs = results.setup.docs.map(|_| workspace_root());
    Ok(results)
}

/// Writes the JSON, draws the plots, prints the Markdown report and writes it beside the JSON
/// (and, for a full run, into the docs); then says what failed. Returns whether nothing did.
pub fn report(results: &Results) -> Result<bool, String> {
    let (setup, tables) = (&results.setup, report::tables(results));
    let json = setup.results.join("compare.json");
    write(&json, &serde_json::to_string_pretty(results).expect("JSON"))?;
    let docs = setup.docs.as_ref().map(|root| root.join("docs"));
    let plots = docs.unwrap_or(setup.results.clone()).join("plots");
    let plots = plots::draw(results, &tables, &plots)?;
    let section = markdown::section(results, &tables, &plots);
    let markdown = setup.results.join("benchmarks-section.md");
    write(&markdown, &section)?;
    let (json, markdown) = (json.display(), markdown.display());
    println!("\n{section}\ncompare: every run is in {json}, the report in {markdown}");
    if let Some(root) = &setup.docs {
        markdown::write(root, &section)?;
        println!("compare: rewrote the harness section of docs/benchmarks.md and docs/plots/");
    }
    let failures = results.failures();
    if failures.is_empty() {
        println!("compare: every answer of every run was right");
    } else {
        eprintln!("\ncompare: {} FAILED RUNS:", failures.len());
        failures.iter().for_each(|f| eprintln!("  FAILED {f}"));
    }
    Ok(failures.is_empty())
}
