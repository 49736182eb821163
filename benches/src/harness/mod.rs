//! The benchmark harness: zenio's servers against tokio, smol, asyncio and a floor server with
//! no runtime, measured the same way, and reported as ratios.
//!
//! ```text
//! cargo bench -p zenio-benches --bench compare -- [--smoke|--quick] [--only SUBSTRING] [--rounds N]
//! ```
//!
//! A full run builds the release binaries, runs every workload against every server in
//! interleaved rounds, measures RSS per idle connection, a C10K and a C100K run, soaks
//! zenio's servers in good and hostile load for a minute each, counts syscalls per request,
//! prints a table per workload, writes every run to `<target>/bench-results/compare.json`,
//! and regenerates the harness's section of `docs/benchmarks.md` with its plots in
//! `docs/plots/`. `--quick` (2 s runs, no C10K or C100K, 10 s soaks) and `--smoke` (1 s, one
//! round, three servers; what CI runs through `tests/harness_smoke.rs`) leave the docs alone.
//! Any wrong answer, failed connection or empty run fails the harness (non-zero exit), after
//! the report.
//!
//! - [`servers`]: the catalogue of servers; [`process`]: starting, reading and stopping one.
//! - [`workloads`]: the workloads, and the load generator's command line for each; [`wrk`]
//!   reads wrk's report.
//! - [`run`]: one measured run; [`schedule`]: the interleaved order and the progress bar;
//!   [`quiet`]: waiting for a quiet machine, and redoing a disturbed run;
//!   [`memory`]: RSS per idle connection, and the C100K run; [`soak`]: a minute of good and
//!   hostile load ([`hostile`]) at once; [`syscalls`]: syscalls per request under strace,
//!   beside the runtime's own [`counters`].
//! - [`stats`]: medians and per-pair ratios; [`report`]: tables and JSON; [`goals`]: the
//!   issue's goals, checked; [`markdown`]: the docs section; [`plots`]: the SVG plots.
//! - [`options`]: the flags, and the settings that follow; [`machine`]: what ran it.
//!
//! # Implementation
//!
//! Every server and generator is its own process. Pinning is `taskset -c N`
//! (`sched_setaffinity`), which `exec`s the program, so the pid is the server's. CPU time is
//! `utime` and `stime` from `/proc/PID/stat`, in `CLK_TCK` ticks; memory is `VmRSS` from
//! `/proc/PID/status`. Servers are stopped with `kill(SIGTERM)`. The generator is waited for
//! with `waitid(P_PID, WEXITED | WNOWAIT)`, which leaves it a zombie whose CPU time can still
//! be read. The open-file limit is raised with `setrlimit(RLIMIT_NOFILE)`.

pub mod counters;
pub mod goals;
pub mod hostile;
pub mod machine;
pub mod markdown;
pub mod memory;
pub mod options;
pub mod plots;
pub mod process;
pub mod quiet;
pub mod report;
pub mod run;
pub mod schedule;
pub mod servers;
pub mod soak;
pub mod stats;
pub mod syscalls;
pub mod workloads;
pub mod wrk;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;

pub use options::{Mode, Options, Setup};

use machine::Machine;
use memory::Memory;
use run::Run;
use servers::{Bins, Server};
use soak::Soak;
use syscalls::Syscalls;
use workloads::Workload;

/// Everything a comparison produced.
pub struct Results {
    /// Where and when.
    pub machine: Machine,
    /// The catalogue of servers that could run here.
    pub servers: Vec<Server>,
    /// The workloads, in the order they ran.
    pub workloads: Vec<Workload>,
    /// Every run.
    pub runs: Vec<Run>,
    /// RSS per idle connection, 10,000 connections (empty if not run), or why it was
    /// skipped.
    pub memory: Result<Vec<Memory>, String>,
    /// The C100K run: 100,000 connections, each answered, and RSS per connection (empty if
    /// not run), or why it was skipped.
    pub c100k: Result<Vec<Memory>, String>,
    /// The soak runs (empty if not run).
    pub soaks: Vec<Soak>,
    /// Syscalls per request under strace (empty if not run), or why they were skipped.
    pub syscalls: Result<Vec<Syscalls>, String>,
    /// What the report must say about the setup.
    pub notes: Vec<String>,
}

