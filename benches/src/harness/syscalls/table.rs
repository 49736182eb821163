//! The syscall tables: one per load, a row per server, with its syscalls per request, their
//! ratio to tokio `current_thread`'s, each syscall by name, and zenio's runtime counters per
//! request; and the docs section that holds them.

use super::{workloads, Syscalls, BASELINE};
use crate::harness::counters::PER_REQUEST;
use crate::harness::report;
use crate::harness::workloads::Workload;

/// A syscall gets a column of its own when some row makes at least this many per request;
/// the rest are added up under "other".
const OWN_COLUMN: f64 = 0.005;

/// The loads that were counted, each with its rows, in the order they ran.
pub fn tables(rows: &[Syscalls]) -> Vec<(Workload, Vec<&Syscalls>)> {
    workloads()
        .into_iter()
        .map(|workload| {
            let mine: Vec<&Syscalls> = rows.iter().filter(|r| r.workload == workload.id).collect();
            (workload, mine)
        })
        .filter(|(_, mine)| !mine.is_empty())
        .collect()
}

/// The header and the cells of one load's table; `name` turns a server id into its name.
pub fn cells(rows: &[&Syscalls], name: &dyn Fn(&str) -> String) -> (Vec<String>, Vec<Vec<String>>) {
    let counted: Vec<(&Syscalls, &super::Traced)> = rows
        .iter()
        .filter_map(|r| Some((*r, r.traced.as_ref().ok()?)))
        .collect();
    // The syscalls with a column, in alphabetical order, as strace's `-S name` sorts them.
    let mut columns: Vec<(&str, f64)> = Vec::new();
    for (_, traced) in &counted {
        for count in &traced.counts {
            let per = traced.per_request(&count.name);
            match columns.iter_mut().find(|(known, _)| *known == count.name) {
                Some((_, most)) => *most = most.max(per),
                None => columns.push((&count.name, per)),
            }
        }
    }
    columns.retain(|(_, most)| *most >= OWN_COLUMN);
    columns.sort_by(|a, b| a.0.cmp(b.0));
    let baseline = counted
        .iter()
        .find(|(row, _)| row.server == BASELINE)
        .map(|(_, traced)| traced.total_per_request());
    let mut header = vec![
        "server".to_string(),
        "syscalls/req".into(),
        format!("÷ {}", name(BASELINE)),
    ];
    header.extend(columns.iter().map(|(syscall, _)| syscall.to_string()));
    header.push("other".into());
    header.extend(PER_REQUEST.iter().map(|(_, title)| format!("{title}/req")));
    header.push("requests".into());
    let width = header.len();
    let cells = rows
        .iter()
        .map(|row| {
            let mut cells = vec![name(row.server)];
            let traced = match &row.traced {
                Ok(traced) => traced,
                Err(failure) => {
                    cells.push(format!("FAILED: {failure}"));
                    cells.resize(width, String::new());
                    return cells;
                }
            };
            let total = traced.total_per_request();
            cells.push(format!("{total:.2}"));
            cells.push(baseline.map_or("–".into(), |base| format!("{:.2}", total / base)));
            let mut shown = 0.0;
            for (syscall, _) in &columns {
                let per = traced.per_request(syscall);
                shown += per;
                cells.push(format!("{per:.2}"));
            }
            cells.push(format!("{:.2}", (total - shown).max(0.0)));
            match traced.counters.as_ref().and_then(|c| c.per_request()) {
                Some(per) => cells.extend(per.iter().map(|(_, value)| format!("{value:.2}"))),
                None => cells.extend(PER_REQUEST.iter().map(|_| "–".to_string())),
            }
            cells.push(traced.requests.to_string());
            cells
        })
        .collect();
    (header, cells)
}

/// The tables as text, for stdout.
pub fn text(rows: &[Syscalls], name: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    for (workload, mine) in tables(rows) {
        let (header, cells) = cells(&mine, name);
        out.push_str(&format!(
            "== Syscalls per request: {} (under strace)\n{}\n\n",
            workload.title,
            report::text(&header, &cells)
        ));
    }
    out
}

