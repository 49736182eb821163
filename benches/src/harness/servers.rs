//! The catalogue of servers the harness measures: which binary and flags make each one, in
//! which group, and for which protocols. Rows whose binary is not built (or, for asyncio, with
//! no `python3`) are left out with a note saying so.
//!
//! Two groups. Single core: zenio coroutine, callback and poll; tokio `current_thread` (the
//! baseline); smol; the floor server; asyncio in both styles (zen only, for scale); hyper on
//! zenio and on tokio (hello only). Per core, two event loops: zenio coroutine and callback
//! with `--cores 2`; tokio per-core (the baseline) and `multi_thread` with 2 workers; the
//! floor with `--cores 2`. zenio's servers answer `SIGTERM` with a graceful shutdown and one
//! summary line per core; the peers simply die of it.
//!
//! The single-core group is pinned with `taskset -c 0` (the load generator gets core 1); the
//! per-core group is not pinned from outside, because zenio's `--cores`, tokio-server's
//! `per-core` and floor-server's `--cores` pin their own threads, one per core.

use std::path::PathBuf;
use std::process::Command;

/// The protocol a workload speaks, and so the one a server must serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// Zen questions and answers.
    Zen,
    /// HTTP/1.1 `hello`.
    Hello,
}

/// The two groups of servers, measured separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// One event loop on core 0, the load generator on core 1.
    SingleCore,
    /// Two event loops, one per core; the load generator shares those cores.
    PerCore,
}

impl Group {
    /// The group's name in tables, JSON and plot file names.
    pub fn id(self) -> &'static str {
        match self {
            Group::SingleCore => "single-core",
            Group::PerCore => "per-core",
        }
    }
}

/// What a server is for, in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug)]
pub struct Server {
    /// A short name without spaces, for `--only`, JSON and plots: `zenio-coroutine`.
    pub id: &'static str,
    /// The name in tables: `zenio coroutine`.
    pub name: &'static str,
    /// Which group it is measured in.
    pub group: Group,
    /// Its part in the report.
    pub role: Role,
    /// The protocols it serves, and the command line for each.
    commands: Vec<(Proto, Vec<String>)>,
    /// Whether it is one of zenio's servers, which take `--max-conns` and exit 0 on SIGTERM.
    pub zenio: bool,
}

impl Server {
    /// Whether it serves `proto`.
    pub fn serves(&self, proto: Proto) -> bool {
        self.commands.iter().any(|(p, _)| *p == proto)
    }

    /// The command line that serves `proto` on any free port, if it serves it.
    pub fn command(&self, proto: Proto) -> Option<&[String]> {
        let (_, argv) = self.commands.iter().find(|(p, _)| *p == proto)?;
        Some(argv)
    }
}

/// Where the binaries are: one directory holds both packages' (`target/release`, or
/// `target/debug` under `cargo test`).
#[derive(Clone, Debug)]
pub struct Bins {
    /// The directory.
    pub dir: PathBuf,
}

impl Bins {
    /// The path of binary `name`, if it has been built.
    pub fn find(&self, name: &str) -> Option<String> {
        let path = self.dir.join(name);
        path.is_file().then(|| path.to_string_lossy().into_owned())
    }
}

