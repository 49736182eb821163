//! The `trace` feature: watch one request walk through the machine.
//!
//! Python lets a learner run `python -m trace` and see every line execute. zenio's
//! equivalent is the cargo feature `trace`: each step of the runtime (a wait returning N
//! events, a task woken, a task polled to `Pending` or `Ready`, a socket registered) prints one
//! line to stderr. With the feature off, the [`trace!`] macro sits behind `if false`, so the
//! compiler removes it (its arguments are never evaluated) and the hot path pays nothing.
//!
//! The book's walkthrough, `docs/walkthrough.md`, follows one zen request through this output.

/// Prints one step of the runtime to stderr when the `trace` feature is on.
macro_rules! trace {
    ($($arg:tt)*) => {
        if cfg!(feature = "trace") {
            eprintln!("[zenio] {}", format_args!($($arg)*));
        }
    };
}

pub(crate) use trace;
