//! What zenio's servers say when they stop: requests served, and the runtime's own counters.
//!
//! At exit each event loop prints one summary line on stdout:
//!
//! ```text
//! core 0: 12 connections, 340 requests; runtime: tasks_spawned=13 polls=700 reactor_waits=360 events=372 wakes_local=5 wakes_remote=0 registrations=13 timers_fired=0
//! ```
//!
//! The part after `; runtime:` is `zenio::stats()` for that loop's runtime: how many times a
//! task was polled, how many `epoll_wait` calls the reactor made and how many events they
//! returned, how many sockets were added to epoll (`epoll_ctl(EPOLL_CTL_ADD)`), and how many
//! wakes came from the loop's own thread or from others. Architectures without a runtime
//! (`poll`, and the blocking ones) print the first part only. Dividing the counters by the
//! requests of the same line gives the runtime's cost per request over the server's whole
//! life, with no sampling and no tracer in the way.

use std::collections::BTreeMap;

/// The sum of a server's summary lines, by name: `connections`, `requests`, and the runtime's
/// counters (none when no line had a `runtime:` part).
pub type Counters = BTreeMap<String, u64>;

/// The runtime counters reported per request, with their column names: the name printed by
/// the server (several are added up), and the column's title.
pub const PER_REQUEST: &[(&[&str], &str)] = &[
    (&["polls"], "polls"),
    (&["reactor_waits"], "reactor waits"),
    (&["events"], "events"),
    (&["registrations"], "registrations"),
    (&["wakes_local", "wakes_remote"], "wakes"),
    (&["tasks_spawned"], "tasks spawned"),
];

/// Adds up every summary line in `lines` (what a server printed); other lines are ignored.
/// `None` if there was no summary line.
pub fn parse(lines: &[String]) -> Option<Counters> {
    let mut total: Option<Counters> = None;
    for counts in lines.iter().filter_map(|line| parse_line(line)) {
        let sum = total.get_or_insert_with(Counters::new);
        for (name, value) in counts {
            *sum.entry(name).or_default() += value;
        }
    }
    total
}

/// Each of [`PER_REQUEST`] divided by the requests, or `None` without runtime counters.
pub fn per_request(counters: &Counters) -> Option<Vec<f64>> {
    let runtime = counters.contains_key("polls");
    let requests = *counters.get("requests").filter(|_| runtime)? as f64;
    let sum = |names: &[&str]| names.iter().filter_map(|n| counters.get(*n)).sum::<u64>();
    let per = PER_REQUEST
        .iter()
        .map(|(names, _)| sum(names) as f64 / requests);
    Some(per.collect())
}

/// One line, `LABEL: C connections, R requests[; runtime: name=value ...]`, as counts by name.
fn parse_line(line: &str) -> Option<Vec<(String, u64)>> {
    let (_label, rest) = line.trim().split_once(": ")?;
    let (served, runtime) = rest.split_once("; runtime:").unwrap_or((rest, ""));
    let (connections, requests) = served.split_once(", ")?;
    let count =
        |text: &str, unit: &str| Some((unit.into(), text.strip_suffix(unit)?.trim().parse().ok()?));
    let pair = |pair: &str| {
        let (name, value) = pair.split_once('=')?;
        Some((name.to_string(), value.parse().ok()?))
    };
    let (connections, requests) = (
        count(connections, "connections"),
        count(requests.trim(), "requests"),
    );
    let runtime = runtime.split_whitespace().map(pair);
    [connections, requests].into_iter().chain(runtime).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "core 0: 12 connections, 340 requests; runtime: tasks_spawned=13 polls=700 \
                        reactor_waits=360 events=372 wakes_local=5 wakes_remote=0 registrations=13 timers_fired=0";

    #[test]
    fn a_summary_line_with_runtime_counters_is_read_whole() {
        let counters = parse(&[LINE.to_string()]).unwrap();
        assert_eq!((counters["connections"], counters["requests"]), (12, 340));
        assert_eq!(counters["reactor_waits"], 360);
        assert_eq!(counters.len(), 2 + 8);
        let per: Vec<_> = per_request(&counters).unwrap();
        assert_eq!(per[0], 700.0 / 340.0);
        assert_eq!(per[4], 5.0 / 340.0);
    }

    #[test]
    fn the_lines_of_every_core_are_added_up_and_other_lines_ignored() {
        let lines = [
            "Shutting down".to_string(),
            LINE.to_string(),
            LINE.replace("core 0", "core 1"),
        ];
        let counters = parse(&lines).unwrap();
        assert_eq!((counters["connections"], counters["requests"]), (24, 680));
        assert_eq!(counters["polls"], 1400);
    }

    #[test]
    fn a_line_without_a_runtime_has_requests_but_no_counters() {
        let counters = parse(&["core 0: 3 connections, 9 requests".into()]).unwrap();
        assert_eq!(counters["requests"], 9);
        assert_eq!(per_request(&counters), None);
        assert_eq!(parse(&["Listening at 127.0.0.1:80".into()]), None);
    }
}
