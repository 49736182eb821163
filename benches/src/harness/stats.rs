//! Medians and per-pair ratios: how the runs of several rounds become one row per server.
//!
//! Runs are interleaved, so round r of every server ran within a minute of round r of the
//! baseline, under the same background noise. A ratio is therefore taken pair by pair, within
//! a round (server's CPU per request in round r over the baseline's in round r), and the row
//! shows the median of those ratios with their spread (smallest to largest): a single best
//! run, or a ratio of two medians taken from different moments, would hide the noise.

use super::run::{Measure, Run};

/// A figure of a successful run: CPU per request, requests per second, a percentile...
pub type Figure = fn(&Measure) -> Option<f64>;

/// Server CPU µs per request, user plus system.
pub const CPU: Figure = |m| Some(m.cpu_us());
/// Server user-mode CPU µs per request.
pub const USER: Figure = |m| Some(m.user_us());
/// Requests per second.
pub const RPS: Figure = |m| Some(m.rps);
/// The latency percentiles p50, p99 and p99.9, in µs.
pub const LATENCY: [Figure; 3] = [
    |m| m.latency_us.p50,
    |m| m.latency_us.p99,
    |m| m.latency_us.p99_9,
];
/// The load generator's share of its core.
pub const GENERATOR: Figure = |m| Some(m.generator_cpu);

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
        figures.sort_by(f64::total_cmp);
        let n = figures.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => figures[n / 2],
            _ => (figures[n / 2 - 1] + figures[n / 2]) / 2.0,
        };
        Some(Self {
            median,
            min: figures[0],
            max: figures[n - 1],
        })
    }

    /// One figure, with no spread.
    pub fn exact(value: f64) -> Self {
        Self {
            median: value,
            min: value,
            max: value,
        }
    }

    /// `0.97 (0.95–0.99)`.
    pub fn cell(&self) -> String {
        format!("{:.2} ({:.2}–{:.2})", self.median, self.min, self.max)
    }
}

/// The median over `server`'s successful runs among `runs` of `figure`.
pub fn median(runs: &[&Run], server: &str, figure: Figure) -> Option<f64> {
    let mine = runs.iter().filter(|run| run.server == server);
    Spread::of(mine.filter_map(|run| figure(run.ok()?)).collect()).map(|s| s.median)
}

/// The median over rounds of `server`'s `figure` over `against`'s, pair by pair.
pub fn ratio(runs: &[&Run], server: &str, against: &str, figure: Figure) -> Option<Spread> {
    let pair = |run: &Run| {
        let paired = |other: &&&Run| other.server == against && other.round == run.round;
        let (mine, theirs) = (figure(run.ok()?)?, figure(runs.iter().find(paired)?.ok()?)?);
        (theirs > 0.0).then(|| mine / theirs)
    };
    let mine = runs.iter().filter(|run| run.server == server);
    Spread::of(mine.filter_map(|run| pair(run)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(server: &str, round: usize, cpu_s: f64, rps: f64) -> Run {
        let measure = Measure {
            requests: 1_000_000,
            rps,
            server_cpu_s: cpu_s,
            ..Measure::default()
        };
        let (server, workload) = (server.into(), "zen-c1".into());
        Run {
            server,
            workload,
            round,
            measure: Some(measure),
            ..Run::default()
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
        let cpu = ratio(&refs, "ours", "base", CPU).unwrap();
        assert_eq!((cpu.min, cpu.max, cpu.median), (0.5, 0.75, 0.625));
        assert_eq!(ratio(&refs, "ours", "base", RPS).unwrap().max, 2.0);
        assert_eq!(median(&refs, "base", CPU), Some(3.0));
    }
}
