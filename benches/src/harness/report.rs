//! The report's tables, each a header and rows of cells: one per workload and group, one per
//! memory measurement, one per syscall load; and a table's Markdown.
//!
//! The headline columns of a workload's table are ratios to the group's baseline (tokio
//! `current_thread` for the single-core group, tokio per-core for the per-core group): the
//! median of the per-pair ratios, with their spread in brackets. The absolute medians stand
//! beside them. Below 1 is better for CPU per request; above 1 is better for requests per
//! second. CPU and user CPU per request show their spread over the rounds too. A fixed load's
//! table says in how many rounds the generator kept its schedule: the others are invalid, and
//! left out of every figure.

use super::counters::{per_request, PER_REQUEST};
use super::memory::{self, Memory};
use super::run::Run;
use super::servers::{name, Group, Role, Server};
use super::stats::{median, ratio, Figure, Spread, CPU, RPS, USER};
use super::syscalls::{self, Syscalls, Traced, BASELINE};
use super::workloads::Workload;
use super::Results;

/// A table: its header, and its rows of cells.
pub type Cells = (Vec<String>, Vec<Vec<String>>);

/// The absolute columns of a workload's table: the title, the figure (its median over the
/// rounds), the decimals and the unit after the number; the first two with their spread.
const COLUMNS: [(&str, Figure, usize, &str); 9] = [
    ("CPU µs/req", CPU, 2, ""),
    ("user µs/req", USER, 2, ""),
    ("req/s", |m| Some(m.rps / 1000.0), 1, "k"),
    ("p50 µs", |m| m.latency_us.p50, 0, ""),
    ("p99 µs", |m| m.latency_us.p99, 0, ""),
    ("p99.9 µs", |m| m.latency_us.p99_9, 0, ""),
    ("gen CPU", |m| Some(m.generator_cpu), 2, ""),
    ("server preempted/s", |m| Some(m.server_preempted), 0, ""),
    ("gen preempted/s", |m| Some(m.generator_preempted), 0, ""),
];

/// A syscall gets a column of its own when some row makes at least this many per request;
/// the rest are added up under "other".
const OWN_COLUMN: f64 = 0.005;

/// One workload in one group: a row per server that ran it.
pub struct Table<'a> {
    /// The group.
    pub group: Group,
    /// The workload.
    pub workload: &'a Workload,
    /// Its runs, every round of every server.
    pub runs: Vec<&'a Run>,
    /// The servers that ran, in catalogue order.
    pub servers: Vec<&'a Server>,
    /// The baseline's id, if it ran.
    pub baseline: Option<&'a str>,
    /// The other rows CPU per request is compared with (the floor; tokio multi_thread).
    pub others: Vec<&'a str>,
}

