//! The report: one table per workload and group, printed on stdout and written as Markdown,
//! and every run and summary as JSON.
//!
//! The headline columns are ratios to the group's baseline (tokio `current_thread` for the
//! single-core group, tokio per-core for the per-core group): the median of the per-pair
//! ratios, with their spread in brackets. The absolute medians stand beside them. Below 1 is
//! better for CPU per request; above 1 is better for requests per second.

use serde_json::{json, Value};

use super::memory::{self, Memory};
use super::run::Run;
use super::servers::{Group, Role, Server};
use super::soak::Soak;
use super::stats::{summarize, Metric, Spread, Summary};
use super::syscalls::Syscalls;
use super::workloads::Workload;
use super::{Results, Setup};

/// One workload in one group: a row per server.
pub struct Table<'a> {
    /// The group.
    pub group: Group,
    /// The workload.
    pub workload: &'a Workload,
    /// The baseline's id, if it ran.
    pub baseline: Option<&'static str>,
    /// The other rows CPU per request is compared with (the floor; tokio multi_thread).
    pub others: Vec<&'static str>,
    /// The rows, in catalogue order.
    pub rows: Vec<Summary>,
}

/// The tables of `results`, in the order the workloads ran.
pub fn tables(results: &Results) -> Vec<Table<'_>> {
    let mut tables = Vec::new();
    for workload in &results.workloads {
        for group in [Group::SingleCore, Group::PerCore] {
            let runs: Vec<&Run> = results
                .runs
                .iter()
                .filter(|r| r.group == group && r.workload == workload.id)
                .collect();
            if runs.is_empty() {
                continue;
            }
            let in_group: Vec<&Server> = results
                .servers
                .iter()
                .filter(|s| s.group == group)
                .collect();
            let ran = |id: &str| runs.iter().any(|r| r.server == id);
            let with_role = |role| {
                in_group
                    .iter()
                    .find(|s| s.role == role && ran(s.id))
                    .map(|s| s.id)
            };
            let baseline = with_role(Role::Baseline);
            let mut others: Vec<&'static str> = with_role(Role::Floor).into_iter().collect();
            others.extend(
                in_group
                    .iter()
                    .map(|s| s.id)
                    .filter(|id| *id == "tokio-multi-thread-2" && ran(id)),
            );
            let order: Vec<&'static str> = in_group.iter().map(|s| s.id).collect();
            let rows = summarize(&runs, &order, baseline, &others);
            tables.push(Table {
                group,
                workload,
                baseline,
                others,
                rows,
            });
        }
    }
    tables
}

/// A ratio with its spread: `0.97 (0.95–0.99)`, or `1` for the baseline itself.
fn ratio_cell(spread: Option<Spread>, is_self: bool) -> String {
    match spread {
        _ if is_self => "1".into(),
        Some(s) => format!("{:.2} ({:.2}–{:.2})", s.median, s.min, s.max),
        None => "–".into(),
    }
}

/// A figure with `digits` decimals, or `–`.
fn number(value: Option<f64>, digits: usize) -> String {
    value.map_or("–".into(), |v| format!("{v:.digits$}"))
}

/// Requests per second, in thousands: `152.3k`.
fn kilo(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| format!("{:.1}k", v / 1000.0))
}

/// The header and the cells of `table`; `name` turns a server id into its name.
pub fn cells(table: &Table, name: &dyn Fn(&str) -> String) -> (Vec<String>, Vec<Vec<String>>) {
    let base = table.baseline.map_or("baseline".to_string(), name);
    let mut header = vec![
        "server".to_string(),
        format!("CPU/req ÷ {base}"),
        "user CPU/req ÷ same".into(),
        "req/s ÷ same".into(),
    ];
    header.extend(
        table
            .others
            .iter()
            .map(|other| format!("CPU/req ÷ {}", name(other))),
    );
    header.extend(
        [
            "CPU µs/req",
            "user µs/req",
            "req/s",
            "p50 µs",
            "p99 µs",
            "p99.9 µs",
            "gen CPU",
            "notes",
        ]
        .map(String::from),
    );
    let rows = table
        .rows
        .iter()
        .map(|row| {
            let is_base = Some(row.server) == table.baseline;
            let mut cells = vec![name(row.server)];
            cells.extend(row.vs_baseline.iter().map(|s| ratio_cell(*s, is_base)));
            cells.extend(
                row.cpu_vs
                    .iter()
                    .map(|(other, s)| ratio_cell(*s, *other == row.server)),
            );
            cells.extend([
                number(row.median(Metric::Cpu), 2),
                number(row.median(Metric::User), 2),
                kilo(row.median(Metric::Rps)),
                number(row.median(Metric::P50), 0),
                number(row.median(Metric::P99), 0),
                number(row.median(Metric::P999), 0),
                number(row.median(Metric::GeneratorCpu), 2),
                notes(row),
            ]);
            cells
        })
        .collect();
    (header, rows)
}

