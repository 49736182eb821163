//! One measured run: one server, one workload, one load generator, side by side.
//!
//! The steps, in order:
//!
//! 1. Start the server (pinned, in the single-core group) and wait for `Listening at`.
//! 2. Start a sampler thread that reads the server's CPU ticks (`utime`, `stime` from
//!    `/proc/PID/stat`) every 10 ms.
//! 3. Run the load generator (pinned to the other core) for D seconds with `--json`, and wait
//!    for it to exit with `waitid(WEXITED | WNOWAIT)`, which leaves it a zombie, so that its
//!    final CPU time can still be read from `/proc` (wrk does not report its own).
//! 4. Read the server's ticks once more. The server's CPU window runs from the last sample
//!    taken before the generator's measurement began (its exit time minus the measured
//!    duration) to now: the generator opens its connections before its clock starts, and at
//!    10,000 connections that takes a noticeable fraction of a second.
//!    The machine's busy time over the same run (`/proc/stat`), less the server's and the
//!    generator's, is what other work took: see [`quiet`](super::quiet).
//! 5. Stop the server, and judge the run: zero requests, a wrong answer or a failed connection
//!    fails it; a generator above 90% of its core flags it as saturated.
//!
//! Ticks are counted at `CLK_TCK` per second (`getconf CLK_TCK`, 100 on Linux), so a 5 s run
//! at ~50% server CPU is resolved to about 0.4%.

use std::io::Read;
use std::process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustix::process::{waitid, Pid, WaitId, WaitIdOptions};
use serde_json::{json, Value};

use super::process::{cpu_ticks, spawn_piped, Running};
use super::quiet::{busy_ticks, BUSY_MACHINE};
use super::servers::{Group, Server};
use super::workloads::{self, Output, Workload};
use super::wrk;
use super::Setup;

/// Above this fraction of one core, the load generator may be what set the pace.
pub const SATURATED: f64 = 0.9;

/// How often the sampler reads the server's CPU ticks.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// What the load generator measured, and what the server spent meanwhile.
#[derive(Clone, Debug, Default)]
pub struct Measure {
    /// Answers checked in the window.
    pub requests: u64,
    /// Answers that were wrong (wrk: non-2xx responses).
    pub wrong: u64,
    /// Connections or requests that failed.
    pub errors: u64,
    /// Seconds the generator measured.
    pub seconds: f64,
    /// Answers per second.
    pub rps: f64,
    /// Latency p50, p99, p99.9 (wrk: none) and max, in microseconds.
    pub latency_us: [Option<f64>; 4],
    /// The generator's CPU time over its wall time, user plus system, and user alone.
    pub generator_cpu: (f64, f64),
    /// The server's CPU seconds in the window, user plus system, and user alone.
    pub server_cpu_s: (f64, f64),
    /// Cores' worth of CPU that neither the server nor the generator used during the run
    /// (other processes, interrupts, time stolen by the hypervisor), from `/proc/stat`.
    pub other_cpu: f64,
}

impl Measure {
    /// Server CPU microseconds per request: (total, user).
    pub fn cpu_us_per_request(&self) -> (f64, f64) {
        let per = |seconds: f64| seconds * 1e6 / self.requests.max(1) as f64;
        (per(self.server_cpu_s.0), per(self.server_cpu_s.1))
    }
}

/// One run, whatever came of it.
#[derive(Clone, Debug)]
pub struct Run {
    /// The server's group.
    pub group: Group,
    /// The workload's id.
    pub workload: String,
    /// The server's id.
    pub server: &'static str,
    /// Which round, from 1.
    pub round: usize,
    /// What was measured, if the run got that far.
    pub measure: Option<Measure>,
    /// Why the run failed, if it did: such a run is left out of every median.
    pub failure: Option<String>,
    /// Warnings that do not fail the run, such as a saturated generator.
    pub flags: Vec<String>,
    /// What the server printed when it stopped (zenio's summary lines).
    pub server_said: Vec<String>,
}

impl Run {
    /// The run as JSON, for `compare.json`.
    pub fn json(&self) -> Value {
        let measure = self.measure.as_ref().map(|m| {
            let (cpu, user) = m.cpu_us_per_request();
            let [p50, p99, p999, max] = m.latency_us;
            json!({
                "requests": m.requests, "wrong": m.wrong, "errors": m.errors,
                "seconds": m.seconds, "throughput_rps": m.rps,
                "server_cpu_us_per_request": cpu, "server_user_us_per_request": user,
                "server_cpu_s": m.server_cpu_s.0, "server_user_s": m.server_cpu_s.1,
                "latency_us": { "p50": p50, "p99": p99, "p99_9": p999, "max": max },
                "generator_cpu": m.generator_cpu.0, "generator_cpu_user": m.generator_cpu.1,
                "other_cpu": m.other_cpu,
            })
        });
        json!({
            "group": self.group.id(), "workload": self.workload, "server": self.server,
            "round": self.round, "ok": self.failure.is_none(), "failure": self.failure,
            "flags": self.flags, "measure": measure, "server_said": self.server_said,
        })
    }
}