impl Table<'_> {
    /// The median of `server`'s `figure`.
    pub fn median(&self, server: &str, figure: Figure) -> Option<f64> {
        median(&self.runs, server, figure)
    }

    /// The per-pair ratio of `server`'s `figure` to `against`'s.
    pub fn ratio(&self, server: &str, against: &str, figure: Figure) -> Option<Spread> {
        ratio(&self.runs, server, against, figure)
    }

    /// The title: the workload, and the group.
    pub fn title(&self) -> String {
        let group = match self.group {
            Group::SingleCore => "single core",
            Group::PerCore => "2 event loops; load generator shares the 2 cores",
        };
        let rate = self.runs.iter().find_map(|r| r.measure.as_ref()?.rate);
        let rate = rate.map_or(String::new(), |r| format!(", {:.1}k questions/s", r / 1e3));
        format!("{} ({group}{rate})", self.workload.title)
    }

    /// The header and the cells.
    pub fn cells(&self) -> Cells {
        let name = |id: &str| name(self.servers.iter().copied(), id);
        let base = self.baseline.map_or("baseline".into(), name);
        let mut header = vec!["server".into(), format!("CPU/req ÷ {base}")];
        header.extend(["user CPU/req ÷ same", "req/s ÷ same"].map(String::from));
        let others = self.others.iter();
        let others = others.map(|id| format!("CPU/req ÷ {}", name(id)));
        header.extend(others);
        header.extend(COLUMNS.iter().map(|column| column.0.to_string()));
        let fixed = self.workload.share.is_some();
        header.extend(fixed.then(|| "on schedule".into()));
        header.push("notes".into());
        let row = |server: &&Server| {
            let id = server.id.as_str();
            // A ratio with its spread, or `1` for the row compared with itself.
            let vs = |against: &str, figure| match self.ratio(id, against, figure) {
                _ if against == id => "1".into(),
                spread => spread.map_or("–".into(), |s| s.cell()),
            };
            let base = self.baseline.unwrap_or_default();
            let mut cells = vec![
                server.name.clone(),
                vs(base, CPU),
                vs(base, USER),
                vs(base, RPS),
            ];
            cells.extend(self.others.iter().map(|other| vs(other, CPU)));
            for (i, (_, figure, digits, unit)) in COLUMNS.into_iter().enumerate() {
                let spread = Spread::of(self.mine(id).filter_map(|r| figure(r.ok()?)).collect());
                let cell = |s: Spread| match i {
                    0 | 1 => s.cell(),
                    _ => format!("{:.digits$}{unit}", s.median),
                };
                cells.push(spread.map_or("–".into(), cell));
            }
            let (rounds, invalid) = (self.mine(id).count(), self.flagged(id, "off schedule"));
            cells.extend(fixed.then(|| format!("{} of {rounds}", rounds - invalid)));
            cells.push(self.notes(id));
            cells
        };
        (header, self.servers.iter().map(row).collect())
    }

    /// `server`'s runs.
    fn mine<'r>(&'r self, server: &'r str) -> impl Iterator<Item = &'r Run> {
        self.runs
            .iter()
            .copied()
            .filter(move |r| r.server == server)
    }

    /// How many of `server`'s runs have a flag that says `flag`.
    fn flagged(&self, server: &str, flag: &str) -> usize {
        let has = |run: &&Run| run.flags.iter().any(|f| f.contains(flag));
        self.mine(server).filter(has).count()
    }

    /// What `server`'s row must warn about: failed runs, a saturated generator, a busy machine.
    fn notes(&self, server: &str) -> String {
        let failed = self
            .mine(server)
            .filter(|run| run.failure.is_some())
            .count();
        let notes = [
            ("", failed, " runs FAILED"),
            (
                "generator saturated in ",
                self.flagged(server, "saturated"),
                "",
            ),
            (
                "machine busy in ",
                self.flagged(server, "machine was busy"),
                "",
            ),
        ];
        let notes = notes.iter().filter(|(_, count, _)| *count > 0);
        let rounds = self.mine(server).count();
        let notes =
            notes.map(|(before, count, after)| format!("{before}{count} of {rounds}{after}"));
        notes.collect::<Vec<_>>().join("; ")
    }
}

/// The tables of `results`, in the order the workloads ran: a table per workload and group
/// that ran, its rows in catalogue order, its ratios to the group's baseline, and its CPU per
/// request also to the floor and to tokio multi_thread.
pub fn tables(results: &Results) -> Vec<Table<'_>> {
    let mut tables = Vec::new();
    let workloads = results.workloads.iter();
    let cells = workloads.flat_map(|w| Group::ALL.map(|g| (w, g)));
    for (workload, group) in cells {
        let ran = |r: &&Run| r.group == group && r.workload == workload.id;
        let runs: Vec<&Run> = results.runs.iter().filter(ran).collect();
        let served = |s: &&Server| s.group == group && runs.iter().any(|r| r.server == s.id);
        let servers: Vec<&Server> = results.servers.iter().filter(served).collect();
        let with_role = |role| servers.iter().find(|s| s.role == role).map(|s| &*s.id);
        let multi = servers.iter().find(|s| s.id == "tokio-multi-thread-2");
        let multi = multi.map(|s| &*s.id);
        let (baseline, others) = (with_role(Role::Baseline), [with_role(Role::Floor), multi]);
        let others = others.into_iter().flatten().collect();
        let table = Table {
            group,
            workload,
            runs,
            servers,
            baseline,
            others,
        };
        tables.extend(Some(table).filter(|t| !t.runs.is_empty()));
    }
    tables
}

