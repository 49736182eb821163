//! Read and write halves of a [`TcpStream`], so one task (or two) can read and write at once.
//!
//! A socket's two directions are independent: its source keeps a reader's waker and a
//! writer's waker apart, so a half is just another way to reach the same stream. asyncio hands
//! out the same pair from `asyncio.open_connection`: a `StreamReader` and a `StreamWriter`.
//!
//! See chapter 8 of the book: `docs/08-async-tcp.md`.

use std::borrow::Borrow;
use std::rc::Rc;

use super::stream::{impl_async_read, impl_async_write};
use super::TcpStream;

/// The reading half of a borrowed stream, from [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(pub(crate) &'a TcpStream);

/// The writing half of a borrowed stream, from [`TcpStream::split`].
#[derive(Debug)]
pub struct WriteHalf<'a>(pub(crate) &'a TcpStream);

/// The reading half of an owned stream, from [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf(pub(crate) Rc<TcpStream>);

/// The writing half of an owned stream, from [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedWriteHalf(pub(crate) Rc<TcpStream>);

impl Borrow<TcpStream> for ReadHalf<'_> {
    fn borrow(&self) -> &TcpStream {
        self.0
    }
}

impl Borrow<TcpStream> for WriteHalf<'_> {
    fn borrow(&self) -> &TcpStream {
        self.0
    }
}

impl Borrow<TcpStream> for OwnedReadHalf {
    fn borrow(&self) -> &TcpStream {
        &self.0
    }
}

impl Borrow<TcpStream> for OwnedWriteHalf {
    fn borrow(&self) -> &TcpStream {
        &self.0
    }
}

impl std::ops::Deref for OwnedReadHalf {
    type Target = TcpStream;

    /// The stream, for `read` and `peer_addr`.
    fn deref(&self) -> &TcpStream {
        &self.0
    }
}

impl std::ops::Deref for OwnedWriteHalf {
    type Target = TcpStream;

    /// The stream, for `write_all` and `shutdown`.
    fn deref(&self) -> &TcpStream {
        &self.0
    }
}

impl_async_read!(ReadHalf<'_>, OwnedReadHalf);
impl_async_write!(WriteHalf<'_>, OwnedWriteHalf);
