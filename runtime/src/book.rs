//! The book (`docs/`), compiled: each chapter's Rust blocks run as doc tests
//! (`cargo test -p zenio --doc`), so the text cannot drift from the code.

/// Chapter 1: sockets and the serial server.
#[cfg(doctest)]
#[doc = include_str!("../../docs/01-sockets-and-the-serial-server.md")]
pub struct Chapter01;
#[cfg(doctest)]
#[doc = include_str!("../../docs/d03.md")]
pub struct D03;
#[cfg(doctest)]
#[doc = include_str!("../../docs/d04.md")]
pub struct D04;
#[cfg(doctest)]
#[doc = include_str!("../../docs/d05.md")]
pub struct D05;
#[cfg(doctest)]
#[doc = include_str!("../../docs/d06.md")]
pub struct D06;
