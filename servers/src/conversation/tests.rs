//! The conversation's rules, driven with no socket: time is an input, writes take what the
//! test allows, and the client is a script of events.

use std::io;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::protocol::zen::{APHORISMS, MAX_QUESTION, TOO_LONG, UNKNOWN};
use crate::protocol::{HelloSession, ZenSession};

impl PartialEq for Ending {
    /// Equal if of the same kind (errors compare by kind).
    fn eq(&self, other: &Ending) -> bool {
        match (self, other) {
            (Ending::Clean, Ending::Clean) => true,
            (Ending::Unfinished(a), Ending::Unfinished(b)) => a == b,
            (Ending::Expired(a), Ending::Expired(b)) => a == b,
            (Ending::Failed(a), Ending::Failed(b)) => a.kind() == b.kind(),
            _ => false,
        }
    }
}

impl Eq for Ending {}

const LIMITS: Limits = Limits {
    idle: Duration::from_secs(60),
    request: Duration::from_secs(10),
    max_connections: 1,
};

const QUESTION: &[u8] = b"Beautiful is better than?";
const ANSWER: &[u8] = b"ugly.";

/// A zen conversation that began at `start`.
fn zen(start: Instant) -> Conversation<ZenSession> {
    Conversation::new(start, &LIMITS)
}

/// Writes everything the conversation owes, as one socket that takes all; returns it.
fn drain_writes<S: Session>(conversation: &mut Conversation<S>, now: Instant) -> Vec<u8> {
    let mut sent = Vec::new();
    while let Next::Write(bytes) = conversation.next(now) {
        sent.extend_from_slice(bytes);
        let n = bytes.len();
        conversation.wrote(n);
    }
    sent
}

#[test]
fn a_question_is_answered_then_the_conversation_waits_for_the_next() {
    let start = Instant::now();
    let mut conversation = zen(start);
    assert_eq!(conversation.next(start), Next::Read);
    conversation.received(QUESTION, start, &LIMITS);
    assert_eq!(conversation.next(start), Next::Write(ANSWER));
    conversation.wrote(ANSWER.len());
    assert_eq!(conversation.next(start), Next::Read);
    assert_eq!(conversation.answered(), 1);
}

#[test]
fn every_split_of_two_questions_gives_the_same_two_answers() {
    let start = Instant::now();
    let input = [QUESTION, b"Flat is better than?"].concat();
    for cut in 0..=input.len() {
        let mut conversation = zen(start);
        let mut sent = Vec::new();
        for piece in [&input[..cut], &input[cut..]] {
            conversation.received(piece, start, &LIMITS);
            sent.extend(drain_writes(&mut conversation, start));
        }
        assert_eq!(sent, b"ugly.nested.", "cut at {cut}");
    }
}

#[test]
fn answers_received_into_a_callers_buffer_are_not_owed_and_a_rejection_still_lingers() {
    let start = Instant::now();
    let mut conversation = zen(start);
    let mut out = b"earlier.".to_vec();
    conversation.received_into(QUESTION, start, &LIMITS, &mut out);
    assert_eq!(out, b"earlier.ugly.");
    assert_eq!(conversation.next(start), Next::Read);
    assert_eq!(conversation.answered(), 1);

    let mut out = Vec::new();
    conversation.received_into(&vec![b'a'; MAX_QUESTION + 1], start, &LIMITS, &mut out);
    assert_eq!(out, TOO_LONG);
    assert_eq!(conversation.next(start), Next::ShutDown);
}

#[test]
fn nothing_is_read_while_an_answer_is_owed_and_a_partial_write_continues() {
    let start = Instant::now();
    let mut conversation = zen(start);
    conversation.received(QUESTION, start, &LIMITS);
    conversation.wrote(2);
    assert_eq!(conversation.next(start), Next::Write(b"ly."));
    assert_eq!(conversation.next(start), Next::Write(b"ly."), "asked again");
    conversation.wrote(3);
    assert_eq!(conversation.next(start), Next::Read);
}

#[test]
fn eof_between_questions_closes_cleanly_and_eof_in_one_says_what_was_sent() {
    let start = Instant::now();
    let mut clean = zen(start);
    clean.received(QUESTION, start, &LIMITS);
    drain_writes(&mut clean, start);
    clean.eof();
    assert_eq!(clean.next(start), Next::Close);
    assert_eq!(clean.finish(), Ending::Clean);

    let mut cut = zen(start);
    cut.received(b"Beautiful is", start, &LIMITS);
    cut.eof();
    assert_eq!(cut.next(start), Next::Close);
    assert_eq!(
        cut.finish(),
        Ending::Unfinished("b\"Beautiful is\"".to_string())
    );
}

#[test]
fn a_silent_client_is_closed_at_the_idle_deadline_and_not_before() {
    let start = Instant::now();
    let mut conversation = zen(start);
    assert_eq!(conversation.deadline(), start + LIMITS.idle);
    let just_before = start + LIMITS.idle - Duration::from_millis(1);
    assert_eq!(conversation.next(just_before), Next::Read);
    assert_eq!(conversation.next(start + LIMITS.idle), Next::Close);
    assert_eq!(conversation.finish(), Ending::Expired(Expiry::Idle));
}

