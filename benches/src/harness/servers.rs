//! The catalogue of servers the harness measures: which binary and flags make each one, in
//! which group, and for which protocols. Rows whose binary is not built (or, for asyncio, with
//! no `python3`) are left out with a note saying so.
//!
//! Two groups. Single core: zenio coroutine, callback and poll; tokio `current_thread` (the
//! baseline); smol; monoio (io_uring); the floor server; asyncio in both styles (zen only,
//! for scale); hyper on zenio and on tokio (hello only). Per core, two event loops: zenio
//! coroutine and callback with `--cores 2`; tokio per-core (the baseline) and `multi_thread`
//! with 2 workers; monoio per-core; the floor with `--cores 2`. zenio's servers answer
//! `SIGTERM` with a graceful shutdown and one summary line per core; the peers simply die of
//! it.
//!
//! The single-core group is pinned with `taskset -c 0` (the load generator gets core 1). The
//! per-core group is not pinned from outside, and its servers run as zenio's do by default:
//! the kernel places their threads. Two rows ask for `--pin` (each loop's thread pinned to its
//! own core), zenio coroutine and tokio per-core, so that pinning is measured beside them.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::options::installed;

/// The protocol a workload speaks, and so the one a server must serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Proto {
    /// Zen questions and answers.
    Zen,
    /// HTTP/1.1 `hello`.
    Hello,
}

/// The two groups of servers, measured separately.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// One event loop on core 0, the load generator on core 1.
    #[default]
    SingleCore,
    /// Two event loops, one per core; the load generator shares those cores.
    PerCore,
}

impl Group {
    /// Both groups, in the order they are reported.
    pub const ALL: [Group; 2] = [Group::SingleCore, Group::PerCore];

    /// The group's name in plot file names.
    pub fn id(self) -> &'static str {
        match self {
            Group::SingleCore => "single-core",
            Group::PerCore => "per-core",
        }
    }
}

/// What a server is for, in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// One of zenio's own servers.
    Ours,
    /// The group's baseline: every ratio is taken against it.
    Baseline,
    /// The hand-written epoll server with no runtime.
    Floor,
    /// Another runtime.
    Peer,
    /// Shown for scale only (Python).
    Reference,
}

/// One server of the catalogue.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Server {
    /// A short name without spaces, for `--only`, JSON and plots: `zenio-coroutine`.
    pub id: String,
    /// The name in tables: `zenio coroutine`.
    pub name: String,
    /// Which group it is measured in.
    pub group: Group,
    /// Its part in the report.
    pub role: Role,
    /// The protocols it serves, and the command line for each.
    pub commands: Vec<(Proto, Vec<String>)>,
    /// Whether it is one of zenio's servers, which take `--max-conns` and exit 0 on SIGTERM.
    pub zenio: bool,
    /// Its colour in the plots, `#rrggbb`.
    pub colour: String,
}

impl Server {
    /// The command line that serves `proto` on any free port, if it serves it.
    pub fn command(&self, proto: Proto) -> Option<&[String]> {
        let (_, argv) = self.commands.iter().find(|(p, _)| *p == proto)?;
        Some(argv)
    }
}

