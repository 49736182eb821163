//! Medians and per-pair ratios: how the runs of several rounds become one row per server.
//!
//! Runs are interleaved, so round r of every server ran within a minute of round r of the
//! baseline, under the same background noise. A ratio is therefore taken pair by pair, within
//! a round (server's CPU per request in round r over the baseline's in round r), and the row
//! shows the median of those ratios with their spread (smallest to largest): a single best
//! run, or a ratio of two medians taken from different moments, would hide the noise.

use serde_json::{json, Value};

use super::run::Run;
use super::servers::Group;

/// The median of a set of figures and how far they spread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The median (the mean of the two middle figures for an even count).
    pub median: f64,
    /// The smallest figure.
    pub min: f64,
    /// The largest figure.
    pub max: f64,
}

impl Spread {
    /// The spread of `figures`, or `None` if there are none.
    pub fn of(mut figures: Vec<f64>) -> Option<Self> {
        figures.retain(|f| f.is_finite());
        if figures.is_empty() {
            return None;
        }
        figures.sort_by(f64::total_cmp);
        let n = figures.len();
        let median = if n % 2 == 1 {
            figures[n / 2]
        } else {
            (figures[n / 2 - 1] + figures[n / 2]) / 2.0
        };
        Some(Self {
            median,
            min: figures[0],
            max: figures[n - 1],
        })
    }

    /// As JSON: `{median, min, max}`.
    pub fn json(this: Option<Self>) -> Value {
        this.map_or(
            Value::Null,
            |s| json!({ "median": s.median, "min": s.min, "max": s.max }),
        )
    }
}

/// The figures of a run that a row reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Server CPU µs per request, user plus system.
    Cpu,
    /// Server user-mode CPU µs per request.
    User,
    /// Requests per second.
    Rps,
    /// Median latency, µs.
    P50,
    /// 99th percentile latency, µs.
    P99,
    /// 99.9th percentile latency, µs (wrk has none).
    P999,
    /// The load generator's share of its core.
    GeneratorCpu,
}

/// `metric` of a successful run, if it has it.
pub fn value(run: &Run, metric: Metric) -> Option<f64> {
    if run.failure.is_some() {
        return None;
    }
    let m = run.measure.as_ref()?;
    let (cpu, user) = m.cpu_us_per_request();
    match metric {
        Metric::Cpu => Some(cpu),
        Metric::User => Some(user),
        Metric::Rps => Some(m.rps),
        Metric::P50 => m.latency_us[0],
        Metric::P99 => m.latency_us[1],
        Metric::P999 => m.latency_us[2],
        Metric::GeneratorCpu => Some(m.generator_cpu.0),
    }
}

/// One server under one workload, summed up over its rounds.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The group.
    pub group: Group,
    /// The workload's id.
    pub workload: String,
    /// The server's id.
    pub server: &'static str,
    /// Rounds run, and rounds that succeeded.
    pub rounds: (usize, usize),
    /// Rounds whose load generator was saturated.
    pub saturated: usize,
    /// Rounds during which other processes (or the hypervisor) took a noticeable share of CPU.
    pub busy: usize,
    /// Medians (with spread) of the absolute figures: CPU, user CPU, req/s, p50, p99, p99.9,
    /// generator CPU.
    pub absolute: Vec<(Metric, Option<Spread>)>,
    /// Per-pair ratios to the group's baseline: CPU, user CPU, req/s.
    pub vs_baseline: [Option<Spread>; 3],
    /// Per-pair CPU-per-request ratios to other rows (the floor, tokio multi_thread).
    pub cpu_vs: Vec<(&'static str, Option<Spread>)>,
}

impl Summary {
    /// The median of `metric`, if any round measured it.
    pub fn median(&self, metric: Metric) -> Option<f64> {
        self.absolute
            .iter()
            .find(|(m, _)| *m == metric)?
            .1
            .map(|s| s.median)
    }

    /// As JSON, for `compare.json`.
    pub fn json(&self) -> Value {
        let abs = |metric| {
            Spread::json(
                self.absolute
                    .iter()
                    .find(|(m, _)| *m == metric)
                    .and_then(|(_, s)| *s),
            )
        };
        let cpu_vs: serde_json::Map<String, Value> = self
            .cpu_vs
            .iter()
            .map(|(id, s)| (id.to_string(), Spread::json(*s)))
            .collect();
        json!({
            "group": self.group.id(), "workload": self.workload, "server": self.server,
            "rounds": self.rounds.0, "rounds_ok": self.rounds.1, "saturated_rounds": self.saturated, "busy_machine_rounds": self.busy,
            "median": {
                "cpu_us_per_request": abs(Metric::Cpu), "user_us_per_request": abs(Metric::User),
                "throughput_rps": abs(Metric::Rps), "p50_us": abs(Metric::P50),
                "p99_us": abs(Metric::P99), "p99_9_us": abs(Metric::P999),
                "generator_cpu": abs(Metric::GeneratorCpu),
            },
            "ratio_to_baseline": {
                "cpu_per_request": Spread::json(self.vs_baseline[0]),
                "user_cpu_per_request": Spread::json(self.vs_baseline[1]),
                "throughput": Spread::json(self.vs_baseline[2]),
            },
            "cpu_per_request_ratio_to": cpu_vs,
        })
    }
}

