//! zenio-servers: the `zen` and `hello` servers in every architecture of the source
//! documents, and the `zen` client.
//!
//! - [`protocol`]: the two protocols, sans-I/O (bytes in, answers out), written once.
//! - [`arch`]: the architectures, from `serial` to `coroutine`, each a short file that
//!   drives a protocol session.
//! - [`log`]: the per-connection log lines.
//!
//! The binaries `zen-server`, `hello-server` and `zen-client` are thin command lines over
//! these modules.
#![forbid(unsafe_code)]

pub mod arch;
pub mod cli;
pub mod conversation;
pub mod hyper_hello;
pub mod hyper_rt;
pub mod limits;
pub mod log;
pub mod protocol;
pub mod shutdown;
pub mod stop;
