//! `syscalls.svg`: syscalls per request, a group of bars per load and a bar per server, in
//! the colours of the other plots (see [`plots`](crate::harness::plots)).

use std::path::Path;

use plotters::prelude::*;

use super::table::tables;
use super::Syscalls;
use crate::harness::plots::{colour, err, legend};
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
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "syscalls per request, by load (under strace; lower is better)",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top * 1.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 0.01 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("syscalls per request")
        .draw()
        .map_err(err)?;
    let width = 0.8 / servers.len() as f64;
    for (j, &server) in servers.iter().enumerate() {
        let colour = colour(results, server);
        let bars = loads.iter().enumerate().filter_map(|(i, (_, mine))| {
            let value = mine
                .iter()
                .find(|r| r.server == server)
                .and_then(|r| total(r))?;
            let x0 = i as f64 - 0.4 + j as f64 * width;
            Some(Rectangle::new(
                [(x0, 0.0), (x0 + width * 0.9, value)],
                colour.filled(),
            ))
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
