//! SVG plots of the results, written as text: every plot is one chart of a few groups along x
//! (workloads, connection counts, percentiles, loads) with a bar, or a point of a line, per
//! server in each group, and a legend. SVG is plain XML, so a chart takes a few `format!`s:
//! no plotting library, and no font on this machine (the browser renders the labels).
//!
//! - `throughput-GROUP.svg`: requests per second against connection count (zen keep-alive;
//!   the counts are powers of ten, so equal steps along x make a log scale), a line per server.
//! - `cpu-GROUP.svg`: CPU per request as a ratio to the group's baseline, a bar per server per
//!   workload, the whisker spanning the rounds' spread.
//! - `latency-WORKLOAD.svg`: p50, p99 and p99.9 latency per server (log scale).
//! - `syscalls.svg`: syscalls per request per server, for each load.
//! - `memory.svg`: RSS per idle connection per server.

use std::path::Path;

use super::report::{syscall_loads, Table};
use super::servers::{Group, Role, Server};
use super::stats::{Spread, CPU, LATENCY, RPS};
use super::syscalls::total;
use super::workloads::Workload;
use super::Results;

/// The style sheet of every chart.
const STYLE: &str = "text { font: 11px sans-serif } .title { font-size: 16px } \
                     .middle { text-anchor: middle } .end { text-anchor: end } .grid { stroke: #ddd }";

/// A plot's file name (in `plots/`) and its title.
pub type Plot = (String, String);

/// A server's figures in a chart: its name, its colour, and a figure per group (with its
/// spread over the rounds), where it has one.
type Series = (String, String, Vec<Option<Spread>>);

/// How a chart shows its figures.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A line per series through the groups, a dot on each, y from 0.
    Lines,
    /// The same on a logarithmic y axis.
    LogLines,
    /// A bar per series in each group, y from 0.
    Bars,
    /// Bars of ratios, each with a whisker spanning its spread, and a line at 1; y at most 4,
    /// so that one outlier does not flatten the rest.
    Ratios,
}

/// Draws every plot into `dir`; returns the file names written, with their titles.
pub fn draw(results: &Results, tables: &[Table], dir: &Path) -> Result<Vec<Plot>, String> {
    use Kind::*;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let series = |s: &Server, values| (s.name.clone(), s.colour.clone(), values);
    let mut written = Vec::new();
    let mut plot = |file: String, title: String, y: &str, kind, groups: Vec<_>, series: Vec<_>| {
        let Some(svg) = svg(&title, y, kind, &groups, &series) else {
            return Ok(());
        };
        written.push((file.clone(), title));
        super::write(&dir.join(file), &svg)
    };
    let servers = &results.servers;
    for group in Group::ALL.map(Group::id) {
        let mine: Vec<&Table> = tables.iter().filter(|t| t.group.id() == group).collect();
        let zen = mine.iter().filter(|t| t.workload.is_zen_keepalive());
        let zen: Vec<&&Table> = zen.collect();
        if let Some(first) = zen.first() {
            let rps = |t: &&&Table, id| t.median(id, RPS).map(Spread::exact);
            let rps = |id| zen.iter().map(|t| rps(t, id)).collect();
            let lines = first.servers.iter().map(|s| series(s, rps(&s.id)));
            let lines = lines.collect();
            let connections = |t: &&&Table| format!("C = {}", t.workload.connections);
            let groups = zen.iter().map(connections);
            let title = format!("Throughput against connection count, zen keep-alive ({group})");
            let (file, y) = (format!("throughput-{group}.svg"), "requests per second");
            plot(file, title, y, Lines, groups.collect(), lines)?;
        }
        // asyncio's rows (5 to 6 times tokio) would flatten every other bar: they are in the tables.
        let ran = |s: &&Server| mine.iter().any(|t| t.servers.iter().any(|r| r.id == s.id));
        let shown = servers.iter().filter(|s| s.role != Role::Reference);
        let shown = shown.filter(ran);
        let vs = |t: &Table, id: &str| match t.baseline? {
            base if base == id => Some(Spread::exact(1.0)),
            base => t.ratio(id, base, CPU),
        };
        let bars = shown.map(|s| series(s, mine.iter().map(|t| vs(t, &s.id)).collect()));
        let groups = mine.iter().map(|t| t.workload.id.clone()).collect();
        let title = format!("CPU per request, ratio to the baseline, per workload ({group})");
        let (file, y) = (format!("cpu-{group}.svg"), "ratio to the baseline");
        plot(file, title, y, Ratios, groups, bars.collect())?;
    }
    let latency = ["zen-c100", "hello-close-c16", "c10k"];
    let single = tables.iter().filter(|t| t.group == Group::SingleCore);
    for table in single.filter(|t| latency.contains(&&*t.workload.id)) {
        let median = |id, f| table.median(id, f).map(Spread::exact);
        let percentiles = |id| LATENCY.map(|f| median(id, f)).to_vec();
        let lines = table.servers.iter().map(|s| series(s, percentiles(&s.id)));
        let groups = ["p50", "p99", "p99.9"].map(String::from).to_vec();
        let title = format!(
            "Latency percentiles, {} (single core)",
            table.workload.title
        );
        let (file, y) = (format!("latency-{}.svg", table.workload.id), "microseconds");
        plot(file, title, y, LogLines, groups, lines.collect())?;
    }
    let rows = results.syscalls.as_deref().unwrap_or_default();
    let loads = syscall_loads(rows);
    let total = |s: &Server, load: &Workload| total(rows, &s.id, &load.id).map(Spread::exact);
    let counted = |s: &&Server| rows.iter().any(|r| r.server == s.id);
    let counted = servers.iter().filter(counted);
    let bars = counted.map(|s| series(s, loads.iter().map(|(load, _)| total(s, load)).collect()));
    let groups = loads.iter().map(|(w, _)| w.id.replace("syscalls-", ""));
    let title = "Syscalls per request, per server, for each load (under strace)".into();
    let (file, y) = ("syscalls.svg".into(), "syscalls per request");
    plot(file, title, y, Bars, groups.collect(), bars.collect())?;
    let memory = |s: &Server| results.memory.iter().flatten().find(|m| m.server == s.id);
    let bytes = |s| Some(Spread::exact(memory(s)?.per_connection()?));
    let measured = servers.iter().filter(|s| memory(s).is_some());
    let bars = measured.map(|s| series(s, vec![bytes(s)]));
    let (groups, bars) = (vec!["10,000 idle zen connections".into()], bars.collect());
    let title = "RSS per idle connection, bytes (10,000 idle zen connections)".into();
    plot("memory.svg".into(), title, "bytes", Bars, groups, bars)?;
    Ok(written)
}

