//! The driver against small servers on loopback: right, wrong, silent, absent, and closing
//! after each answer. Each server is a few threads around a std listener bound to port 0.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use zenio_servers::protocol::hello::HELLO_THEN_CLOSE;
use zenio_servers::protocol::zen::ZenSession;
use zenio_servers::protocol::Session;

use super::driver::run;
use super::plan::{Length, Plan};
use super::workload::Workload;

/// A plan for `workload` against `addr`, with a 2-second timeout and no warmup.
fn plan(
    workload: Workload,
    addr: SocketAddr,
    connections: usize,
    pipeline: usize,
    length: Length,
) -> Plan {
    Plan {
        program: "test",
        workload,
        addr,
        connections,
        pipeline,
        rate: None,
        late: Duration::from_millis(1),
        length,
        warmup: Duration::ZERO,
        timeout: Duration::from_secs(2),
        json: false,
    }
}

/// Serves each connection on its own thread with `serve`; returns the address.
fn server(serve: fn(TcpStream) -> io::Result<()>) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    Ok(addr)
}

/// The real zen protocol.
fn zen(mut stream: TcpStream) -> io::Result<()> {
    let (mut session, mut buf, mut out) = (ZenSession::default(), [0; 4096], Vec::new());
    loop {
        let read = stream.read(&mut buf)?;
        if read == 0 {
            return Ok(());
        }
        out.clear();
        session.feed(&buf[..read], &mut out);
        stream.write_all(&out)?;
    }
}

/// A zen server that answers `ugly.` to every question.
fn always_ugly(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0; 4096];
    loop {
        let read = stream.read(&mut buf)?;
        if read == 0 {
            return Ok(());
        }
        let questions = buf[..read].iter().filter(|&&byte| byte == b'?').count();
        stream.write_all(&b"ugly.".repeat(questions))?;
    }
}

/// One `Connection: close` answer once the request head has arrived, then close.
fn hello_then_close(mut stream: TcpStream) -> io::Result<()> {
    let (mut head, mut buf) = (Vec::new(), [0; 1024]);
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut buf)?;
        if read == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..read]);
    }
    stream.write_all(HELLO_THEN_CLOSE)
}

#[test]
fn every_answer_of_a_real_zen_session_is_right() -> io::Result<()> {
    let addr = server(zen)?;
    let report = run(&plan(Workload::Zen, addr, 3, 4, Length::Requests(500)))?;
    assert_eq!(
        (report.requests, report.wrong, report.errors.total()),
        (500, 0, 0)
    );
    assert!(report.latency[0] > 0.0);
    Ok(())
}

#[test]
fn wrong_answers_are_counted_one_by_one() -> io::Result<()> {
    let addr = server(always_ugly)?;
    let report = run(&plan(Workload::Zen, addr, 1, 7, Length::Requests(70)))?;
    // Round-robin over seven aphorisms: only the first of every seven is `ugly.`.
    assert_eq!((report.requests, report.wrong), (70, 60));
    Ok(())
}

#[test]
fn each_connection_per_request_answer_is_checked_whole() -> io::Result<()> {
    let addr = server(hello_then_close)?;
    let report = run(&plan(Workload::HttpClose, addr, 4, 1, Length::Requests(50)))?;
    assert_eq!(
        (report.requests, report.wrong, report.errors.total()),
        (50, 0, 0)
    );
    Ok(())
}

#[test]
fn one_question_conversations_end_with_the_servers_eof() -> io::Result<()> {
    // The real zen session closes when it reads the client's EOF, which the generator
    // sends only after each answer.
    let addr = server(zen)?;
    let plan = plan(Workload::ZenOneQuestion, addr, 4, 1, Length::Requests(60));
    let report = run(&plan)?;
    assert_eq!(
        (report.requests, report.wrong, report.errors.total()),
        (60, 0, 0)
    );
    Ok(())
}

#[test]
fn a_silent_server_holds_the_generator_no_longer_than_the_timeout() -> io::Result<()> {
    // The kernel completes the handshakes of a listener nobody accepts on.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut silent = plan(
        Workload::Zen,
        listener.local_addr()?,
        5,
        2,
        Length::Requests(100),
    );
    silent.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let report = run(&silent)?;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((report.requests, report.errors.timeout), (0, 5));
    Ok(())
}

#[test]
fn a_silent_server_holds_the_generator_no_longer_than_the_duration() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let length = Length::Time(Duration::from_millis(300));
    let started = Instant::now();
    let report = run(&plan(
        Workload::HttpKeepAlive,
        listener.local_addr()?,
        5,
        1,
        length,
    ))?;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.requests, 0);
    Ok(())
}

#[test]
fn refused_connections_are_counted_as_errors() -> io::Result<()> {
    let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let report = run(&plan(Workload::Zen, addr, 3, 1, Length::Requests(10)))?;
    assert_eq!((report.requests, report.errors.connect), (0, 3));
    let report = run(&plan(Workload::HttpClose, addr, 3, 1, Length::Requests(10)))?;
    assert_eq!((report.requests, report.errors.connect), (0, 10));
    Ok(())
}

#[test]
fn a_fixed_rate_run_sends_each_request_it_offers_once_and_checks_its_answer() -> io::Result<()> {
    let addr = server(zen)?;
    let mut fixed = plan(Workload::Zen, addr, 4, 64, Length::Requests(100));
    fixed.rate = Some(2000.0);
    let report = run(&fixed)?;
    assert_eq!(
        (report.requests, report.wrong, report.errors.total()),
        (100, 0, 0)
    );
    assert_eq!((report.pace.due, report.pace.skipped), (100, 0));
    Ok(())
}

#[test]
fn a_connection_at_its_pipeline_bound_skips_its_turn_and_the_run_is_invalid() -> io::Result<()> {
    // Nobody answers: the one connection sends two requests, skips the other eight as they
    // come due, and is given up when its first answer is --timeout late.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut stuck = plan(
        Workload::Zen,
        listener.local_addr()?,
        1,
        2,
        Length::Requests(10),
    );
    stuck.rate = Some(10_000.0);
    stuck.timeout = Duration::from_millis(300);
    let report = run(&stuck)?;
    assert_eq!((report.pace.due, report.pace.skipped), (10, 8));
    assert_eq!((report.requests, report.errors.timeout), (0, 1));
    let why = report.invalid.expect("a run that skipped sends is invalid");
    assert!(why.contains("8 of 10 sends skipped"), "{why}");
    Ok(())
}