/// Runs `server` under `workload` once, for round `round`.
pub fn run(setup: &Setup, server: &Server, workload: &Workload, round: usize) -> Run {
    let mut run = Run {
        group: server.group,
        workload: workload.id.clone(),
        server: server.id,
        round,
        measure: None,
        failure: None,
        flags: Vec::new(),
        server_said: Vec::new(),
    };
    let argv = server
        .command(workload.proto())
        .expect("the schedule only pairs servers with their protocols");
    let many = workload.connections() > 5000;
    let extra: &[&str] = if server.zenio && many {
        &["--max-conns", "20000"]
    } else {
        &[]
    };
    let running = match Running::start(argv, setup.server_pin(server.group), extra) {
        Ok(running) => running,
        Err(error) => {
            run.failure = Some(error);
            return run;
        }
    };
    let result = measure(setup, &running, workload, server.group);
    let stopped = running.stop();
    run.server_said = stopped.stdout;
    run.server_said.extend(stopped.stderr);
    if stopped.killed {
        run.flags
            .push("server ignored SIGTERM for 10 s and was killed".into());
    } else if server.zenio && !stopped.status.is_some_and(|status| status.success()) {
        run.flags.push(format!(
            "server exited with {:?} after SIGTERM, not 0",
            stopped.status
        ));
    }
    match result {
        Ok(measure) => {
            run.failure = judge(&measure);
            if measure.other_cpu > BUSY_MACHINE {
                run.flags.push(format!(
                    "the machine was busy: {:.2} of a core went to other processes or was stolen",
                    measure.other_cpu
                ));
            }
            if measure.generator_cpu.0 > SATURATED {
                run.flags.push(format!(
                    "load generator saturated ({:.2} of a core)",
                    measure.generator_cpu.0
                ));
            }
            run.measure = Some(measure);
        }
        Err(error) => run.failure = Some(error),
    }
    run
}

/// Why a measured run failed, if it did.
pub fn judge(measure: &Measure) -> Option<String> {
    if measure.wrong > 0 {
        Some(format!("{} WRONG ANSWERS", measure.wrong))
    } else if measure.requests == 0 {
        Some(format!("NO ANSWERS AT ALL ({} errors)", measure.errors))
    } else if measure.errors > 0 {
        Some(format!("{} FAILED CONNECTIONS OR REQUESTS", measure.errors))
    } else {
        None
    }
}

/// Steps 2 to 4: samples the server's CPU while the generator runs, and reads the results.
fn measure(
    setup: &Setup,
    server: &Running,
    workload: &Workload,
    group: Group,
) -> Result<Measure, String> {
    let pid = server.pid();
    let sampler = Sampler::start(pid);
    let (mut argv, output) =
        workloads::generator(workload, &setup.bins, server.port, setup.seconds, setup.wrk)?;
    if let Some(pin) = setup.generator_pin(group) {
        argv.splice(0..0, pin.iter().cloned());
    }
    let mut child = spawn_piped(&argv)?;
    let started = Instant::now();
    let busy_before = busy_ticks();
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            drop(pipe.read_to_string(&mut text));
            text
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("piped")));
    // Wait for the exit but leave a zombie, whose /proc/PID/stat still holds its CPU time.
    let gen_pid = Pid::from_raw(child.id() as i32).expect("a child's pid is positive");
    while let Err(error) = waitid(
        WaitId::Pid(gen_pid),
        WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
    ) {
        if error != rustix::io::Errno::INTR {
            break;
        }
    }
    let ended = Instant::now();
    let server_end = cpu_ticks(pid);
    let generator_ticks = cpu_ticks(child.id());
    let busy_after = busy_ticks();
    let status = child
        .wait()
        .map_err(|error| format!("waiting for the generator: {error}"))?;
    let samples = sampler.stop();
    let (stdout, stderr) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    let mut measure = match output {
        Output::Json => parse_json(&stdout),
        Output::Wrk => wrk::parse(&stdout),
    }
    .ok_or_else(|| {
        format!(
            "the load generator ({status}) gave no result: {}",
            stderr.trim()
        )
    })?;
    // The generator's own CPU share: wrk does not report it, so take it from the zombie.
    let hz = rustix::param::clock_ticks_per_second() as f64;
    if output == Output::Wrk {
        let wall = ended.duration_since(started).as_secs_f64();
        if let Some((user, system)) = generator_ticks {
            measure.generator_cpu = ((user + system) as f64 / hz / wall, user as f64 / hz / wall);
        }
    }
    // The server's CPU over the generator's measurement window.
    let window_start = ended
        .checked_sub(Duration::from_secs_f64(measure.seconds))
        .unwrap_or(started);
    let (_, first) = samples
        .iter()
        .rev()
        .find(|(at, _)| *at <= window_start)
        .or(samples.first())
        .ok_or("the server's CPU time could not be read")?;
    let (user, system) = server_end.ok_or("the server died during the run")?;
    let user_s = user.saturating_sub(first.0) as f64 / hz;
    let system_s = system.saturating_sub(first.1) as f64 / hz;
    measure.server_cpu_s = (user_s + system_s, user_s);
    // Everything else the machine did meanwhile: other processes, and time the hypervisor
    // stole. Over the generator's whole life (connection setup included), in cores.
    let wall = ended.duration_since(started).as_secs_f64();
    if let (Some(before), Some(after), Some(server_first), Some(generator)) =
        (busy_before, busy_after, samples.first(), generator_ticks)
    {
        let server_all = (user + system).saturating_sub(server_first.1 .0 + server_first.1 .1);
        let ours = server_all + generator.0 + generator.1;
        measure.other_cpu = after.saturating_sub(before).saturating_sub(ours) as f64 / hz / wall;
    }
    Ok(measure)
}

