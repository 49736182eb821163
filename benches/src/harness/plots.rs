//! SVG plots of the results, drawn with `plotters`' SVG backend.
//!
//! plotters is built without its font features (`default-features = false`): for SVG it then
//! estimates text sizes itself and writes labels as `<text>` elements that the browser renders
//! with its own fonts, so no system font is needed to draw them.
//!
//! - `throughput-GROUP.svg`: requests per second against connection count (zen keep-alive,
//!   log scale), a line per server.
//! - `cpu-GROUP.svg`: CPU per request as a ratio to the group's baseline, a bar per server per
//!   workload, the whisker spanning the rounds' spread.
//! - `latency-WORKLOAD.svg`: p50, p99 and p99.9 latency per server (log scale).
//! - `memory.svg`: RSS per idle connection per server.
//! - `syscalls.svg`: syscalls per request per server, for each load (drawn by
//!   [`syscalls::plot`](super::syscalls::plot)).

use std::path::{Path, PathBuf};

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::report::Table;
use super::servers::Role;
use super::stats::Metric;
use super::Results;

/// A colour per server, by its place in the catalogue, the same in every plot.
const COLOURS: &[RGBColor] = &[
    RGBColor(214, 39, 40),   // zenio coroutine: red
    RGBColor(255, 127, 14),  // zenio callback: orange
    RGBColor(188, 189, 34),  // zenio poll: olive
    RGBColor(31, 119, 180),  // tokio: blue
    RGBColor(148, 103, 189), // smol: purple
    RGBColor(44, 160, 44),   // floor: green
    RGBColor(127, 127, 127), // asyncio callback: grey
    RGBColor(90, 90, 90),    // asyncio coroutine: dark grey
    RGBColor(227, 119, 194), // hyper on zenio: pink
    RGBColor(23, 190, 207),  // hyper on tokio: cyan
    RGBColor(140, 86, 75),   // brown
];

/// The error type of drawing: plotters' errors, as text.
type Drawn = Result<(), String>;

/// The colour of server `id`.
pub(super) fn colour(results: &Results, id: &str) -> RGBColor {
    let server = results.servers.iter().find(|s| s.id == id);
    // Per-core rows take the colour of their single-core namesake.
    let base = server.map_or(id, |s| s.id.trim_end_matches("-2"));
    let index = results
        .servers
        .iter()
        .position(|s| s.id == base)
        .unwrap_or(0);
    COLOURS[index % COLOURS.len()]
}

/// Draws every plot into `dir`; returns the files written, with a caption each.
pub fn draw(
    results: &Results,
    tables: &[Table],
    dir: &Path,
) -> Result<Vec<(PathBuf, String)>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let name = |id: &str| {
        results
            .servers
            .iter()
            .find(|s| s.id == id)
            .map_or(id.to_string(), |s| s.name.to_string())
    };
    let mut written = Vec::new();
    for group in ["single-core", "per-core"] {
        let mine: Vec<&Table> = tables.iter().filter(|t| t.group.id() == group).collect();
        if mine.is_empty() {
            continue;
        }
        let path = dir.join(format!("throughput-{group}.svg"));
        if throughput(results, &mine, &path, &name)? {
            written.push((
                path,
                format!("Throughput against connection count, zen keep-alive ({group})"),
            ));
        }
        let path = dir.join(format!("cpu-{group}.svg"));
        cpu(results, &mine, &path, &name)?;
        written.push((
            path,
            format!("CPU per request, ratio to the baseline, per workload ({group})"),
        ));
    }
    for table in tables.iter().filter(|t| t.group.id() == "single-core") {
        if !["zen-c100", "hello-close-c16", "c10k"].contains(&table.workload.id.as_str()) {
            continue;
        }
        let path = dir.join(format!("latency-{}.svg", table.workload.id));
        latency(results, table, &path, &name)?;
        written.push((
            path,
            format!(
                "Latency percentiles, {} (single core)",
                table.workload.title
            ),
        ));
    }
    if let Ok(rows) = &results.syscalls {
        let path = dir.join("syscalls.svg");
        if super::syscalls::plot::draw(results, rows, &path)? {
            written.push((
                path,
                "Syscalls per request, per server, for each load (under strace)".into(),
            ));
        }
    }
    if let Ok(memory) = &results.memory {
        let bars: Vec<(String, f64, RGBColor)> = memory
            .iter()
            .filter_map(|m| {
                Some((
                    name(m.server),
                    m.per_connection()?,
                    colour(results, m.server),
                ))
            })
            .collect();
        if !bars.is_empty() {
            let path = dir.join("memory.svg");
            memory_bars(&bars, &path)?;
            written.push((
                path,
                "RSS per idle connection, bytes (10,000 idle zen connections)".into(),
            ));
        }
    }
    Ok(written)
}