/// A chart as SVG, or `None` if it has nothing to show. The plot is on the left; the legend
/// to its right.
fn svg(
    title: &str,
    y_desc: &str,
    kind: Kind,
    groups: &[String],
    series: &[Series],
) -> Option<String> {
    let values = series.iter().flat_map(|(_, _, v)| v.iter().flatten());
    let (low, high) = values.fold((f64::MAX, 0.0f64), |(l, h), s| (l.min(s.min), h.max(s.max)));
    if high <= 0.0 {
        return None;
    }
    let (log, bars) = (
        kind == Kind::LogLines,
        matches!(kind, Kind::Bars | Kind::Ratios),
    );
    let (bottom, top) = match kind {
        Kind::LogLines => ((low * 0.7).max(0.1), high * 1.5),
        Kind::Ratios => (0.0, high.clamp(1.2, 4.0) * 1.1),
        _ => (0.0, high * 1.1),
    };
    // The plot's corners, the width of a group, and where a value goes up or down.
    let (n, width, height) = (
        groups.len(),
        300.0 + 140.0 * groups.len().max(3) as f64,
        500.0,
    );
    let (left, right, upper, base) = (70.0, width - 230.0, 40.0, height - 40.0);
    let (slot, bar) = (
        (right - left) / n as f64,
        0.8 * (right - left) / (n * series.len()) as f64,
    );
    let scale = |v: f64| if log { v.max(bottom).log10() } else { v };
    let y = |v: f64| {
        let share = (scale(v.min(top)) - scale(bottom)) / (scale(top) - scale(bottom));
        (base - share * (base - upper)).round()
    };
    let x = |i: usize| left + (i as f64 + 0.5) * slot;
    let head =
        format!("<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>");
    let mut svg = vec![
        head,
        format!("<style>{STYLE}</style><rect width='100%' height='100%' fill='white'/>"),
    ];
    let (middle, centre) = ((left + right) / 2.0, (upper + base) / 2.0);
    svg.push(format!(
        "<text class='title middle' x='{middle}' y='24'>{title}</text>"
    ));
    svg.push(format!(
        "<text class='middle' transform='translate(16 {centre}) rotate(-90)'>{y_desc}</text>"
    ));
    // The y ticks, each with its grid line; the group names; the axes.
    for tick in ticks(bottom, top, log) {
        let (at, label, end) = (y(tick), number(tick), left - 6.0);
        svg.push(format!("<path class='grid' d='M{left} {at}H{right}'/>"));
        svg.push(format!(
            "<text class='end' x='{end}' y='{at}' dy='4'>{label}</text>"
        ));
    }
    for (i, group) in groups.iter().enumerate() {
        let (at, below) = (x(i), base + 18.0);
        svg.push(format!(
            "<text class='middle' x='{at}' y='{below}'>{group}</text>"
        ));
    }
    svg.push(format!(
        "<path d='M{left} {upper}V{base}H{right}' stroke='black' fill='none'/>"
    ));
    if kind == Kind::Ratios {
        svg.push(format!(
            "<path d='M{left} {}H{right}' stroke='black'/>",
            y(1.0)
        ));
    }
    // The series: in each group a bar with its whisker, or a dot on a line; and the legend.
    for (j, (name, colour, values)) in series.iter().enumerate() {
        let points = values.iter().enumerate();
        let points = points.filter_map(|(i, s)| Some((i, (*s)?)));
        let mut line = Vec::new();
        for (i, s) in points {
            let (at, high, low) = (x(i), y(s.median), y(s.min));
            let (mid, wide) = (
                at - 0.4 * slot + (j as f64 + 0.45) * bar,
                (0.9 * bar).round(),
            );
            let mid = mid.round();
            let (corner, tall, max) = (mid - wide / 2.0, base - high, y(s.max));
            if bars {
                let rect = format!("x='{corner}' y='{high}' width='{wide}' height='{tall}'");
                svg.push(format!(
                    "<rect {rect} fill='{colour}'/><path d='M{mid} {low}V{max}' stroke='black'/>"
                ));
            } else {
                svg.push(format!(
                    "<circle cx='{at}' cy='{high}' r='3' fill='{colour}'/>"
                ));
            }
            line.push(format!("{at},{high}"));
        }
        if !bars {
            let line = line.join(" ");
            svg.push(format!(
                "<polyline points='{line}' fill='none' stroke='{colour}' stroke-width='2'/>"
            ));
        }
        let (row, label) = (upper + 15.0 * j as f64, right + 38.0);
        let swatch = format!("x='{}' y='{row}' width='12' height='10'", right + 20.0);
        svg.push(format!(
            "<rect {swatch} fill='{colour}'/><text x='{label}' y='{}'>{name}</text>",
            row + 9.0
        ));
    }
    Some(svg.join("\n") + "\n</svg>\n")
}