#[test]
fn a_trickled_question_is_closed_at_the_request_deadline() {
    let start = Instant::now();
    let mut conversation = zen(start);
    for second in 0..10 {
        let now = start + Duration::from_secs(second);
        conversation.received(b"a", now, &LIMITS);
        assert_eq!(conversation.next(now), Next::Read);
    }
    assert_eq!(conversation.next(start + LIMITS.request), Next::Close);
    assert_eq!(conversation.finish(), Ending::Expired(Expiry::Request));
}

#[test]
fn an_answer_the_client_never_reads_is_dropped_at_the_deadline() {
    let start = Instant::now();
    let mut conversation = zen(start);
    conversation.received(QUESTION, start, &LIMITS);
    assert_eq!(conversation.next(start), Next::Write(ANSWER));
    assert_eq!(conversation.next(start + LIMITS.idle), Next::Close);
    assert_eq!(conversation.finish(), Ending::Expired(Expiry::Idle));
}

#[test]
fn at_stop_the_last_look_answers_what_arrived_then_closes() {
    let start = Instant::now();
    let mut conversation = zen(start);
    conversation.stop();
    assert_eq!(conversation.next(start), Next::ReadNow);
    conversation.received(QUESTION, start, &LIMITS);
    assert_eq!(drain_writes(&mut conversation, start), ANSWER);
    assert_eq!(conversation.next(start), Next::ReadNow);
    conversation.nothing_to_read();
    assert_eq!(conversation.next(start), Next::Close);
    assert_eq!(conversation.finish(), Ending::Clean);
}

#[test]
fn stop_while_an_answer_is_owed_writes_it_first() {
    let start = Instant::now();
    let mut conversation = zen(start);
    conversation.received(QUESTION, start, &LIMITS);
    conversation.stop();
    assert_eq!(conversation.next(start), Next::Write(ANSWER));
}

/// A conversation that has just rejected a question that was too long.
fn rejected(start: Instant) -> Conversation<ZenSession> {
    let mut conversation = zen(start);
    conversation.received(&vec![b'a'; MAX_QUESTION + 1], start, &LIMITS);
    assert_eq!(drain_writes(&mut conversation, start), TOO_LONG);
    assert_eq!(conversation.next(start), Next::ShutDown);
    conversation.shut_down();
    conversation
}

#[test]
fn a_rejected_client_gets_its_answer_a_fin_then_lingers_until_its_eof() {
    let start = Instant::now();
    let mut conversation = rejected(start);
    assert_eq!(conversation.next(start), Next::Read);
    conversation.received(&[b'a'; 4096], start, &LIMITS);
    assert_eq!(
        conversation.next(start),
        Next::Read,
        "discarded, not answered"
    );
    conversation.eof();
    assert_eq!(conversation.next(start), Next::Close);
    assert_eq!(conversation.finish(), Ending::Clean);
}

#[test]
fn lingering_ends_after_linger_time_or_linger_limit() {
    let start = Instant::now();
    let mut timed = rejected(start);
    assert_eq!(timed.deadline(), start + LINGER_TIME);
    assert_eq!(timed.next(start + LINGER_TIME), Next::Close);
    assert_eq!(timed.finish(), Ending::Clean);

    let mut flooded = rejected(start);
    for _ in 0..=LINGER_LIMIT / 65_536 {
        flooded.received(&[b'a'; 65_536], start, &LIMITS);
    }
    assert_eq!(flooded.next(start), Next::Close);
}

#[test]
fn a_failed_read_or_write_closes_at_once_and_drops_what_was_owed() {
    let start = Instant::now();
    let mut conversation = zen(start);
    conversation.received(QUESTION, start, &LIMITS);
    conversation.failed(io::ErrorKind::BrokenPipe.into());
    assert_eq!(conversation.next(start), Next::Close);
    assert!(
        matches!(conversation.finish(), Ending::Failed(e) if e.kind() == io::ErrorKind::BrokenPipe)
    );
}

#[test]
fn an_http_request_with_connection_close_is_answered_then_closed() {
    let start = Instant::now();
    let mut conversation = Conversation::<HelloSession>::new(start, &LIMITS);
    conversation.received(
        b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
        start,
        &LIMITS,
    );
    let sent = drain_writes(&mut conversation, start);
    assert!(sent.ends_with(b"hello"));
    assert_eq!(conversation.next(start), Next::Close);
}

/// What a scripted client does next.
#[derive(Clone, Debug)]
enum Event {
    /// Sends this many more bytes of its script (they wait in the kernel until read).
    Send(usize),
    /// Shuts down its sending side.
    Eof,
    /// Time passes.
    Wait(Duration),
    /// The server starts stopping.
    Stop,
    /// From now on each write takes at most this many bytes (at least one).
    WriteRoom(usize),
}