/// The docs section: how the counts were made, then a table per load.
pub fn markdown(syscalls: &Result<Vec<Syscalls>, String>, name: &dyn Fn(&str) -> String) -> String {
    let mut out = String::from("### Syscalls per request\n\n");
    let rows = match syscalls {
        Ok(rows) if !rows.is_empty() => rows,
        Ok(_) => return out + "Not counted in this run.\n\n",
        Err(reason) => return out + &format!("Skipped: {reason}.\n\n"),
    };
    out.push_str(
        "Each server is started alone (pinned to core 0), `strace -c -f -p PID` is attached to it, and our own load \
         generator (pinned to core 1) makes a fixed number of requests with no warmup (`zen-load`, `zen-load --mode close` \
         for the one-question conversation: connect, ask, read the answer, hang up, read the server's EOF; `http-load --mode \
         close` for hello), checking every answer. Then strace is detached, and each syscall's count is divided by the \
         requests answered. `÷ tokio` is the row's total over tokio `current_thread`'s. A syscall below 0.005 per request \
         in every row is counted under `other`. The runtime columns are zenio's own counters (`zenio::stats()`, printed by \
         each server at exit) over the requests of the same process: `reactor waits` are `epoll_wait` calls, `events` \
         what they returned, `registrations` sockets added to epoll, `wakes` local and remote wakes together; `–` for \
         servers without zenio's runtime. strace slows the server several times over, so requests batch more than \
         they would untraced: read the 16-client rows as lower bounds on batching, and no time at all.\n\n",
    );
    for (workload, mine) in tables(rows) {
        let (header, cells) = cells(&mine, name);
        out.push_str(&format!(
            "#### {}\n\n{}\n\n",
            workload.title,
            report::markdown(&header, &cells)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::strace::Count;
    use super::super::Traced;
    use super::*;
    use crate::harness::counters::Counters;

    fn row(server: &'static str, counts: &[(&str, u64)], counters: Option<Counters>) -> Syscalls {
        Syscalls {
            server,
            workload: "syscalls-zen-keepalive-c1".into(),
            traced: Ok(Traced {
                requests: 1000,
                counts: counts
                    .iter()
                    .map(|(name, calls)| Count {
                        name: name.to_string(),
                        calls: *calls,
                        errors: 0,
                    })
                    .collect(),
                counters,
            }),
        }
    }

    #[test]
    fn a_table_has_a_column_per_frequent_syscall_and_the_ratio_to_tokio() {
        let line = "core 0: 1 connections, 1000 requests; runtime: polls=2000 reactor_waits=1000";
        let rows = [
            row(
                "zenio-coroutine",
                &[
                    ("recvfrom", 1000),
                    ("sendto", 1000),
                    ("epoll_pwait", 1000),
                    ("brk", 2),
                ],
                Counters::parse(&[line.to_string()]),
            ),
            row(
                BASELINE,
                &[
                    ("recvfrom", 1000),
                    ("sendto", 1000),
                    ("epoll_pwait", 1000),
                    ("futex", 1000),
                ],
                None,
            ),
        ];
        let refs: Vec<&Syscalls> = rows.iter().collect();
        let (header, cells) = cells(&refs, &|id| id.to_string());
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
    fn the_docs_section_holds_a_table_per_load_or_says_why_not() {
        let name = |id: &str| id.to_string();
        let rows = vec![row("floor", &[("recvfrom", 1000)], None)];
        let section = markdown(&Ok(rows), &name);
        assert!(section.starts_with("### Syscalls per request\n"));
        assert!(section.contains("#### zen keep-alive, 1 connection\n\n| server |"));
        let skipped = markdown(&Err("strace is not installed".into()), &name);
        assert!(skipped.ends_with("Skipped: strace is not installed.\n\n"));
    }
}