/// What a finished `zen-load` or `http-load` measured, from its output; or why there is
/// nothing to read (its status and what it said on stderr).
pub fn generator_result(output: &process::Output) -> Result<Measure, String> {
    parse_json(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| {
        format!(
            "the load generator ({}) gave no result: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

/// Reads `zen-load`'s or `http-load`'s `--json` object.
pub fn parse_json(stdout: &str) -> Option<Measure> {
    let value: Value =
        serde_json::from_str(stdout.lines().rev().find(|l| l.starts_with('{'))?).ok()?;
    let number = |v: &Value| v.as_f64();
    let latency = &value["latency_us"];
    Some(Measure {
        requests: value["requests"].as_u64()?,
        wrong: value["wrong"].as_u64()?,
        errors: value["errors"].as_u64()?,
        seconds: number(&value["duration_s"])?,
        rps: number(&value["throughput_rps"])?,
        latency_us: [
            number(&latency["p50"]),
            number(&latency["p99"]),
            number(&latency["p99_9"]),
            number(&latency["max"]),
        ],
        generator_cpu: (number(&value["cpu"])?, number(&value["cpu_user"])?),
        server_cpu_s: (0.0, 0.0),
        other_cpu: 0.0,
    })
}

/// A thread that reads a process's CPU ticks every 10 ms, with the time of each reading.
struct Sampler {
    /// Tells the thread to stop.
    stop: Arc<AtomicBool>,
    /// The thread; it returns its samples.
    thread: JoinHandle<Vec<(Instant, (u64, u64))>>,
}

impl Sampler {
    /// Takes a first sample at once, then one every 10 ms.
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let first = cpu_ticks(pid).map(|ticks| (Instant::now(), ticks));
        let thread = thread::spawn(move || {
            let mut samples: Vec<_> = first.into_iter().collect();
            while !flag.load(Ordering::Relaxed) {
                thread::sleep(SAMPLE_EVERY);
                // Stamp after the read: a sample counts only ticks taken before its time.
                if let Some(ticks) = cpu_ticks(pid) {
                    samples.push((Instant::now(), ticks));
                }
            }
            samples
        });
        Self { stop, thread }
    }

    /// Stops the thread and returns the samples, oldest first.
    fn stop(self) -> Vec<(Instant, (u64, u64))> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generators_json_becomes_a_measure() {
        let line = r#"{"connections":10,"cpu":0.97,"cpu_user":0.03,"duration_s":1.0,"errors":0,
            "latency_us":{"max":5115.9,"p50":62.1,"p99":90.2,"p99_9":135.0},"pipeline":1,
            "requests":157099,"throughput_rps":157095.3,"wrong":0}"#
            .replace('\n', "");
        let measure = parse_json(&format!("noise\n{line}\n")).unwrap();
        assert_eq!(measure.requests, 157_099);
        assert_eq!(measure.latency_us[2], Some(135.0));
        assert_eq!(measure.generator_cpu, (0.97, 0.03));
        assert_eq!(judge(&measure), None);
    }

    #[test]
    fn wrong_answers_no_answers_and_errors_fail_a_run() {
        let ok = Measure {
            requests: 10,
            ..Measure::default()
        };
        assert!(judge(&Measure {
            wrong: 1,
            ..ok.clone()
        })
        .unwrap()
        .contains("WRONG"));
        assert!(judge(&Measure {
            requests: 0,
            ..ok.clone()
        })
        .unwrap()
        .contains("NO ANSWERS"));
        assert!(judge(&Measure { errors: 2, ..ok })
            .unwrap()
            .contains("FAILED"));
    }
}