/// A client's script: questions known and unknown, whitespace, and sometimes one far too
/// long, cut by the events into sends at arbitrary points.
fn script() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => (0..APHORISMS.len()).prop_map(|i| APHORISMS[i].0.to_vec()),
        2 => "[a-z ]{0,12}\\?".prop_map(String::into_bytes),
        2 => Just(b"\n".to_vec()),
        1 => Just(vec![b'x'; MAX_QUESTION + 10]),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        6 => (1..3000usize).prop_map(Event::Send),
        1 => (50_000..150_000usize).prop_map(Event::Send),
        1 => Just(Event::Eof),
        2 => (0..20_000u64).prop_map(|ms| Event::Wait(Duration::from_millis(ms))),
        1 => Just(Event::Stop),
        2 => (1..40usize).prop_map(Event::WriteRoom),
    ]
}

/// The answers a session owes for `input`, fed in one piece: what any split must give.
fn reference_answers(input: &[u8]) -> Vec<u8> {
    let mut session = ZenSession::default();
    let mut out = Vec::new();
    session.feed(input, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Whatever the client does and whenever, the conversation answers every whole question
    /// exactly once and in order before it closes (unless its time ran out or a socket
    /// failed, when the answers are a prefix), never holds more than one read's answers,
    /// and closes by its deadline once the client stops doing anything.
    #[test]
    fn every_conversation_answers_in_order_stays_bounded_and_closes_by_its_deadline(
        script in script(),
        events in proptest::collection::vec(event(), 0..60),
    ) {
        const READ_SIZE: usize = 65_536;
        let start = Instant::now();
        let mut now = start;
        let mut conversation = zen(start);
        let (mut sent, mut read) = (0usize, 0usize); // of `script`
        let mut client_eof = false;
        let mut room = usize::MAX;
        let mut received = Vec::new();
        let mut events = events.into_iter();
        let mut steps = 0;
        loop {
            steps += 1;
            prop_assert!(steps < 100_000, "no close after {steps} steps");
            // At most the answers to one read: the longest answer for every byte of it.
            prop_assert!(conversation.output.len() <= UNKNOWN.len() * READ_SIZE);
            match conversation.next(now) {
                Next::Write(bytes) => {
                    let n = bytes.len().min(room);
                    received.extend_from_slice(&bytes[..n]);
                    conversation.wrote(n);
                }
                Next::ShutDown => conversation.shut_down(),
                Next::Close => break,
                next @ (Next::Read | Next::ReadNow) => {
                    if read < sent {
                        let n = (sent - read).min(READ_SIZE);
                        conversation.received(&script[read..read + n], now, &LIMITS);
                        read += n;
                    } else if client_eof {
                        conversation.eof();
                    } else if next == Next::ReadNow {
                        conversation.nothing_to_read();
                    } else {
                        match events.next() {
                            Some(Event::Send(n)) if !client_eof => sent = (sent + n).min(script.len()),
                            Some(Event::Eof) => client_eof = true,
                            Some(Event::Wait(pause)) => now += pause,
                            Some(Event::Stop) => conversation.stop(),
                            Some(Event::WriteRoom(n)) => room = n,
                            Some(Event::Send(_)) => {}
                            // The client does nothing more: the server waits until its deadline.
                            None => {
                                let deadline = conversation.deadline();
                                prop_assert!(deadline <= now + LIMITS.idle.max(LINGER_TIME));
                                now = now.max(deadline);
                                prop_assert_eq!(conversation.next(now), Next::Close, "not closed at its deadline");
                                break;
                            }
                        }
                    }
                }
            }
        }
        let expected = reference_answers(&script[..read]);
        match conversation.finish() {
            Ending::Clean | Ending::Unfinished(_) if !received.ends_with(TOO_LONG) => {
                prop_assert_eq!(&received, &expected, "every whole question answered once, in order");
            }
            _ => prop_assert!(expected.starts_with(&received), "answers are a prefix of what is owed"),
        }
    }
}

#[test]
fn a_read_or_write_result_is_told_as_it_is() {
    let start = Instant::now();
    let mut conversation = zen(start);
    let would_block = || Err(io::ErrorKind::WouldBlock.into());
    conversation.read_done(would_block(), start, &LIMITS);
    assert_eq!(conversation.next(start), Next::Read, "nothing yet: wait");
    conversation.read_done(Ok(QUESTION), start, &LIMITS);
    conversation.write_done(Err(io::ErrorKind::WouldBlock.into()));
    conversation.write_done(Ok(2));
    assert_eq!(conversation.next(start), Next::Write(b"ly."));
    conversation.write_done(Ok(3));
    conversation.stop();
    conversation.read_done(would_block(), start, &LIMITS);
    assert_eq!(
        conversation.next(start),
        Next::Close,
        "nothing at the last look"
    );
    assert_eq!(conversation.finish(), Ending::Clean);

    let mut reset = zen(start);
    reset.read_done(Err(io::ErrorKind::ConnectionReset.into()), start, &LIMITS);
    assert_eq!(reset.next(start), Next::Close);
    let mut closed = zen(start);
    closed.read_done(Ok(&[]), start, &LIMITS);
    assert_eq!(
        closed.finish(),
        Ending::Clean,
        "an empty read is end of file"
    );
}
