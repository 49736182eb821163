//! Reading wrk's text report (run with `--latency`) into a [`Measure`].
//!
//! wrk prints, among other lines:
//!
//! ```text
//!     Latency   643.25us  150.10us   5.27ms   88.42%
//!      50%  610.00us
//!      99%    1.16ms
//!   758224 requests in 5.00s, 54.23MB read
//!   Socket errors: connect 0, read 0, write 0, timeout 3
//!   Non-2xx or 3xx responses: 12
//! Requests/sec: 151628.54
//! ```
//!
//! wrk has no p99.9 and does not check response bodies: a non-2xx or 3xx status is the only
//! wrong answer it can see. Its own CPU time is read by the harness from `/proc`.

use super::run::Measure;

/// The measure in wrk's report, or `None` if the report has no request count.
pub fn parse(text: &str) -> Option<Measure> {
    let mut measure = Measure::default();
    let mut found = false;
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            // "758224 requests in 5.00s, 54.23MB read"
            [count, "requests", "in", seconds, ..] => {
                measure.requests = count.parse().ok()?;
                measure.seconds = duration_us(seconds.trim_end_matches(','))? / 1e6;
                found = true;
            }
            ["Latency", _avg, _stdev, max, ..] => measure.latency_us[3] = duration_us(max),
            ["50%", value] => measure.latency_us[0] = duration_us(value),
            ["99%", value] => measure.latency_us[1] = duration_us(value),
            ["Requests/sec:", value] => measure.rps = value.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", count] => measure.wrong = count.parse().ok()?,
            ["Socket", "errors:", ..] => {
                // "connect 0, read 0, write 0, timeout 3"
                measure.errors = words[2..]
                    .chunks(2)
                    .filter_map(|pair| pair.get(1)?.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    found.then_some(measure)
}

/// A wrk duration such as `643.25us`, `1.16ms` or `5.00s`, in microseconds.
fn duration_us(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60e6)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e6)
    } else {
        return None;
    };
    Some(number.parse::<f64>().ok()? * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 5s test @ http://127.0.0.1:8000/
  1 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   643.25us  150.10us   5.27ms   88.42%
    Req/Sec   152.37k     3.21k  158.00k    74.00%
  Latency Distribution
     50%  610.00us
     75%  700.00us
     90%  800.00us
     99%    1.16ms
  758224 requests in 5.00s, 54.23MB read
  Socket errors: connect 0, read 1, write 0, timeout 3
  Non-2xx or 3xx responses: 12
Requests/sec: 151628.54
Transfer/sec:     10.85MB
";

    #[test]
    fn wrks_report_becomes_a_measure() {
        let measure = parse(REPORT).unwrap();
        assert_eq!(measure.requests, 758_224);
        assert_eq!(measure.seconds, 5.0);
        assert_eq!(measure.rps, 151_628.54);
        assert_eq!(measure.latency_us[0], Some(610.0));
        assert!((measure.latency_us[1].unwrap() - 1160.0).abs() < 1e-6);
        assert_eq!(measure.latency_us[2], None);
        assert!((measure.latency_us[3].unwrap() - 5270.0).abs() < 1e-6);
        assert_eq!((measure.wrong, measure.errors), (12, 4));
    }

    #[test]
    fn a_report_without_a_request_count_is_no_result() {
        assert!(parse("unable to connect to 127.0.0.1:8000 Connection refused").is_none());
    }
}