/// The catalogue: every server that can run here, and a note for each one that cannot.
pub fn catalogue(bins: &Bins) -> (Vec<Server>, Vec<String>) {
    let mut servers = Vec::new();
    let mut notes = Vec::new();
    let need = |name: &str, notes: &mut Vec<String>| {
        let found = bins.find(name);
        if found.is_none() {
            notes.push(format!(
                "{name} is not built in {}: its rows are skipped",
                bins.dir.display()
            ));
        }
        found
    };
    let zen = need("zen-server", &mut notes);
    let hello = need("hello-server", &mut notes);
    let tokio = need("tokio-server", &mut notes);
    let smol = need("smol-server", &mut notes);
    let floor = need("floor-server", &mut notes);
    let args = |bin: &Option<String>, rest: &[&str]| -> Option<Vec<String>> {
        let bin = bin.as_ref()?;
        Some(
            std::iter::once(bin.clone())
                .chain(rest.iter().map(|s| s.to_string()))
                .collect(),
        )
    };
    let mut add = |id, name, group, role, zenio, cmds: Vec<(Proto, Option<Vec<String>>)>| {
        let commands: Vec<_> = cmds
            .into_iter()
            .filter_map(|(p, c)| Some((p, c?)))
            .collect();
        if !commands.is_empty() {
            servers.push(Server {
                id,
                name,
                group,
                role,
                commands,
                zenio,
            });
        }
    };
    use Group::{PerCore, SingleCore};
    use Proto::{Hello, Zen};
    // The single-core group: one event loop each.
    for (id, name, arch) in [
        ("zenio-coroutine", "zenio coroutine", "coroutine"),
        ("zenio-callback", "zenio callback", "callback"),
    ] {
        let cmds = vec![
            (Zen, args(&zen, &["--arch", arch])),
            (Hello, args(&hello, &["--style", arch])),
        ];
        add(id, name, SingleCore, Role::Ours, true, cmds);
    }
    add(
        "zenio-poll",
        "zenio poll",
        SingleCore,
        Role::Ours,
        true,
        vec![(Zen, args(&zen, &["--arch", "poll"]))],
    );
    let tokio_cmds = |flavor: &str, threads: &str| {
        vec![
            (
                Zen,
                args(
                    &tokio,
                    &["--proto", "zen", "--flavor", flavor, "--threads", threads],
                ),
            ),
            (
                Hello,
                args(
                    &tokio,
                    &["--proto", "hello", "--flavor", flavor, "--threads", threads],
                ),
            ),
        ]
    };
    add(
        "tokio-current-thread",
        "tokio current_thread",
        SingleCore,
        Role::Baseline,
        false,
        tokio_cmds("current-thread", "1"),
    );
    let proto_cmds = |bin: &Option<String>, extra: &[&str]| {
        let with = |proto: &str| {
            let mut rest = vec!["--proto", proto];
            rest.extend_from_slice(extra);
            args(bin, &rest)
        };
        vec![(Zen, with("zen")), (Hello, with("hello"))]
    };
    add(
        "smol",
        "smol",
        SingleCore,
        Role::Peer,
        false,
        proto_cmds(&smol, &[]),
    );
    add(
        "floor",
        "floor",
        SingleCore,
        Role::Floor,
        false,
        proto_cmds(&floor, &[]),
    );
    match python3() {
        Some(python) => {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/asyncio_zen.py").to_string();
            for (id, name, style) in [
                ("asyncio-callback", "asyncio callback", "callback"),
                ("asyncio-coroutine", "asyncio coroutine", "coroutine"),
            ] {
                let argv = vec![
                    python.clone(),
                    script.clone(),
                    "--style".into(),
                    style.into(),
                ];
                add(
                    id,
                    name,
                    SingleCore,
                    Role::Reference,
                    false,
                    vec![(Zen, Some(argv))],
                );
            }
        }
        None => notes.push("python3 not found: the asyncio reference rows are skipped".into()),
    }
    if hello
        .as_ref()
        .is_some_and(|bin| help_mentions(bin, "hyper"))
    {
        add(
            "hyper-zenio",
            "hyper on zenio",
            SingleCore,
            Role::Peer,
            true,
            vec![(Hello, args(&hello, &["--style", "hyper"]))],
        );
    } else {
        notes.push("hello-server has no --style hyper: the hyper-on-zenio row is skipped".into());
    }
    match bins.find("hyper-tokio-server") {
        Some(bin) => add(
            "hyper-tokio",
            "hyper on tokio",
            SingleCore,
            Role::Peer,
            false,
            vec![(Hello, Some(vec![bin]))],
        ),
        None => {
            notes.push("hyper-tokio-server is not built: the hyper-on-tokio row is skipped".into())
        }
    }
    // The per-core group: two event loops each.
    for (id, name, arch) in [
        ("zenio-coroutine-2", "zenio coroutine, 2 cores", "coroutine"),
        ("zenio-callback-2", "zenio callback, 2 cores", "callback"),
    ] {
        let cmds = vec![
            (Zen, args(&zen, &["--arch", arch, "--cores", "2"])),
            (Hello, args(&hello, &["--style", arch, "--cores", "2"])),
        ];
        add(id, name, PerCore, Role::Ours, true, cmds);
    }
    add(
        "tokio-per-core-2",
        "tokio per-core, 2 cores",
        PerCore,
        Role::Baseline,
        false,
        tokio_cmds("per-core", "2"),
    );
    add(
        "tokio-multi-thread-2",
        "tokio multi_thread, 2 workers",
        PerCore,
        Role::Peer,
        false,
        tokio_cmds("multi-thread", "2"),
    );
    add(
        "floor-2",
        "floor, 2 cores",
        PerCore,
        Role::Floor,
        false,
        proto_cmds(&floor, &["--cores", "2"]),
    );
    (servers, notes)
}

/// `python3`, if it is on the `PATH` and runs.
fn python3() -> Option<String> {
    let ran = Command::new("python3").arg("--version").output().ok()?;
    ran.status.success().then(|| "python3".to_string())
}

/// Whether `bin --help` mentions `word` (a flag value that may not exist yet).
fn help_mentions(bin: &str, word: &str) -> bool {
    Command::new(bin)
        .arg("--help")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(word))
}