/// Requests per second against connections; `false` if there were no zen keep-alive runs.
fn throughput(
    results: &Results,
    tables: &[&Table],
    path: &Path,
    name: &dyn Fn(&str) -> String,
) -> Result<bool, String> {
    let tables: Vec<&&Table> = tables
        .iter()
        .filter(|t| t.workload.is_zen_keepalive())
        .collect();
    let Some(first) = tables.first() else {
        return Ok(false);
    };
    let max_c = tables
        .iter()
        .map(|t| t.workload.connections())
        .max()
        .unwrap_or(1000) as f64;
    let max_rps = tables
        .iter()
        .flat_map(|t| t.rows.iter().filter_map(|r| r.median(Metric::Rps)))
        .fold(1.0, f64::max);
    let root = SVGBackend::new(path, (860, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "zen keep-alive: requests per second against connections",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((1f64..max_c * 1.2).log_scale(), 0f64..max_rps * 1.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("connections (C)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("requests per second")
        .y_label_formatter(&|v| format!("{:.0}k", v / 1000.0))
        .draw()
        .map_err(err)?;
    for row in &first.rows {
        let points: Vec<(f64, f64)> = tables
            .iter()
            .filter_map(|t| {
                let r = t.rows.iter().find(|r| r.server == row.server)?;
                Some((t.workload.connections() as f64, r.median(Metric::Rps)?))
            })
            .collect();
        dotted_line(
            &mut chart,
            points,
            colour(results, row.server),
            name(row.server),
        )?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().map_err(err)?;
    Ok(true)
}

/// CPU per request over the baseline's, a bar per server per workload.
fn cpu(results: &Results, tables: &[&Table], path: &Path, name: &dyn Fn(&str) -> String) -> Drawn {
    // asyncio's rows (5 to 6 times tokio) would flatten every other bar: they are in the tables.
    let shown = |id: &str| {
        results
            .servers
            .iter()
            .find(|s| s.id == id)
            .is_none_or(|s| s.role != Role::Reference)
    };
    let servers: Vec<&'static str> = {
        let mut ids: Vec<&'static str> = Vec::new();
        for row in tables.iter().flat_map(|t| &t.rows) {
            if !ids.contains(&row.server) && shown(row.server) {
                ids.push(row.server);
            }
        }
        ids
    };
    let top = tables
        .iter()
        .flat_map(|t| {
            t.rows
                .iter()
                .filter(|r| shown(r.server))
                .filter_map(|r| r.vs_baseline[0].map(|s| s.max))
        })
        .fold(1.2, f64::max)
        .min(4.0);
    let n = tables.len();
    let root = SVGBackend::new(path, (260 + 110 * n.max(4) as u32, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let labels: Vec<String> = tables.iter().map(|t| t.workload.id.clone()).collect();
    let mut chart = grouped_bars(
        &root,
        "server CPU per request ÷ the baseline's, same round (lower is better)",
        &labels,
        top * 1.6,
        "ratio to the baseline",
    )?;
    let width = 0.8 / servers.len().max(1) as f64;
    for (j, &server) in servers.iter().enumerate() {
        let colour = colour(results, server);
        let mut bars = Vec::new();
        let mut whiskers = Vec::new();
        for (i, table) in tables.iter().enumerate() {
            let Some(row) = table.rows.iter().find(|r| r.server == server) else {
                continue;
            };
            let spread = match row.vs_baseline[0] {
                Some(spread) => spread,
                None if Some(server) == table.baseline => super::stats::Spread {
                    median: 1.0,
                    min: 1.0,
                    max: 1.0,
                },
                None => continue,
            };
            bars.push(bar(i, j, width, spread.median.min(top), colour));
            let mid = i as f64 - 0.4 + (j as f64 + 0.45) * width;
            whiskers.push(PathElement::new(
                vec![(mid, spread.min.min(top)), (mid, spread.max.min(top))],
                BLACK.stroke_width(1),
            ));
        }
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(name(server))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
        chart.draw_series(whiskers).map_err(err)?;
    }
    let one = LineSeries::new(
        vec![(-0.5, 1.0), (n as f64 - 0.5, 1.0)],
        BLACK.stroke_width(1),
    );
    chart.draw_series(one).map_err(err)?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present().map_err(err)
}

/// Latency percentiles for one workload, a line per server (log scale).
fn latency(results: &Results, table: &Table, path: &Path, name: &dyn Fn(&str) -> String) -> Drawn {
    let metrics = [Metric::P50, Metric::P99, Metric::P999];
    let values = |r: &super::stats::Summary| -> Vec<(f64, f64)> {
        metrics
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((i as f64, r.median(*m)?)))
            .collect()
    };
    let all: Vec<f64> = table
        .rows
        .iter()
        .flat_map(|r| values(r).into_iter().map(|(_, v)| v))
        .collect();
    let (low, high) = all
        .iter()
        .fold((f64::MAX, 1.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let root = SVGBackend::new(path, (760, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("latency, {}", table.workload.title),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.2f64..2.2, ((low * 0.7).max(0.1)..high * 1.5).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(3)
        .x_label_formatter(&|x| match x.round() as i64 {
            0 if (x - 0.0).abs() < 0.01 => "p50".into(),
            1 if (x - 1.0).abs() < 0.01 => "p99".into(),
            2 if (x - 2.0).abs() < 0.01 => "p99.9".into(),
            _ => String::new(),
        })
        .y_desc("microseconds")
        .y_labels(12)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(err)?;
    for row in &table.rows {
        let points = values(row);
        dotted_line(
            &mut chart,
            points,
            colour(results, row.server),
            name(row.server),
        )?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    root.present().map_err(err)
}

/// Bytes per idle connection, a bar per server.
fn memory_bars(bars: &[(String, f64, RGBColor)], path: &Path) -> Drawn {
    let top = bars.iter().map(|b| b.1).fold(100.0, f64::max) * 1.15;
    let root = SVGBackend::new(path, (760, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption("RSS per idle connection (bytes)", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..bars.len() as f64 - 0.5, 0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_labels(bars.len())
        .x_label_formatter(&|x| group_label(&labels, *x))
        .draw()
        .map_err(err)?;
    let rects = bars.iter().enumerate().map(|(i, (_, bytes, colour))| {
        Rectangle::new(
            [(i as f64 - 0.3, 0.0), (i as f64 + 0.3, *bytes)],
            colour.filled(),
        )
    });
    chart.draw_series(rects).map_err(err)?;
    root.present().map_err(err)
}

/// The chart of a bar plot in groups: one group per label along x (group `i` centred on
/// `i`), y from 0 to `height`, each group named under it.
pub(super) fn grouped_bars<'a, 'b>(
    root: &'b DrawingArea<SVGBackend<'a>, Shift>,
    caption: &str,
    labels: &[String],
    height: f64,
    y_desc: &str,
) -> Result<ChartContext<'b, SVGBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    let n = labels.len();
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..height)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| group_label(labels, *x))
        .y_desc(y_desc)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// The label under x = `x`: the name of the group centred there, or nothing between groups.
fn group_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 0.01 && i >= 0.0 {
        labels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// Bar `j` (each `width` wide) of group `i` in a [`grouped_bars`] chart, `value` high.
pub(super) fn bar(
    i: usize,
    j: usize,
    width: f64,
    value: f64,
    colour: RGBColor,
) -> Rectangle<(f64, f64)> {
    let x0 = i as f64 - 0.4 + j as f64 * width;
    Rectangle::new([(x0, 0.0), (x0 + width * 0.9, value)], colour.filled())
}

/// Draws `points` as a line with a dot at each point, named `label` in the legend.
fn dotted_line<'a: 'b, 'b, X, Y>(
    chart: &mut ChartContext<'b, SVGBackend<'a>, Cartesian2d<X, Y>>,
    points: Vec<(f64, f64)>,
    colour: RGBColor,
    label: String,
) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(points, colour.stroke_width(2)))
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
    Ok(())
}

/// Draws the legend at `position`, inside the plot area.
pub(super) fn legend<'a: 'b, 'b, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'b, SVGBackend<'a>, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Drawn {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()
        .map_err(err)
}

/// A plotters error as text.
pub(super) fn err(error: impl std::fmt::Display) -> String {
    format!("plot: {error}")
}
