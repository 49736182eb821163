//! `zen-client`: asks a zen server questions, like the seed's `client.py`.
//!
//! Run it:   `cargo run --release --bin zen-client -- [HOST] [-p PORT] [--cause-error] [--count N]`
//!
//! By default it asks three random aphorisms and prints each question and answer.
//! `--cause-error` sends a question without its `?` and closes (the server logs "sent ...
//! but then closed"). `--count N` asks N questions, checks every answer and prints a summary.

use std::hash::{BuildHasher, RandomState};
use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process;
use std::time::Instant;

use clap::Parser;
use zenio_servers::cli::{fail, resolve};
use zenio_servers::protocol::zen::APHORISMS;

/// Asks a zen server Zen of Python questions.
#[derive(Parser)]
#[command(name = "zen-client")]
struct Args {
    /// The server's address.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(short, default_value_t = 1060)]
    port: u16,
    /// Send an unfinished question, then close.
    #[arg(long)]
    cause_error: bool,
    /// Ask this many questions, check each answer, print a summary.
    #[arg(long)]
    count: Option<u64>,
}

fn main() {
    let args = Args::parse();
    match run(&args) {
        Ok(0) => {}
        Ok(wrong) => {
            eprintln!("zen-client: {wrong} wrong answers");
            process::exit(1);
        }
        Err(error) => fail("zen-client", error),
    }
}

/// Talks to the server; returns the number of wrong answers.
fn run(args: &Args) -> io::Result<u64> {
    let mut stream = TcpStream::connect(resolve(&args.host, args.port)?)?;
    let (local, server) = (stream.local_addr()?, stream.peer_addr()?);
    println!("client {local} connected to {server}");
    if args.cause_error {
        let (question, _) = APHORISMS[0];
        stream.write_all(&question[..question.len() - 1])?;
        return Ok(0);
    }
    let mut answers = BufReader::new(stream.try_clone()?);
    // Without `--count`: three questions, each printed with its answer.
    let (count, verbose) = (args.count.unwrap_or(3), args.count.is_none());
    // Random picks without a dependency: std's randomly seeded hasher, hashing `0, 1, 2...`.
    let random = RandomState::new();
    let mut wrong = 0;
    let started = Instant::now();
    for asked in 0..count {
        let (question, expected) = APHORISMS[random.hash_one(asked) as usize % APHORISMS.len()];
        stream.write_all(question)?;
        let mut reply = Vec::new();
        answers.read_until(b'.', &mut reply)?;
        if reply.last() != Some(&b'.') {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed before answering",
            ));
        }
        if reply != expected {
            wrong += 1;
        }
        if verbose {
            println!("{} {}", question.escape_ascii(), reply.escape_ascii());
        }
    }
    if !verbose {
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{count} questions, {} right, {wrong} wrong, in {seconds:.3} s ({:.0} per second)",
            count - wrong,
            count as f64 / seconds
        );
    }
    Ok(wrong)
}
