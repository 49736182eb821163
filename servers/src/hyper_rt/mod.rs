//! hyper on zenio: the two traits hyper asks of a runtime, implemented for zenio.
//!
//! hyper 1.x is runtime-agnostic. It never opens a socket or starts a timer itself; it asks
//! for them through the traits of `hyper::rt`, and each runtime supplies them (tokio users
//! get theirs from `hyper-util`). An HTTP/1 connection needs only two of them:
//!
//! - [`HyperIo`] (`io.rs`): `hyper::rt::Read` and `Write` over a [`zenio::TcpStream`], so
//!   hyper's reads and writes are zenio's `recv` and `send`;
//! - [`ZenioTimer`] (`timer.rs`): `hyper::rt::Timer` over [`zenio::sleep`], for hyper's
//!   header-read timeout.
//!
//! The third, `hyper::rt::Executor`, is for the tasks HTTP/2 spawns in the background; an
//! HTTP/1 connection is one future that its own task drives, so zenio does not need one.
//! asyncio has no equivalent: its HTTP libraries (aiohttp) are written for asyncio alone.

mod io;
mod timer;

pub use io::HyperIo;
pub use timer::ZenioTimer;
