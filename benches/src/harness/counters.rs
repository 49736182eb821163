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

/// The sum of a server's summary lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counters {
    /// Connections accepted, all loops together.
    pub connections: u64,
    /// Requests answered, all loops together.
    pub requests: u64,
    /// The runtime's counters by name, in the order printed, summed over the loops; empty
    /// when no line had a `runtime:` part.
    pub runtime: Vec<(String, u64)>,
}

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

impl Counters {
    /// Adds up every summary line in `lines` (what a server printed); other lines are
    /// ignored. `None` if there was no summary line.
    pub fn parse(lines: &[String]) -> Option<Self> {
        let mut total: Option<Self> = None;
        for line in lines {
            let Some(one) = parse_line(line) else {
                continue;
            };
            let sum = total.get_or_insert_with(Self::default);
            sum.connections += one.connections;
            sum.requests += one.requests;
            for (name, value) in one.runtime {
                match sum.runtime.iter_mut().find(|(known, _)| *known == name) {
                    Some((_, count)) => *count += value,
                    None => sum.runtime.push((name, value)),
                }
            }
        }
        total
    }

    /// A counter by name (0 if absent).
    pub fn get(&self, name: &str) -> u64 {
        self.runtime
            .iter()
            .find(|(known, _)| known == name)
            .map_or(0, |(_, value)| *value)
    }

    /// Each of [`PER_REQUEST`] divided by the requests, or `None` without runtime counters
    /// or requests.
    pub fn per_request(&self) -> Option<Vec<(&'static str, f64)>> {
        if self.runtime.is_empty() || self.requests == 0 {
            return None;
        }
        let requests = self.requests as f64;
        Some(
            PER_REQUEST
                .iter()
                .map(|(names, title)| {
                    let sum: u64 = names.iter().map(|name| self.get(name)).sum();
                    (*title, sum as f64 / requests)
                })
                .collect(),
        )
    }
}

/// One line, `LABEL: C connections, R requests[; runtime: name=value ...]`.
fn parse_line(line: &str) -> Option<Counters> {
    let (_label, rest) = line.trim().split_once(": ")?;
    let (served, runtime) = match rest.split_once("; runtime:") {
        Some((served, runtime)) => (served, Some(runtime)),
        None => (rest, None),
    };
    let (connections, requests) = served.split_once(", ")?;
    let count = |text: &str, unit: &str| text.strip_suffix(unit)?.trim().parse::<u64>().ok();
    let mut counters = Counters {
        connections: count(connections, "connections")?,
        requests: count(requests.trim_end(), "requests")?,
        runtime: Vec::new(),
    };
    for pair in runtime.unwrap_or_default().split_ascii_whitespace() {
        let (name, value) = pair.split_once('=')?;
        counters
            .runtime
            .push((name.to_string(), value.parse().ok()?));
    }
    Some(counters)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "core 0: 12 connections, 340 requests; runtime: tasks_spawned=13 polls=700 \
                        reactor_waits=360 events=372 wakes_local=5 wakes_remote=0 registrations=13 timers_fired=0";

    #[test]
    fn a_summary_line_with_runtime_counters_is_read_whole() {
        let counters = Counters::parse(&[LINE.to_string()]).unwrap();
        assert_eq!((counters.connections, counters.requests), (12, 340));
        assert_eq!(counters.get("reactor_waits"), 360);
        assert_eq!(counters.runtime.len(), 8);
        let per: Vec<_> = counters.per_request().unwrap();
        assert_eq!(per[0], ("polls", 700.0 / 340.0));
        assert_eq!(per[4], ("wakes", 5.0 / 340.0));
    }

    #[test]
    fn the_lines_of_every_core_are_added_up_and_other_lines_ignored() {
        let lines = [
            "Shutting down".to_string(),
            LINE.to_string(),
            LINE.replace("core 0", "core 1"),
        ];
        let counters = Counters::parse(&lines).unwrap();
        assert_eq!((counters.connections, counters.requests), (24, 680));
        assert_eq!(counters.get("polls"), 1400);
    }

    #[test]
    fn a_line_without_a_runtime_has_requests_but_no_counters() {
        let counters = Counters::parse(&["core 0: 3 connections, 9 requests".into()]).unwrap();
        assert_eq!(counters.requests, 9);
        assert_eq!(counters.per_request(), None);
        assert_eq!(Counters::parse(&["Listening at 127.0.0.1:80".into()]), None);
    }
}
