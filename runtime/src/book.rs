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

/// Chapter 4: the reactor.
#[cfg(doctest)]
#[doc = include_str!("../../docs/04-the-reactor.md")]
pub struct Chapter04;

/// Chapter 5: the executor.
#[cfg(doctest)]
#[doc = include_str!("../../docs/05-the-executor.md")]
pub struct Chapter05;

/// Chapter 6: async TCP.
#[cfg(doctest)]
#[doc = include_str!("../../docs/06-async-tcp.md")]
pub struct Chapter06;

/// Chapter 7: callbacks and coroutines.
#[cfg(doctest)]
#[doc = include_str!("../../docs/07-callbacks-and-coroutines.md")]
pub struct Chapter07;

/// Chapter 8: timers.
#[cfg(doctest)]
#[doc = include_str!("../../docs/08-timers.md")]
pub struct Chapter08;

/// Chapter 9: many cores.
#[cfg(doctest)]
#[doc = include_str!("../../docs/09-many-cores.md")]
pub struct Chapter09;

/// Chapter 10: measuring.
#[cfg(doctest)]
#[doc = include_str!("../../docs/10-measuring.md")]
pub struct Chapter10;
