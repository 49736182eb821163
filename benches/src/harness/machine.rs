//! The machine a comparison ran on, and when: what the report needs to be reproduced.
//!
//! Each fact comes from the command a reader would type to check it: `nproc`, `lscpu`,
//! `uname -r`, `rustc -V`, `git rev-parse`, `date -u`.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

/// Where and when.
#[derive(Clone, Debug)]
pub struct Machine {
    /// Cores this process may run on (`nproc`).
    pub cores: usize,
    /// The CPU model (`lscpu`'s `Model name`).
    pub model: String,
    /// The kernel release (`uname -r`).
    pub kernel: String,
    /// The compiler (`rustc -V`).
    pub rustc: String,
    /// The commit measured, with `+ local changes` when the tree is dirty.
    pub commit: String,
    /// When the comparison started, UTC (`date -u`).
    pub date: String,
}

impl Machine {
    /// Asks the machine; `root` is the repository, for the commit.
    pub fn describe(root: &Path) -> Self {
        let model = output("lscpu", &[])
            .lines()
            .find_map(|line| {
                line.strip_prefix("Model name:")
                    .map(|m| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let root = root.to_string_lossy();
        let mut commit = output("git", &["-C", &root, "rev-parse", "--short", "HEAD"]);
        if commit.is_empty() {
            commit = "unknown".into();
        } else if !output("git", &["-C", &root, "status", "--porcelain"]).is_empty() {
            commit.push_str(" + local changes");
        }
        Self {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            model,
            kernel: output("uname", &["-r"]),
            rustc: output(
                &std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()),
                &["-V"],
            ),
            commit,
            date: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        }
    }

    /// One line for the report.
    pub fn line(&self) -> String {
        format!(
            "{} CPUs (`nproc`), `{}` (`lscpu`), kernel `{}`, {}, zenio at `{}`",
            self.cores, self.model, self.kernel, self.rustc, self.commit
        )
    }

    /// As JSON, for `compare.json`.
    pub fn json(&self) -> Value {
        json!({
            "cores": self.cores, "model": self.model, "kernel": self.kernel,
            "rustc": self.rustc, "commit": self.commit, "date": self.date,
        })
    }
}

/// A command's stdout, trimmed; empty if it could not run.
fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_default()
}