/// Round values for the ticks of an axis from `low` to `high`: 1, 2 and 5 times the powers of
/// ten on a log scale; on a linear one, steps of 1, 2 or 5 times a power of ten, about 6 of them.
fn ticks(low: f64, high: f64, log: bool) -> Vec<f64> {
    if log {
        let decades = low.log10().floor() as i32..=high.log10().ceil() as i32;
        let all = decades.flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)));
        return all.filter(|v| (low..=high).contains(v)).collect();
    }
    let (rough, steps) = (high / 6.0, [1.0, 2.0, 5.0, 10.0]);
    let power = 10f64.powf(rough.log10().floor());
    let step = steps.map(|m| m * power).into_iter().find(|s| *s >= rough);
    let step = step.unwrap_or(rough);
    let ticks = (0..).map(|i| i as f64 * step);
    ticks.take_while(|v| *v <= high).collect()
}

/// A tick's label: `150k`, `2500`, `1.2`.
fn number(value: f64) -> String {
    if value >= 10_000.0 {
        return format!("{:.0}k", value / 1000.0);
    }
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_within_the_range() {
        assert_eq!(ticks(0.0, 1.8, false), [0.0, 0.5, 1.0, 1.5]);
        assert_eq!(ticks(30.0, 600.0, true), [50.0, 100.0, 200.0, 500.0]);
        assert_eq!(number(152_300.0), "152k");
        assert_eq!(number(2.50), "2.5");
    }

    #[test]
    fn a_chart_has_a_bar_per_figure_and_a_legend_entry_per_series() {
        let bar = |v: f64| {
            Some(Spread {
                median: v,
                min: v * 0.9,
                max: v * 1.1,
            })
        };
        let series = [
            ("a".into(), "#000".into(), vec![bar(1.0), None]),
            ("b".into(), "#fff".into(), vec![bar(2.0), bar(3.0)]),
        ];
        let groups = ["x".to_string(), "y".into()];
        let svg = svg("title", "ratio", Kind::Ratios, &groups, &series).unwrap();
        assert_eq!(svg.matches("<rect x=").count(), 3 + 2);
        assert!(svg.contains(">title</text>") && svg.contains(">b</text>"));
        assert!(svg.ends_with("</svg>\n"));
        assert!(super::svg("empty", "", Kind::Bars, &groups, &[]).is_none());
    }
}
