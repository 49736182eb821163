//! `syscalls.svg`: syscalls per request, a group of bars per load and a bar per server, in
//! the colours of the other plots (see [`plots`](crate::harness::plots)).

use std::path::Path;

use plotters::prelude::*;

use super::table::tables;
use super::Syscalls;
use crate::harness::plots::{bar, colour, err, grouped_bars, legend};
use crate::harness::Results;

/// Draws the plot into `path`; `false` (and no file) if nothing was counted.
pub fn draw(results: &Results, rows: &[Syscalls], path: &Path) -> Result<bool, String> {
    let loads = tables(rows);
    // The servers in the order they were counted, each once.
    let mut servers: Vec<&'static str> = Vec::new();
    for row in rows {
        if !servers.contains(&row.server) {
            servers.push(row.server);
        }
    }
    let total = |row: &Syscalls| row.traced.as_ref().ok().map(|t| t.total_per_request());
    let top = rows.iter().filter_map(total).fold(0.0, f64::max);
    if loads.is_empty() || top == 0.0 {
        return Ok(false);
    }
    let n = loads.len();
    let root = SVGBackend::new(path, (260 + 140 * n as u32, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let labels: Vec<String> = loads
        .iter()
        .map(|(w, _)| w.id.trim_start_matches("syscalls-").to_string())
        .collect();
    let mut chart = grouped_bars(
        &root,
        "syscalls per request, by load (under strace; lower is better)",
        &labels,
        top * 1.5,
        "syscalls per request",
    )?;
    let width = 0.8 / servers.len() as f64;
    for (j, &server) in servers.iter().enumerate() {
        let colour = colour(results, server);
        let bars = loads.iter().enumerate().filter_map(|(i, (_, mine))| {
            let value = mine
                .iter()
                .find(|r| r.server == server)
                .and_then(|r| total(r))?;
            Some(bar(i, j, width, value, colour))
        });
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(results.name(server))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().map_err(err)?;
    Ok(true)
}
