//! hyper on zenio: the three things hyper asks of a runtime (feature `hyper`).
//!
//! hyper 1.x belongs to no runtime. It never opens a socket, starts a timer or spawns a task
//! itself; it asks for them through the traits of `hyper::rt`, and each runtime supplies them
//! (tokio users get theirs from hyper-util: `TokioIo`, `TokioTimer`, `TokioExecutor`):
//!
//! - **`Read` and `Write`**, the connection: [`ZenioIo`] (`io.rs`) wraps any zenio stream,
//!   so hyper's reads and writes are zenio's `recv` and `send`;
//! - **`Timer`**, hyper's clock: [`ZenioTimer`] (`timer.rs`) over [`crate::sleep`], for
//!   HTTP/1's header-read timeout and HTTP/2's keep-alive pings;
//! - **`Executor`**, for the tasks HTTP/2 starts in the background (one per stream on a
//!   server, the connection and request bodies on a client): [`ZenioExecutor`]
//!   (`executor.rs`) over [`crate::spawn`]. An HTTP/1 connection needs none: it is one
//!   future, driven by the task that awaits it.
//!
//! All three act on the runtime of the thread that polls the connection, so await hyper's
//! connections inside zenio ([`crate::block_on`] or a task). Since that thread is the only
//! one, nothing needs to be `Send`: not the stream, not the service, not its futures (see
//! [`ZenioExecutor`] for hyper's exact bounds).
//!
//! zenio asks nothing of hyper but these traits, which hyper has with none of its features
//! on: the application turns on the protocols and sides it uses (`http1`, `http2`, `server`,
//! `client`) in its own `Cargo.toml`, as with hyper-util.
//!
//! asyncio has no such seam: its HTTP libraries (aiohttp) are written for asyncio alone,
//! over its transports and `loop.create_task`. The nearest thing is AnyIO, one API over
//! asyncio or Trio.

mod executor;
mod io;
mod timer;

pub use executor::ZenioExecutor;
pub use io::ZenioIo;
pub use timer::ZenioTimer;
