//! What the kernel says about our sockets, read from `/proc`, for the tests that check what
//! the runtime did to a socket rather than what it returned.
//!
//! Every test file is its own process, but the tests of one file run in parallel threads that
//! share one descriptor table; so these helpers name one socket exactly (by its addresses and
//! its inode) instead of counting every descriptor of the process.
#![allow(dead_code)]

use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

/// The kernel's line about one TCP socket in `/proc/net/tcp`.
#[derive(Debug, Clone, Copy)]
pub struct TcpEntry {
    /// Bytes received and not yet read by the application.
    pub rx_queue: u64,
    /// The socket's inode: `/proc/self/fd/N` links to `socket:[inode]` while it is open.
    pub inode: u64,
}

/// The IPv4 TCP socket whose local address is `local` and whose peer is `remote`, if the
/// kernel still knows it.
pub fn tcp_entry(local: SocketAddr, remote: SocketAddr) -> io::Result<Option<TcpEntry>> {
    let table = fs::read_to_string("/proc/net/tcp")?;
    // Columns: sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 10 {
            continue;
        }
        if parse_addr(fields[1]) != Some(local) || parse_addr(fields[2]) != Some(remote) {
            continue;
        }
        let rx_queue = fields[4]
            .split_once(':')
            .and_then(|(_, rx)| u64::from_str_radix(rx, 16).ok());
        let inode = fields[9].parse().ok();
        if let (Some(rx_queue), Some(inode)) = (rx_queue, inode) {
            return Ok(Some(TcpEntry { rx_queue, inode }));
        }
    }
    Ok(None)
}

/// `0100007F:1F90` (the address as the kernel's integer in host order, the port in hex).
fn parse_addr(field: &str) -> Option<SocketAddr> {
    let (ip, port) = field.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddr::from((Ipv4Addr::from(ip.to_ne_bytes()), port)))
}

/// The descriptors of this process that refer to the socket with this inode.
pub fn fds_of_socket(inode: u64) -> io::Result<Vec<u32>> {
    let wanted = format!("socket:[{inode}]");
    let mut fds = Vec::new();
    for entry in fs::read_dir("/proc/self/fd")? {
        let entry = entry?;
        // Another thread may close a descriptor between the listing and the readlink.
        let Ok(target) = fs::read_link(entry.path()) else {
            continue;
        };
        if target.as_os_str() == wanted.as_str() {
            if let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
                fds.push(fd);
            }
        }
    }
    Ok(fds)
}

/// How many descriptors this process has open.
pub fn open_fd_count() -> io::Result<usize> {
    Ok(fs::read_dir("/proc/self/fd")?.count())
}

/// Whether an epoll instance of this process watches the socket open as descriptor `fd`: its
/// `/proc/self/fdinfo` lists a `tfd` with that number and the socket's inode.
pub fn epoll_watches(fd: std::os::fd::RawFd) -> io::Result<bool> {
    let target = fs::read_link(format!("/proc/self/fd/{fd}"))?;
    let inode = target
        .to_str()
        .and_then(|t| {
            t.strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse::<u64>()
                .ok()
        })
        .ok_or_else(|| io::Error::other(format!("fd {fd} is not a socket: {target:?}")))?;
    for entry in fs::read_dir("/proc/self/fd")? {
        let entry = entry?;
        let Ok(link) = fs::read_link(entry.path()) else {
            continue;
        };
        if link.as_os_str() != "anon_inode:[eventpoll]" {
            continue;
        }
        let Ok(info) =
            fs::read_to_string(format!("/proc/self/fdinfo/{}", entry.file_name().display()))
        else {
            continue;
        };
        // Lines such as: `tfd:        9 events:       19 data: ...  pos:0 ino:4f2a sdev:8`
        let watched = info.lines().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let ino = fields.iter().find_map(|f| f.strip_prefix("ino:"));
            fields.first() == Some(&"tfd:")
                && fields.get(1) == Some(&fd.to_string().as_str())
                && ino.and_then(|i| u64::from_str_radix(i, 16).ok()) == Some(inode)
        });
        if watched {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A directory of its own under the system's temp dir, for Unix socket files; removed, with
/// what is in it, when dropped.
pub struct TempDir {
    /// The directory.
    pub path: std::path::PathBuf,
}

impl TempDir {
    /// Creates `<temp>/zenio-<name>-<pid>-<n>`: unique to this test process and call.
    pub fn new(name: &str) -> io::Result<TempDir> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("zenio-{name}-{}-{n}", std::process::id()));
        fs::create_dir(&path)?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}
