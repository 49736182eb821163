//! Graceful shutdown, in three parts.
//!
//! 1. [`signals`]: SIGINT or SIGTERM writes a byte to each event loop's self-pipe
//!    ([`StopSignal`]); a second signal ends the process at once, with status 1.
//! 2. [`drain`]: each loop, hearing the signal, takes the clients still queued (their
//!    handshake finished before the signal, so their requests are owed answers), closes its
//!    listener, and once every loop of the server has closed its listener, *drains*: each
//!    conversation takes its last look (see [`Conversation`](crate::conversation)) and
//!    closes. The loop waits at most the grace period for the last one; nothing it does
//!    blocks its thread.
//! 3. [`summary`]: each loop, thread or worker then reports what it served, one line each.
//!
//! asyncio's version is `loop.add_signal_handler(SIGTERM, ...)`, then `server.close()` and
//! `await server.wait_closed()`; the last look has no asyncio name.

pub mod drain;
pub mod signals;
pub mod summary;

pub use drain::{Drain, OpenConnection, Stage, Stopping};
pub use signals::{install, StopSignal};
pub use summary::{print_summaries, print_summary, Summary};
