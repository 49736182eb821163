//! zenio-servers: the `zen` and `hello` servers in every architecture of the source
//! documents, and the `zen` client.
//!
//! - [`protocol`]: the two protocols, sans-I/O (bytes in, answers out), written once.
//! - [`conversation`]: the rules of one connection around its protocol (deadlines, the
//!   lingering close, the last look at shutdown), sans-I/O too, written once.
//! - [`accept`]: the accept policy (connection cap, running out of descriptors).
//! - [`shutdown`]: the stop signal, draining, and the summary lines.
//! - [`arch`]: the architectures, from `serial` to `coroutine`, each a short file that
//!   drives conversations and differs from the others only in how it waits.
//! - [`log`]: the per-connection log lines.
//!
//! The binaries `zen-server`, `hello-server` and `zen-client` are thin command lines over
//! these modules.
#![forbid(unsafe_code)]

pub mod accept;
pub mod arch;
pub mod cli;
pub mod conversation;
pub mod hyper_hello;
pub mod log;
pub mod protocol;
pub mod shutdown;