/// Every server: id, name, group, role, its colour in the plots (a per-core server has its
/// single-core namesake's), and its command lines for zen and for hello (empty where it does
/// not serve that protocol). The first word is a binary of the target directory, or the
/// asyncio script in `peers/`, run with `python3`. The order is the order of the tables.
const CATALOGUE: &str = r##"[
["zenio-coroutine", "zenio coroutine", "single-core", "ours", "#d62728", "zen-server --arch coroutine", "hello-server --style coroutine"],
["zenio-callback", "zenio callback", "single-core", "ours", "#ff7f0e", "zen-server --arch callback", "hello-server --style callback"],
["zenio-poll", "zenio poll", "single-core", "ours", "#bcbd22", "zen-server --arch poll", ""],
["tokio-current-thread", "tokio current_thread", "single-core", "baseline", "#1f77b4", "tokio-server --proto zen --flavor current-thread --threads 1", "tokio-server --proto hello --flavor current-thread --threads 1"],
["smol", "smol", "single-core", "peer", "#9467bd", "smol-server --proto zen", "smol-server --proto hello"],
["monoio", "monoio", "single-core", "peer", "#8c6d31", "monoio-server --proto zen", "monoio-server --proto hello"],
["floor", "floor", "single-core", "floor", "#2ca02c", "floor-server --proto zen", "floor-server --proto hello"],
["asyncio-callback", "asyncio callback", "single-core", "reference", "#7f7f7f", "asyncio_zen.py --style callback", ""],
["asyncio-coroutine", "asyncio coroutine", "single-core", "reference", "#5a5a5a", "asyncio_zen.py --style coroutine", ""],
["hyper-zenio", "hyper on zenio", "single-core", "peer", "#e377c2", "", "hello-server --style hyper"],
["hyper-tokio", "hyper on tokio", "single-core", "peer", "#17becf", "", "hyper-tokio-server"],
["zenio-coroutine-2", "zenio coroutine, 2 cores", "per-core", "ours", "#d62728", "zen-server --arch coroutine --cores 2", "hello-server --style coroutine --cores 2"],
["zenio-callback-2", "zenio callback, 2 cores", "per-core", "ours", "#ff7f0e", "zen-server --arch callback --cores 2", "hello-server --style callback --cores 2"],
["zenio-coroutine-2-pinned", "zenio coroutine, 2 cores, pinned", "per-core", "ours", "#7b0f10", "zen-server --arch coroutine --cores 2 --pin", "hello-server --style coroutine --cores 2 --pin"],
["tokio-per-core-2", "tokio per-core, 2 cores", "per-core", "baseline", "#1f77b4", "tokio-server --proto zen --flavor per-core --threads 2", "tokio-server --proto hello --flavor per-core --threads 2"],
["tokio-per-core-2-pinned", "tokio per-core, 2 cores, pinned", "per-core", "peer", "#0b3c66", "tokio-server --proto zen --flavor per-core --threads 2 --pin", "tokio-server --proto hello --flavor per-core --threads 2 --pin"],
["tokio-multi-thread-2", "tokio multi_thread, 2 workers", "per-core", "peer", "#8c564b", "tokio-server --proto zen --flavor multi-thread --threads 2", "tokio-server --proto hello --flavor multi-thread --threads 2"],
["monoio-2", "monoio per-core, 2 cores", "per-core", "peer", "#8c6d31", "monoio-server --proto zen --flavor per-core --threads 2", "monoio-server --proto hello --flavor per-core --threads 2"],
["floor-2", "floor, 2 cores", "per-core", "floor", "#2ca02c", "floor-server --proto zen --cores 2", "floor-server --proto hello --cores 2"]
]"##;

/// The name in tables of the server `id` among `servers` (its id if it is not there).
pub fn name<'a>(servers: impl IntoIterator<Item = &'a Server>, id: &str) -> String {
    let server = servers.into_iter().find(|s| s.id == id);
    server.map_or(id, |s| &s.name).to_string()
}

/// The catalogue: every server that can run with the binaries in `bins` (a missing binary
/// fails its runs), and a note if the asyncio rows cannot run.
pub fn catalogue(bins: &Path) -> (Vec<Server>, Vec<String>) {
    let rows: Vec<(String, String, Group, Role, String, String, String)> =
        serde_json::from_str(CATALOGUE).expect("the catalogue is valid JSON");
    let (python, peers) = (
        installed("python3"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("peers"),
    );
    let argv = |line: &str| {
        let mut argv: Vec<String> = line.split(' ').map(String::from).collect();
        let script = argv[0].ends_with(".py");
        let dir = if script { &peers } else { bins };
        argv[0] = dir.join(&argv[0]).to_string_lossy().into();
        if script {
            argv.insert(0, "python3".into());
        }
        argv
    };
    let mut servers = Vec::new();
    for (id, name, group, role, colour, zen, hello) in rows {
        let zenio = zen.starts_with("zen-server") || hello.starts_with("hello-server");
        let runs = |line: &String| !line.is_empty() && (python || !line.contains(".py"));
        let commands = [(Proto::Zen, zen), (Proto::Hello, hello)].into_iter();
        let commands = commands.filter(|(_, line)| runs(line));
        let commands: Vec<_> = commands.map(|(proto, line)| (proto, argv(&line))).collect();
        if !commands.is_empty() {
            servers.push(Server {
                id,
                name,
                group,
                role,
                commands,
                zenio,
                colour,
            });
        }
    }
    let notes = match python {
        true => Vec::new(),
        false => vec!["python3 not found: the asyncio reference rows are skipped".into()],
    };
    (servers, notes)
}