/// A table in Markdown.
pub fn markdown((header, rows): &Cells) -> String {
    let line = |cells: &[String]| format!("| {} |", cells.join(" | "));
    let mut out = vec![line(header), format!("|{}", "---|".repeat(header.len()))];
    out.extend(rows.iter().map(|row| line(row)));
    out.join("\n")
}

/// The title of the memory table for `connections` connections.
pub fn memory_title(connections: usize) -> String {
    let count = thousands(connections);
    match connections {
        memory::IDLE => format!("RSS per idle connection ({count} idle zen connections)"),
        memory::C100K => format!("C100K: {count} zen connections, each answered once, then idle"),
        _ => format!(
            "C100K, scaled down to {count} zen connections (see the notes), each answered once, then idle"
        ),
    }
}

/// The memory table (all rows hold the same number of connections).
pub fn memory_cells(memory: &[Memory], servers: &[Server]) -> Cells {
    let open = thousands(memory.first().map_or(0, |m| m.connections));
    let header = format!(
        "server|answered|seconds to open and answer all|RSS before (kB)|RSS with {open} open (kB)|bytes per connection"
    );
    let row = |m: &Memory| {
        let answered = format!("{} of {}", thousands(m.answered), thousands(m.connections));
        let mut row = vec![name(servers, &m.server), answered];
        match (&m.rss_kb, m.per_connection()) {
            (Ok((before, after)), Some(bytes)) => {
                row.extend([
                    format!("{:.1}", m.seconds),
                    before.to_string(),
                    after.to_string(),
                ]);
                row.push(format!("{bytes:.0}"));
            }
            (rss, _) => {
                row.extend(["–", "–", "–"].map(String::from));
                let error = rss.as_ref().err().map_or("", String::as_str);
                row.push(format!("FAILED: {error}"));
            }
        }
        row
    };
    (
        header.split('|').map(String::from).collect(),
        memory.iter().map(row).collect(),
    )
}

/// The syscall loads that were counted, each with its rows, in the order they ran.
pub fn syscall_loads(rows: &[Syscalls]) -> Vec<(Workload, Vec<&Syscalls>)> {
    let loads = syscalls::workloads().into_iter();
    let loads = loads.map(|load| {
        let mine: Vec<&Syscalls> = rows.iter().filter(|r| r.workload == load.id).collect();
        (load, mine)
    });
    loads.filter(|(_, mine)| !mine.is_empty()).collect()
}

