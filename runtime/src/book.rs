//! The book (`docs/`), compiled: the Rust blocks of each chapter run as doc tests
//! (`cargo test -p zenio --doc`), so the text cannot drift from the code. Blocks quoted
//! from the repository are fenced `text` and name their file instead.

/// Chapter 1: sockets and the serial server.
#[cfg(doctest)]
#[doc = include_str!("../../docs/01-sockets-and-the-serial-server.md")]
pub struct Chapter01;

/// Chapter 2: threads and processes.
#[cfg(doctest)]
#[doc = include_str!("../../docs/02-threads-and-processes.md")]
pub struct Chapter02;

/// Chapter 3: the readiness loop.
#[cfg(doctest)]
#[doc = include_str!("../../docs/03-the-readiness-loop.md")]
pub struct Chapter03;

/// Chapter 4: futures and wakers.
#[cfg(doctest)]
#[doc = include_str!("../../docs/04-futures-and-wakers.md")]
pub struct Chapter04;

/// Chapter 5: async functions and `Pin`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/05-async-functions-and-pin.md")]
pub struct Chapter05;

/// Chapter 6: an executor by hand.
#[cfg(doctest)]
#[doc = include_str!("../../docs/06-an-executor-by-hand.md")]
pub struct Chapter06;

/// Chapter 7: what `async-task` adds.
#[cfg(doctest)]
#[doc = include_str!("../../docs/07-what-async-task-adds.md")]
pub struct Chapter07;

/// Chapter 8: the reactor.
#[cfg(doctest)]
#[doc = include_str!("../../docs/08-the-reactor.md")]
pub struct Chapter08;

/// Chapter 9: the executor.
#[cfg(doctest)]
#[doc = include_str!("../../docs/09-the-executor.md")]
pub struct Chapter09;

/// Chapter 10: async TCP.
#[cfg(doctest)]
#[doc = include_str!("../../docs/10-async-tcp.md")]
pub struct Chapter10;

/// Chapter 11: callbacks and coroutines.
#[cfg(doctest)]
#[doc = include_str!("../../docs/11-callbacks-and-coroutines.md")]
pub struct Chapter11;

/// Chapter 12: timers.
#[cfg(doctest)]
#[doc = include_str!("../../docs/12-timers.md")]
pub struct Chapter12;

/// Chapter 13: many cores.
#[cfg(doctest)]
#[doc = include_str!("../../docs/13-many-cores.md")]
pub struct Chapter13;

/// Chapter 14: measuring.
#[cfg(doctest)]
#[doc = include_str!("../../docs/14-measuring.md")]
pub struct Chapter14;

/// The walkthrough: one request through the machine (its diagrams are `mermaid` blocks,
/// which rustdoc does not compile).
#[cfg(doctest)]
#[doc = include_str!("../../docs/walkthrough.md")]
pub struct Walkthrough;