/// The median over rounds of `server`'s `metric` over `against`'s, pair by pair.
pub fn ratio(runs: &[&Run], server: &str, against: &str, metric: Metric) -> Option<Spread> {
    let ratios = runs
        .iter()
        .filter(|run| run.server == server)
        .filter_map(|run| {
            let mine = value(run, metric)?;
            let pair = runs
                .iter()
                .find(|other| other.server == against && other.round == run.round)?;
            let theirs = value(pair, metric)?;
            (theirs > 0.0).then(|| mine / theirs)
        })
        .collect();
    Spread::of(ratios)
}

/// Sums up the runs of one group under one workload: a row per server, in `order`.
/// `baseline` is the group's baseline id; `others` the rows CPU is also compared with.
pub fn summarize(
    runs: &[&Run],
    order: &[&'static str],
    baseline: Option<&str>,
    others: &[&'static str],
) -> Vec<Summary> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    order
        .iter()
        .filter(|id| runs.iter().any(|run| run.server == **id))
        .map(|&id| {
            let mine: Vec<&&Run> = runs.iter().filter(|run| run.server == id).collect();
            let spread =
                |metric| Spread::of(mine.iter().filter_map(|run| value(run, metric)).collect());
            let absolute = [
                Metric::Cpu,
                Metric::User,
                Metric::Rps,
                Metric::P50,
                Metric::P99,
                Metric::P999,
                Metric::GeneratorCpu,
            ]
            .into_iter()
            .map(|metric| (metric, spread(metric)))
            .collect();
            let vs = |metric| baseline.and_then(|b| ratio(runs, id, b, metric));
            Summary {
                group: first.group,
                workload: first.workload.clone(),
                server: id,
                rounds: (
                    mine.len(),
                    mine.iter().filter(|run| run.failure.is_none()).count(),
                ),
                saturated: mine
                    .iter()
                    .filter(|run| run.flags.iter().any(|f| f.contains("saturated")))
                    .count(),
                busy: mine
                    .iter()
                    .filter(|run| run.flags.iter().any(|f| f.contains("machine was busy")))
                    .count(),
                absolute,
                vs_baseline: [vs(Metric::Cpu), vs(Metric::User), vs(Metric::Rps)],
                cpu_vs: others
                    .iter()
                    .map(|&other| (other, ratio(runs, id, other, Metric::Cpu)))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::run::Measure;

    fn run(server: &'static str, round: usize, cpu_s: f64, rps: f64) -> Run {
        Run {
            group: Group::SingleCore,
            workload: "zen-c1".into(),
            server,
            round,
            measure: Some(Measure {
                requests: 1_000_000,
                rps,
                server_cpu_s: (cpu_s, cpu_s / 10.0),
                ..Measure::default()
            }),
            failure: None,
            flags: Vec::new(),
            server_said: Vec::new(),
        }
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(Spread::of(vec![3.0, 1.0, 2.0]).unwrap().median, 2.0);
        let spread = Spread::of(vec![4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!((spread.median, spread.min, spread.max), (2.5, 1.0, 4.0));
        assert_eq!(Spread::of(vec![]), None);
    }

    #[test]
    fn ratios_are_taken_within_a_round_and_failed_runs_drop_their_pair() {
        let mut runs = [
            run("ours", 1, 1.0, 100.0),
            run("base", 1, 2.0, 100.0),
            run("ours", 2, 3.0, 100.0),
            run("base", 2, 4.0, 50.0),
            run("ours", 3, 9.0, 100.0),
            run("base", 3, 9.0, 100.0),
        ];
        runs[5].failure = Some("1 WRONG ANSWERS".into());
        let refs: Vec<&Run> = runs.iter().collect();
        let cpu = ratio(&refs, "ours", "base", Metric::Cpu).unwrap();
        assert_eq!((cpu.min, cpu.max, cpu.median), (0.5, 0.75, 0.625));
        let rows = summarize(&refs, &["base", "ours"], Some("base"), &[]);
        assert_eq!(rows[1].vs_baseline[2].unwrap().max, 2.0);
        assert_eq!(rows[0].rounds, (3, 2));
    }
}
