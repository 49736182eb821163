//! One measured run: one server, one workload, one load generator, side by side.
//!
//! The steps, in order:
//!
//! 1. Start the server (pinned, in the single-core group) and wait for `Listening at`.
//! 2. Start a sampler thread that reads the server's CPU ticks (`utime`, `stime` from
//!    `/proc/PID/stat`) every 10 ms.
//! 3. Run the load generator (pinned to the other core) for D seconds with `--json`, and wait
//!    for it to exit with `waitid(WEXITED | WNOWAIT)`, which leaves it a zombie, so that its
//!    final CPU time can still be read from `/proc`.
//! 4. Read the server's ticks once more. The server's CPU window runs from the last sample
//!    taken before the generator's measurement began (its exit time minus the measured
//!    duration) to now: the generator opens its connections before its clock starts, and at
//!    10,000 connections that takes a noticeable fraction of a second.
//!    The machine's busy time over the same run (`/proc/stat`), less the server's and the
//!    generator's, is what other work took: see [`schedule`](super::schedule).
//! 5. Stop the server, and judge the run: zero requests, a wrong answer or a failed connection
//!    fails it; a generator above 90% of its core flags it as saturated; a fixed load the
//!    generator did not keep on schedule (`"valid": false`) is *invalid*: shown as such,
//!    never as a figure.
//!
//! Beside CPU time, the run counts involuntary context switches (`nonvoluntary_ctxt_switches`
//! of `/proc/PID/task/*/status`): how often the kernel took a core from the server's threads,
//! and from the generator's, while they could still run. Where the generator shares the cores
//! with the server (the per-core group), that is how pinning shows.
//!
//! Ticks are counted at `CLK_TCK` per second (`getconf CLK_TCK`, 100 on Linux), so a 5 s run
//! at ~50% server CPU is resolved to about 0.4%.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rustix::io::Errno;
use rustix::process::{waitid, Pid, WaitId, WaitIdOptions};
use serde::{Deserialize, Serialize};

use super::process::{busy_ticks, cpu_ticks, hz, preempted, spawn, Running};
use super::schedule::BUSY_MACHINE;
use super::servers::{Group, Server};
use super::workloads::{self, Length, Workload};
use super::Setup;

/// Above this fraction of one core, the load generator may be what set the pace.
pub const SATURATED: f64 = 0.9;

/// The longest a fixed-load run lasts: at most 3 s, so that the group's 200-odd runs fit in
/// a full run of under an hour (3 s at 25% load is still some 40 ticks of server CPU).
pub const FIXED_SECONDS: f64 = 3.0;

/// How often the sampler reads the server's CPU ticks.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// Latency percentiles in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// The median.
    pub p50: Option<f64>,
    /// The 99th percentile.
    pub p99: Option<f64>,
    /// The 99.9th percentile.
    pub p99_9: Option<f64>,
    /// The largest.
    pub max: Option<f64>,
}

/// What the load generator measured, and what the server spent meanwhile. Our generators'
/// `--json` object reads straight into it (the `alias`es are their names).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// Answers checked in the window.
    pub requests: u64,
    /// Answers that were wrong.
    pub wrong: u64,
    /// Connections or requests that failed.
    pub errors: u64,
    /// Seconds the generator measured.
    #[serde(alias = "duration_s")]
    pub seconds: f64,
    /// Answers per second.
    #[serde(alias = "throughput_rps")]
    pub rps: f64,
    /// Latency percentiles.
    pub latency_us: Latency,
    /// The generator's CPU time (user plus system) over its wall time.
    #[serde(alias = "cpu")]
    pub generator_cpu: f64,
    /// The generator's user-mode CPU time over its wall time.
    #[serde(alias = "cpu_user")]
    pub generator_user: f64,
    /// The server's CPU seconds in the window, user plus system.
    #[serde(default)]
    pub server_cpu_s: f64,
    /// The server's user-mode CPU seconds in the window.
    #[serde(default)]
    pub server_user_s: f64,
    /// Cores' worth of CPU that neither the server nor the generator used during the run
    /// (other processes, interrupts, time stolen by the hypervisor), from `/proc/stat`.
    #[serde(default)]
    pub other_cpu: f64,
    /// The questions per second a fixed load offered (`None` for a closed loop).
    #[serde(default, alias = "rate_rps")]
    pub rate: Option<f64>,
    /// Why the generator did not keep the fixed load's schedule, if it did not.
    #[serde(default)]
    pub invalid_reason: Option<String>,
    /// The server's involuntary context switches per second, over the generator's life.
    #[serde(default)]
    pub server_preempted: f64,
    /// The generator's involuntary context switches per second, over its life.
    #[serde(default)]
    pub generator_preempted: f64,
}