impl Results {
    /// A server's name in tables, from its id.
    pub fn name(&self, id: &str) -> String {
        self.servers
            .iter()
            .find(|s| s.id == id)
            .map_or(id.to_string(), |s| s.name.to_string())
    }

    /// Every problem that fails the harness: failed runs and failed memory measurements.
    pub fn failures(&self) -> Vec<String> {
        let mut failures: Vec<String> = self
            .runs
            .iter()
            .filter_map(|r| {
                Some(format!(
                    "{} / {} / round {}: {}",
                    r.workload,
                    self.name(r.server),
                    r.round,
                    r.failure.as_ref()?
                ))
            })
            .collect();
        for held in [&self.memory, &self.c100k] {
            failures.extend(held.iter().flatten().filter_map(|m| {
                Some(format!(
                    "{} connections / {}: {}",
                    m.connections,
                    self.name(m.server),
                    m.rss_kb.as_ref().err()?
                ))
            }));
        }
        failures.extend(self.soaks.iter().filter_map(|soak| {
            Some(format!(
                "soak / {}: {}",
                self.name(soak.server),
                soak.failure.as_ref()?
            ))
        }));
        failures.extend(self.syscalls.iter().flatten().filter_map(|row| {
            Some(format!(
                "syscalls / {} / {}: {}",
                row.workload,
                self.name(row.server),
                row.traced.as_ref().err()?
            ))
        }));
        let held_none = |held: &Result<Vec<Memory>, String>| held.as_ref().is_ok_and(Vec::is_empty);
        if self.runs.is_empty()
            && held_none(&self.memory)
            && held_none(&self.c100k)
            && self.soaks.is_empty()
            && self.syscalls.as_ref().is_ok_and(Vec::is_empty)
        {
            failures.push(
                "nothing ran: no server and workload matched (see --only and the notes)".into(),
            );
        }
        failures
    }
}

/// The workspace root (`benches/..`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ has a parent")
        .to_path_buf()
}

/// `cargo bench --bench compare`: builds the release binaries, compares, reports.
pub fn main() -> ExitCode {
    let options = Options::parse();
    let bins = match build_release() {
        Ok(bins) => bins,
        Err(error) => {
            eprintln!("compare: {error}");
            return ExitCode::from(2);
        }
    };
    let results = bins.dir.parent().unwrap_or(&bins.dir).join("bench-results");
    let setup = Setup::new(&options, bins, results, workspace_root());
    match run(&setup) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("compare: {error}");
            ExitCode::from(2)
        }
    }
}

/// Builds both packages' release binaries with the cargo that runs us (`$CARGO`), and finds
/// them: beside this bench's own executable, which lives in `<target>/release/deps/`.
pub fn build_release() -> Result<Bins, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("compare: building the release binaries");
    let status = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "-p",
            "zenio-servers",
            "-p",
            "zenio-benches",
            "--bins",
        ])
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!("`{cargo} build --release` failed ({status})"));
    }
    let exe = std::env::current_exe().map_err(|e| format!("where am I? {e}"))?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("this bench is not in <target>/release/deps")?;
    let bins = Bins {
        dir: dir.to_path_buf(),
    };
    bins.find("zen-server")
        .ok_or_else(|| format!("zen-server was not built in {}", dir.display()))?;
    Ok(bins)
}

/// Runs the comparison `setup` describes and reports it. Returns whether every run
/// succeeded; `Err` only when the results could not be written.
pub fn run(setup: &Setup) -> Result<bool, String> {
    let results = compare(setup);
    report(setup, &results)
}