/// What a row must warn about.
fn notes(row: &Summary) -> String {
    let mut notes = Vec::new();
    let (rounds, ok) = row.rounds;
    if ok < rounds {
        notes.push(format!("{} of {rounds} runs FAILED", rounds - ok));
    }
    if row.saturated > 0 {
        notes.push(format!(
            "generator saturated in {} of {rounds}",
            row.saturated
        ));
    }
    if row.busy > 0 {
        notes.push(format!("machine busy in {} of {rounds}", row.busy));
    }
    notes.join("; ")
}

/// The title of a table.
pub fn title(table: &Table) -> String {
    let group = match table.group {
        Group::SingleCore => "single core",
        Group::PerCore => "2 event loops; load generator shares the 2 cores",
    };
    format!("{} ({group})", table.workload.title)
}

/// `cells` as a plain text table with aligned columns.
pub fn text(header: &[String], rows: &[Vec<String>]) -> String {
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = line(header);
    for row in rows {
        out.push('\n');
        out.push_str(&line(row));
    }
    out
}

/// `cells` as a Markdown table.
pub fn markdown(header: &[String], rows: &[Vec<String>]) -> String {
    let line = |cells: &[String]| format!("| {} |", cells.join(" | "));
    let mut out = line(header);
    out.push('\n');
    out.push_str(&format!("|{}", "---|".repeat(header.len())));
    for row in rows {
        out.push('\n');
        out.push_str(&line(row));
    }
    out
}

/// The title of the memory table for `connections` connections.
pub fn memory_title(connections: usize) -> String {
    let count = thousands(connections);
    match connections {
        memory::IDLE => format!("RSS per idle connection ({count} idle zen connections)"),
        memory::C100K => format!("C100K: {count} zen connections, each answered once, then idle"),
        _ => format!("C100K, scaled down to {count} zen connections (see the notes), each answered once, then idle"),
    }
}

/// The memory table's header and rows (all rows hold the same number of connections).
pub fn memory_cells(
    memory: &[Memory],
    name: &dyn Fn(&str) -> String,
) -> (Vec<String>, Vec<Vec<String>>) {
    let connections = memory.first().map_or(0, |m| m.connections);
    let header = vec![
        "server".to_string(),
        "answered".into(),
        "seconds to open and answer all".into(),
        "RSS before (kB)".into(),
        format!("RSS with {} open (kB)", thousands(connections)),
        "bytes per connection".into(),
    ];
    let rows = memory
        .iter()
        .map(|m| {
            let mut row = vec![
                name(m.server),
                format!("{} of {}", thousands(m.answered), thousands(m.connections)),
            ];
            match &m.rss_kb {
                Ok((before, after)) => row.extend([
                    format!("{:.1}", m.seconds),
                    before.to_string(),
                    after.to_string(),
                    number(m.per_connection(), 0),
                ]),
                Err(error) => row.extend([
                    "–".into(),
                    "–".into(),
                    "–".into(),
                    format!("FAILED: {error}"),
                ]),
            }
            row
        })
        .collect();
    (header, rows)
}

/// `100000` as `100,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Everything, as the JSON of `compare.json`.
pub fn json(setup: &Setup, results: &Results) -> Value {
    let summaries: Vec<Value> = tables(results)
        .iter()
        .flat_map(|t| t.rows.iter().map(Summary::json))
        .collect();
    let held = |held: &Result<Vec<Memory>, String>| match held {
        Ok(rows) => json!(rows.iter().map(Memory::json).collect::<Vec<_>>()),
        Err(reason) => json!({ "skipped": reason }),
    };
    json!({
        "command": setup.command,
        "mode": setup.mode.name(),
        "rounds": setup.rounds,
        "seconds_per_run": setup.seconds,
        "pinned": setup.pinning.is_ok(),
        "wrk": setup.wrk,
        "machine": results.machine.json(),
        "notes": results.notes,
        "workloads": results.workloads.iter().map(|w| json!({"id": w.id, "title": w.title})).collect::<Vec<_>>(),
        "servers": results.servers.iter().map(|s| json!({"id": s.id, "name": s.name, "group": s.group.id()})).collect::<Vec<_>>(),
        "summaries": summaries,
        "memory": held(&results.memory),
        "c100k": held(&results.c100k),
        "soak": results.soaks.iter().map(Soak::json).collect::<Vec<_>>(),
        "syscalls": match &results.syscalls {
            Ok(rows) => json!(rows.iter().map(Syscalls::json).collect::<Vec<_>>()),
            Err(reason) => json!({ "skipped": reason }),
        },
        "runs": results.runs.iter().map(Run::json).collect::<Vec<_>>(),
    })
}