impl Measure {
    /// Server CPU microseconds per request, user plus system.
    pub fn cpu_us(&self) -> f64 {
        self.server_cpu_s * 1e6 / self.requests.max(1) as f64
    }

    /// Server user-mode CPU microseconds per request.
    pub fn user_us(&self) -> f64 {
        self.server_user_s * 1e6 / self.requests.max(1) as f64
    }

    /// Why a run with this measure failed, if it did.
    pub fn failure(&self) -> Option<String> {
        if self.wrong > 0 {
            Some(format!("{} WRONG ANSWERS", self.wrong))
        } else if self.requests == 0 {
            Some(format!("NO ANSWERS AT ALL ({} errors)", self.errors))
        } else if self.errors > 0 {
            Some(format!("{} FAILED CONNECTIONS OR REQUESTS", self.errors))
        } else {
            None
        }
    }
}

/// One run, whatever came of it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Run {
    /// The server's group.
    pub group: Group,
    /// The workload's id.
    pub workload: String,
    /// The server's id.
    pub server: String,
    /// Which round, from 1.
    pub round: usize,
    /// What was measured, if the run got that far.
    pub measure: Option<Measure>,
    /// Why the run failed, if it did: such a run is left out of every median.
    pub failure: Option<String>,
    /// Warnings that do not fail the run, such as a saturated generator.
    pub flags: Vec<String>,
}

impl Run {
    /// The measure of a run that succeeded (and, for a fixed load, kept its schedule).
    pub fn ok(&self) -> Option<&Measure> {
        let valid = |m: &&Measure| m.invalid_reason.is_none() && self.failure.is_none();
        self.measure.as_ref().filter(valid)
    }
}

/// Runs `server` under `workload` once, for round `round`.
pub fn run(setup: &Setup, server: &Server, workload: &Workload, round: usize) -> Run {
    let (group, workload_id, server_id) = (server.group, workload.id.clone(), server.id.clone());
    let mut run = Run {
        group,
        workload: workload_id,
        server: server_id,
        round,
        ..Run::default()
    };
    let argv = server.command(workload.kind.proto()).expect("its protocol");
    let argv = setup.pin(group, 0, argv);
    let extra: &[&str] = match server.zenio && workload.connections > 5000 {
        true => &["--max-conns", "20000"],
        false => &[],
    };
    let unknown = workload.share.is_some() && workload.rate.is_none();
    let started = match unknown {
        true => Err("tokio current_thread's closed-loop capacity is unknown".into()),
        false => Running::start(&argv, extra),
    };
    let measured = started.and_then(|running| {
        let length = Length::Seconds(match workload.share {
            Some(_) => setup.seconds.min(FIXED_SECONDS),
            None => setup.seconds,
        });
        let argv = workloads::generator(workload, &setup.bins, running.port, length);
        let measured = measure(&running, &setup.pin(group, 1, &argv));
        let (status, _) = running.stop();
        let exited = status.filter(|status| server.zenio && !status.success());
        let killed = status
            .is_none()
            .then(|| "server ignored SIGTERM for 10 s: killed".into());
        run.flags
            .extend(exited.map(|s| format!("server exited with {s} after SIGTERM, not 0")));
        run.flags.extend(killed);
        measured
    });
    match measured {
        Ok(measure) => {
            let (other, generator) = (measure.other_cpu, measure.generator_cpu);
            let busy = "of a core went to other processes or was stolen";
            let flags = [
                (other > BUSY_MACHINE).then(|| format!("the machine was busy: {other:.2} {busy}")),
                (generator > SATURATED)
                    .then(|| format!("load generator saturated ({generator:.2} of a core)")),
                measure
                    .invalid_reason
                    .as_ref()
                    .map(|why| format!("off schedule: {why}")),
            ];
            run.flags.extend(flags.into_iter().flatten());
            run.failure = measure.failure();
            run.measure = Some(measure);
        }
        Err(error) => run.failure = Some(error),
    }
    run
}