/// Runs every workload and the memory measurements.
pub fn compare(setup: &Setup) -> Results {
    let machine = Machine::describe(&workspace_root());
    let (servers, mut notes) = servers::catalogue(&setup.bins);
    notes.extend(setup.notes.iter().cloned());
    if setup.wrk {
        notes.push("hello keep-alive is loaded by wrk, which checks status codes only".into());
    }
    let workloads = workloads::workloads(setup.mode);
    for note in &notes {
        eprintln!("compare: {note}");
    }
    let cells = schedule::cells(setup, &servers, &workloads);
    let runs = schedule::run_all(setup, &cells);
    let chosen: Vec<&Server> = memory::SERVERS
        .iter()
        .filter_map(|id| servers.iter().find(|s| s.id == *id))
        .filter(|s| setup.selected(&[s.id, "memory"]))
        .collect();
    let hold = |wanted: usize, modes: &[Mode], notes: &mut Vec<String>| {
        if !modes.contains(&setup.mode) || chosen.is_empty() {
            return Ok(Vec::new());
        }
        let room = memory::room_for(wanted);
        match &room {
            Ok((_, Some(reason))) => notes.push(reason.clone()),
            Ok((_, None)) => {}
            Err(reason) => eprintln!("compare: {wanted} connections skipped: {reason}"),
        }
        room.map(|(connections, _)| schedule::memory(setup, &chosen, connections))
    };
    let memory = hold(memory::IDLE, &[Mode::Quick, Mode::Full], &mut notes);
    let c100k = hold(memory::C100K, &[Mode::Full], &mut notes);
    let soaks = match soak::length(setup.mode) {
        Some(length) => {
            let chosen: Vec<&Server> = soak::SERVERS
                .iter()
                .filter_map(|id| servers.iter().find(|s| s.id == *id))
                .filter(|s| setup.selected(&[s.id, "soak"]))
                .collect();
            schedule::soaks(setup, &chosen, length)
        }
        None => Vec::new(),
    };
    let syscalls = syscalls::measure_all(setup, &servers);
    if let Err(reason) = &syscalls {
        eprintln!("compare: syscalls per request skipped: {reason}");
    }
    Results {
        machine,
        servers,
        workloads,
        runs,
        memory,
        c100k,
        soaks,
        syscalls,
        notes,
    }
}

/// Prints the tables, writes the JSON, and (full runs) the docs section and plots.
pub fn report(setup: &Setup, results: &Results) -> Result<bool, String> {
    let tables = report::tables(results);
    let name = |id: &str| results.name(id);
    println!();
    for table in &tables {
        println!("== {}", report::title(table));
        let (header, rows) = report::cells(table, &name);
        println!("{}\n", report::text(&header, &rows));
    }
    for held in [&results.memory, &results.c100k] {
        if let Ok(rows @ [first, ..]) = held.as_deref() {
            println!("== {}", report::memory_title(first.connections));
            let (header, rows) = report::memory_cells(rows, &name);
            println!("{}\n", report::text(&header, &rows));
        }
    }
    if !results.soaks.is_empty() {
        println!("== Soak: good and hostile load at once");
        let (header, rows) = soak::cells(&results.soaks, &name);
        println!("{}\n", report::text(&header, &rows));
    }
    if let Ok(rows) = &results.syscalls {
        print!("{}", syscalls::table::text(rows, &name));
    }
    let (header, rows) = goals::cells(results, &tables, &name);
    if !rows.is_empty() {
        println!("== Goals\n{}\n", report::text(&header, &rows));
    }
    // The JSON of every run.
    std::fs::create_dir_all(&setup.results)
        .map_err(|e| format!("{}: {e}", setup.results.display()))?;
    let json_path = setup.results.join("compare.json");
    let json =
        serde_json::to_string_pretty(&report::json(setup, results)).expect("JSON values serialize");
    std::fs::write(&json_path, json).map_err(|e| format!("{}: {e}", json_path.display()))?;
    println!("compare: every run is in {}", json_path.display());
    // The plots and the docs section.
    match (&setup.docs, setup.mode) {
        (Some(root), _) => {
            let plots = plots::draw(results, &tables, &root.join("docs/plots"))?;
            let relative: Vec<(PathBuf, String)> = plots
                .into_iter()
                .map(|(path, caption)| {
                    (
                        path.strip_prefix(root.join("docs"))
                            .map(Path::to_path_buf)
                            .unwrap_or(path),
                        caption,
                    )
                })
                .collect();
            let doc =
                markdown::write(root, &markdown::section(setup, results, &tables, &relative))?;
            println!(
                "compare: rewrote the harness section of {} and its plots",
                doc.display()
            );
        }
        (None, Mode::Quick | Mode::Full) => {
            let dir = setup.results.join("plots");
            plots::draw(results, &tables, &dir)?;
            println!(
                "compare: plots in {} (the docs are only rewritten by a full, unfiltered run)",
                dir.display()
            );
        }
        (None, Mode::Smoke) => {}
    }
    let failures = results.failures();
    if failures.is_empty() {
        println!("compare: every answer of every run was right");
        return Ok(true);
    }
    eprintln!("\ncompare: {} FAILED RUNS:", failures.len());
    for failure in &failures {
        eprintln!("  FAILED {failure}");
    }
    Ok(false)
}
