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

/// Chapter 4: futures by hand.
#[cfg(doctest)]
#[doc = include_str!("../../docs/04-futures-by-hand.md")]
pub struct Chapter04;

/// Chapter 5: an executor by hand.
#[cfg(doctest)]
#[doc = include_str!("../../docs/05-an-executor-by-hand.md")]
pub struct Chapter05;

/// Chapter 6: the reactor.
#[cfg(doctest)]
#[doc = include_str!("../../docs/06-the-reactor.md")]
pub struct Chapter06;

/// Chapter 7: the executor.
#[cfg(doctest)]
#[doc = include_str!("../../docs/07-the-executor.md")]
pub struct Chapter07;

/// Chapter 8: async TCP.
#[cfg(doctest)]
#[doc = include_str!("../../docs/08-async-tcp.md")]
pub struct Chapter08;

/// Chapter 9: callbacks and coroutines.
#[cfg(doctest)]
#[doc = include_str!("../../docs/09-callbacks-and-coroutines.md")]
pub struct Chapter09;

/// Chapter 10: timers.
#[cfg(doctest)]
#[doc = include_str!("../../docs/10-timers.md")]
pub struct Chapter10;

/// Chapter 11: many cores.
#[cfg(doctest)]
#[doc = include_str!("../../docs/11-many-cores.md")]
pub struct Chapter11;

/// Chapter 12: measuring.
#[cfg(doctest)]
#[doc = include_str!("../../docs/12-measuring.md")]
pub struct Chapter12;

/// The walkthrough: one request through the machine (its diagrams are `mermaid` blocks,
/// which rustdoc does not compile).
#[cfg(doctest)]
#[doc = include_str!("../../docs/walkthrough.md")]
pub struct Walkthrough;