/// Steps 2 to 4: runs the generator while a thread samples the server's CPU, and reads the
/// results.
fn measure(server: &Running, argv: &[String]) -> Result<Measure, String> {
    let pid = server.pid();
    let (mut child, said) = spawn(argv, None)?;
    let (started, busy_before, switched) = (Instant::now(), busy_ticks(), preempted(pid));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = thread::spawn({
        let stop = stop.clone();
        move || sample(pid, &stop)
    });
    // Wait for the exit but leave a zombie, whose /proc/PID/stat still holds its CPU time.
    let id = Pid::from_raw(child.id() as i32).expect("a child's pid is positive");
    while let Err(Errno::INTR) = waitid(
        WaitId::Pid(id),
        WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
    ) {}
    let (ended, server_end, busy_after) = (Instant::now(), cpu_ticks(pid), busy_ticks());
    let generator = cpu_ticks(child.id()).unwrap_or_default();
    let switches = [
        preempted(pid).saturating_sub(switched),
        preempted(child.id()),
    ];
    stop.store(true, Ordering::Relaxed);
    let samples = sampler.join().unwrap_or_default();
    let mut measure = workloads::read(&mut child, said)?;
    // The server's CPU over the generator's measurement window.
    let (user, system) = server_end.ok_or("the server died during the run")?;
    let window = ended.checked_sub(Duration::from_secs_f64(measure.seconds));
    let window = window.unwrap_or(started);
    let before = samples.iter().rev().find(|(at, _)| *at <= window);
    let before = before.or(samples.first());
    let (_, (user_before, system_before)) = before.ok_or("the server's CPU could not be read")?;
    let user_s = user.saturating_sub(*user_before) as f64 / hz();
    let system_s = system.saturating_sub(*system_before) as f64 / hz();
    (measure.server_cpu_s, measure.server_user_s) = (user_s + system_s, user_s);
    // Everything else the machine did meanwhile: other processes, and time the hypervisor
    // stole. Over the generator's whole life (connection setup included), in cores.
    let wall = (ended - started).as_secs_f64();
    let [server_switches, generator_switches] = switches.map(|n| n as f64 / wall);
    measure.server_preempted = server_switches;
    measure.generator_preempted = generator_switches;
    let busy = busy_after.saturating_sub(busy_before);
    let (first_user, first_system) = samples.first().map_or((0, 0), |s| s.1);
    let server = (user + system).saturating_sub(first_user + first_system);
    measure.other_cpu =
        busy.saturating_sub(server + generator.0 + generator.1) as f64 / hz() / wall;
    Ok(measure)
}

/// The server's CPU ticks, with the time of each reading: one at once, then one every 10 ms
/// until `stop`.
fn sample(pid: u32, stop: &AtomicBool) -> Vec<(Instant, (u64, u64))> {
    let mut samples = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        // Stamp after the read: a sample counts only ticks taken before its time.
        samples.extend(cpu_ticks(pid).map(|ticks| (Instant::now(), ticks)));
        thread::sleep(SAMPLE_EVERY);
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_answers_no_answers_and_errors_fail_a_run() {
        let ok = Measure {
            requests: 10,
            ..Measure::default()
        };
        assert_eq!(ok.failure(), None);
        assert!(Measure {
            wrong: 1,
            ..ok.clone()
        }
        .failure()
        .unwrap()
        .contains("WRONG"));
        assert!(Measure {
            requests: 0,
            ..ok.clone()
        }
        .failure()
        .unwrap()
        .contains("NO ANSWERS"));
        assert!(Measure { errors: 2, ..ok }
            .failure()
            .unwrap()
            .contains("FAILED"));
    }
}