/// One syscall load's table: a row per server, with its syscalls per request, their ratio
/// to tokio `current_thread`'s, each syscall by name, and zenio's runtime counters per
/// request.
pub fn syscall_cells(rows: &[&Syscalls], servers: &[Server]) -> Cells {
    let counted = rows
        .iter()
        .filter_map(|r| Some((&*r.server, r.traced.as_ref().ok()?)));
    let counted: Vec<(&str, &Traced)> = counted.collect();
    // The syscalls with a column, in alphabetical order, as strace's `-S name` sorts them.
    let counts = counted.iter().flat_map(|(_, traced)| &traced.counts);
    let mut columns: Vec<&str> = counts.map(|count| count.name.as_str()).collect();
    columns.sort();
    columns.dedup();
    let frequent = |name: &&str| {
        counted
            .iter()
            .any(|(_, t)| t.per_request(name) >= OWN_COLUMN)
    };
    columns.retain(frequent);
    let base = counted.iter().find(|(server, _)| *server == BASELINE);
    let base = base.map(|(_, traced)| traced.total_per_request());
    let mut header = vec![
        "server".into(),
        "syscalls/req".into(),
        format!("÷ {}", name(servers, BASELINE)),
    ];
    header.extend(columns.iter().map(|syscall| syscall.to_string()));
    header.push("other".into());
    header.extend(PER_REQUEST.iter().map(|(_, title)| format!("{title}/req")));
    header.push("requests".into());
    let width = header.len();
    let row = |row: &&Syscalls| {
        let mut cells = vec![name(servers, &row.server)];
        let traced = match &row.traced {
            Ok(traced) => traced,
            Err(failure) => {
                cells.push(format!("FAILED: {failure}"));
                cells.resize(width, String::new());
                return cells;
            }
        };
        let total = traced.total_per_request();
        let per = columns.iter().map(|syscall| traced.per_request(syscall));
        let per: Vec<f64> = per.collect();
        let shown: f64 = per.iter().sum();
        cells.push(format!("{total:.2}"));
        cells.push(base.map_or("–".into(), |base| format!("{:.2}", total / base)));
        cells.extend(per.iter().map(|per| format!("{per:.2}")));
        cells.push(format!("{:.2}", (total - shown).max(0.0)));
        let runtime = traced.counters.as_ref().and_then(per_request);
        let runtime = runtime.map(|per| per.iter().map(|v| format!("{v:.2}")).collect());
        cells.extend(runtime.unwrap_or(vec!["–".into(); PER_REQUEST.len()]));
        cells.push(traced.requests.to_string());
        cells
    };
    (header, rows.iter().map(row).collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::counters::Counters;
    use crate::harness::strace::Count;

    fn row(server: &str, counts: &[(&str, u64)], counters: Option<Counters>) -> Syscalls {
        let counts = counts.iter().map(|(name, calls)| Count {
            name: name.to_string(),
            calls: *calls,
            errors: 0,
        });
        let traced = Traced {
            requests: 1000,
            counts: counts.collect(),
            counters,
        };
        Syscalls {
            server: server.into(),
            workload: "syscalls-zen-keepalive-c1".into(),
            traced: Ok(traced),
        }
    }

    #[test]
    fn a_syscall_table_has_a_column_per_frequent_syscall_and_the_ratio_to_tokio() {
        let line = "core 0: 1 connections, 1000 requests; runtime: polls=2000 reactor_waits=1000";
        let ours = [
            ("recvfrom", 1000),
            ("sendto", 1000),
            ("epoll_pwait", 1000),
            ("brk", 2),
        ];
        let tokio = [
            ("recvfrom", 1000),
            ("sendto", 1000),
            ("epoll_pwait", 1000),
            ("futex", 1000),
        ];
        let rows = [
            row(
                "zenio-coroutine",
                &ours,
                crate::harness::counters::parse(&[line.to_string()]),
            ),
            row(BASELINE, &tokio, None),
        ];
        let refs: Vec<&Syscalls> = rows.iter().collect();
        let (header, cells) = syscall_cells(&refs, &[]);
        assert_eq!(
            &header[3..7],
            ["epoll_pwait", "futex", "recvfrom", "sendto"]
        );
        assert_eq!(header[7], "other");
        assert_eq!(&cells[0][1..3], ["3.00", "0.75"]);
        assert_eq!(cells[0][7], "0.00");
        assert_eq!(cells[0][8], "2.00");
        assert_eq!(cells[1][8], "–");
    }

    #[test]
    fn markdown_tables_have_a_rule_under_the_header() {
        let cells = (
            vec!["a".to_string(), "b".into()],
            vec![vec!["1".to_string(), "2".into()]],
        );
        assert_eq!(markdown(&cells), "| a | b |\n|---|---|\n| 1 | 2 |");
        assert_eq!(thousands(100_000), "100,000");
    }
}
