//! The zen protocol: a client asks Zen of Python questions and the server answers them.
//!
//! Each question ends with `?` and each answer ends with `.`; answers go back in the order
//! the questions came, with nothing between them. TCP carries a stream of bytes, not
//! messages, so one read may hold several questions (a client that pipelines) or only a
//! piece of one (a slow client, or someone typing into `nc`). [`ZenSession`] cuts the stream
//! at every `?`, however the reads happen to fall. In asyncio this is
//! `StreamReader.readuntil(b'?')`; in the seed's `asynchat` server, `set_terminator(b'?')`.
//!
//! The seed's other servers test `data.endswith(b'?')` instead. That glues two questions
//! that arrive in one read into a single unknown question, so we do not copy it.

use super::{Flow, Session};

/// Every question the server knows, `?` included, with its answer.
pub const APHORISMS: [(&[u8], &[u8]); 7] = [
    (b"Beautiful is better than?", b"ugly."),
    (b"Explicit is better than?", b"implicit."),
    (b"Simple is better than?", b"complex."),
    (b"Complex is better than?", b"complicated."),
    (b"Flat is better than?", b"nested."),
    (b"Sparse is better than?", b"dense."),
    (b"Now is better than?", b"never."),
];

/// The answer to any question that is not in [`APHORISMS`].
pub const UNKNOWN: &[u8] = b"Error: unknown aphorism.";

/// The last thing a client hears when its question runs past [`MAX_QUESTION`].
pub const TOO_LONG: &[u8] = b"Error: question too long.";

/// The most bytes a question may have before its `?` (64 KiB).
///
/// Whitespace skipped before the question does not count, and neither does the `?`
/// itself. Because a session never buffers more than this, a client that never sends `?`
/// cannot make the server's memory grow without bound.
pub const MAX_QUESTION: usize = 64 * 1024;

/// Looks up the answer to one question, `?` included.
pub fn answer(question: &[u8]) -> &'static [u8] {
    let known = APHORISMS.iter().find(|(known, _)| *known == question);
    known.map_or(UNKNOWN, |(_, answer)| answer)
}

/// One connection's side of the zen conversation.
///
/// Call [`feed`](Self::feed) with every chunk of bytes read from the client, write out
/// what it appended, and call [`unfinished_at_eof`](Session::unfinished_at_eof) when the client
/// closes.
#[derive(Debug, Default)]
pub struct ZenSession {
    /// The start of a question whose `?` has not arrived yet; empty between questions.
    /// Only a question split across reads is copied here, so a client that sends whole
    /// questions never makes this allocate.
    partial: Vec<u8>,
    /// Set once the session has said [`Flow::Close`]; after that, input is ignored.
    closed: bool,
    /// Questions answered so far (unknown ones included), for the server's summary.
    answered: u64,
}

impl Session for ZenSession {
    /// Feeds bytes read from the client; appends every answer now owed to `out`.
    ///
    /// Returns [`Flow::Reject`] after a question longer than [`MAX_QUESTION`], and from
    /// then on ignores its input (returning [`Flow::Close`]).
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Flow {
        if self.closed {
            return Flow::Close;
        }
        loop {
            // 1. Between questions, skip whitespace, such as the newline `nc` sends on Enter.
            if self.partial.is_empty() {
                let start = input.iter().position(|&byte| !is_whitespace(byte));
                input = &input[start.unwrap_or(input.len())..];
            }
            if input.is_empty() {
                return Flow::Continue;
            }

            // 2. Look for the `?` that ends the current question, and refuse to wait for
            //    it any longer once the question is too long.
            let mark = input.iter().position(|&byte| byte == b'?');
            let length = self.partial.len() + mark.unwrap_or(input.len());
            if length > MAX_QUESTION {
                out.extend_from_slice(TOO_LONG);
                self.closed = true;
                self.partial = Vec::new(); // give back the buffer now, not when the session ends
                return Flow::Reject;
            }

            // 3. No `?` yet: keep the start of the question until the next read.
            let Some(mark) = mark else {
                self.partial.extend_from_slice(input);
                return Flow::Continue;
            };
            let (question, rest) = input.split_at(mark + 1);
            if self.partial.is_empty() {
                // 4a. The whole question is in this read: answer it from `input`, uncopied.
                out.extend_from_slice(answer(question));
            } else {
                // 4b. The question began in an earlier read: complete it and answer it.
                self.partial.extend_from_slice(question);
                out.extend_from_slice(answer(&self.partial));
                self.partial.clear();
            }
            self.answered += 1;
            // 5. Whatever follows the `?` starts the next question.
            input = rest;
        }
    }

    /// The question the client started but never finished, as a byte string
    /// (`b"Beautiful is"`). Whitespace after the last question does not count, so a client
    /// that ends with a newline has nothing pending. The session is closed afterwards.
    fn unfinished_at_eof(&mut self) -> Option<String> {
        self.closed = true;
        let partial = std::mem::take(&mut self.partial);
        (!partial.is_empty()).then(|| format!("b\"{}\"", partial.escape_ascii()))
    }

    fn answered(&self) -> u64 {
        self.answered
    }

    /// Whether a question has begun and not yet ended (its `?` has not arrived).
    fn in_request(&self) -> bool {
        !self.partial.is_empty()
    }
}

/// Whether `byte` is whitespace that may come before a question: space, tab, CR or LF.
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds each chunk in turn; returns everything written and the last flow.
    fn converse(session: &mut ZenSession, chunks: &[&[u8]]) -> (Vec<u8>, Flow) {
        let mut out = Vec::new();
        let mut flow = Flow::Continue;
        for chunk in chunks {
            flow = session.feed(chunk, &mut out);
        }
        (out, flow)
    }

    /// A fresh session fed `input` in one read.
    fn ask(input: &[u8]) -> (Vec<u8>, Flow) {
        converse(&mut ZenSession::default(), &[input])
    }

    /// A question of `length` bytes of `a` before its `?`.
    fn long_question(length: usize) -> Vec<u8> {
        let mut question = vec![b'a'; length];
        question.push(b'?');
        question
    }

    #[test]
    fn each_aphorism_gets_its_answer() {
        let table: [(&[u8], &[u8]); 7] = [
            (b"Beautiful is better than?", b"ugly."),
            (b"Explicit is better than?", b"implicit."),
            (b"Simple is better than?", b"complex."),
            (b"Complex is better than?", b"complicated."),
            (b"Flat is better than?", b"nested."),
            (b"Sparse is better than?", b"dense."),
            (b"Now is better than?", b"never."),
        ];
        for (question, expected) in table {
            assert_eq!(answer(question), expected);
            assert_eq!(ask(question), (expected.to_vec(), Flow::Continue));
        }
    }

    #[test]
    fn unknown_question_gets_an_error_and_the_conversation_goes_on() {
        assert_eq!(
            ask(b"Ugly is better than?Now is better than?"),
            (b"Error: unknown aphorism.never.".to_vec(), Flow::Continue)
        );
    }

    #[test]
    fn a_question_without_its_question_mark_is_unknown() {
        assert_eq!(answer(b"Now is better than"), UNKNOWN);
    }

    #[test]
    fn hundred_pipelined_questions_in_one_read_get_hundred_answers_in_order() {
        let (questions, answers): (Vec<&[u8]>, Vec<&[u8]>) =
            APHORISMS.iter().cycle().take(100).copied().unzip();
        assert_eq!(ask(&questions.concat()), (answers.concat(), Flow::Continue));
    }

    #[test]
    fn question_sent_one_byte_at_a_time_is_answered_once() {
        let chunks: Vec<&[u8]> = b"Flat is better than?".chunks(1).collect();
        let mut session = ZenSession::default();
        let (out, flow) = converse(&mut session, &chunks);
        assert_eq!((out, flow), (b"nested.".to_vec(), Flow::Continue));
        assert_eq!(session.unfinished_at_eof(), None);
    }

    #[test]
    fn whitespace_before_a_question_is_skipped() {
        assert_eq!(
            ask(b"\r\n \tSparse is better than?\nNow is better than?\r\n"),
            (b"dense.never.".to_vec(), Flow::Continue)
        );
    }

    #[test]
    fn whitespace_inside_a_question_is_kept() {
        assert_eq!(ask(b"Now  is better than?").0, UNKNOWN);
    }

    #[test]
    fn whole_questions_are_answered_without_buffering() {
        let mut session = ZenSession::default();
        converse(
            &mut session,
            &[b"Now is better than?", b"Flat is better than?"],
        );
        assert_eq!(session.partial.capacity(), 0);
    }

    #[test]
    fn question_of_exactly_64_kib_is_answered() {
        let question = long_question(MAX_QUESTION);
        assert_eq!(ask(&question), (UNKNOWN.to_vec(), Flow::Continue));

        let chunks: Vec<&[u8]> = question.chunks(1000).collect();
        let (out, flow) = converse(&mut ZenSession::default(), &chunks);
        assert_eq!((out, flow), (UNKNOWN.to_vec(), Flow::Continue));
    }

    #[test]
    fn question_one_byte_over_64_kib_closes_the_connection() {
        assert_eq!(
            ask(&long_question(MAX_QUESTION + 1)),
            (TOO_LONG.to_vec(), Flow::Reject)
        );
    }

    #[test]
    fn skipped_whitespace_does_not_count_toward_the_limit() {
        let mut input = b"\n\n\n".to_vec();
        input.extend(long_question(MAX_QUESTION));
        assert_eq!(ask(&input), (UNKNOWN.to_vec(), Flow::Continue));
    }

    #[test]
    fn endless_question_over_many_reads_closes_once_it_passes_the_limit() {
        let mut session = ZenSession::default();
        let mut out = Vec::new();
        let kib = [b'a'; 1024];
        for _ in 0..64 {
            assert_eq!(session.feed(&kib, &mut out), Flow::Continue);
        }
        assert!(out.is_empty());
        assert_eq!(session.feed(b"a", &mut out), Flow::Reject);
        assert_eq!(session.feed(&kib, &mut out), Flow::Close);
        assert_eq!(out, TOO_LONG);
    }

    #[test]
    fn answers_owed_before_a_too_long_question_are_still_given() {
        let mut input = b"Now is better than?".to_vec();
        input.extend(long_question(MAX_QUESTION + 1));
        assert_eq!(
            ask(&input),
            (b"never.Error: question too long.".to_vec(), Flow::Reject)
        );
    }

    #[test]
    fn eof_reports_an_unfinished_question() {
        let mut session = ZenSession::default();
        let (out, _) = converse(&mut session, &[b"Now is better than?\n", b"Beautiful is"]);
        assert_eq!(out, b"never.");
        assert_eq!(
            session.unfinished_at_eof().as_deref(),
            Some("b\"Beautiful is\"")
        );
    }

    #[test]
    fn eof_after_only_whitespace_reports_nothing() {
        let mut session = ZenSession::default();
        converse(&mut session, &[b"Now is better than?", b"\r\n", b" \t"]);
        assert_eq!(session.unfinished_at_eof(), None);
    }

    #[test]
    fn after_close_further_input_produces_nothing() {
        let mut session = ZenSession::default();
        let (_, flow) = converse(&mut session, &[&long_question(MAX_QUESTION + 1)]);
        assert_eq!(flow, Flow::Reject);
        let (out, flow) = converse(&mut session, &[b"Now is better than?"]);
        assert_eq!((out, flow), (Vec::new(), Flow::Close));
        assert_eq!(session.unfinished_at_eof(), None);
    }

    /// Questions for the property test: the known ones, and two the server does not know.
    fn question() -> impl Strategy<Value = &'static [u8]> {
        prop_oneof![
            proptest::sample::select(APHORISMS.map(|(question, _)| question).to_vec()),
            Just(&b"Is this a question?"[..]),
            Just(&b"?"[..]),
        ]
    }

    proptest! {
        #[test]
        fn any_split_of_the_stream_gives_the_same_answers(
            questions in proptest::collection::vec((question(), "[ \t\r\n]{0,2}"), 0..30),
            cuts in proptest::collection::vec(1usize..20, 1..40),
        ) {
            let stream: Vec<u8> = questions
                .iter()
                .flat_map(|(question, space)| space.as_bytes().iter().chain(question.iter()))
                .copied()
                .collect();
            let whole = ask(&stream);

            // Cut the stream into pieces whose sizes repeat the sizes in `cuts`.
            let mut chunks = Vec::new();
            let mut rest = &stream[..];
            for &size in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (chunk, tail) = rest.split_at(size.min(rest.len()));
                chunks.push(chunk);
                rest = tail;
            }
            prop_assert_eq!(converse(&mut ZenSession::default(), &chunks), whole);
        }

        #[test]
        fn any_byte_soup_gives_known_answers_or_a_clean_error_close(
            soup in proptest::collection::vec(any::<u8>(), 0..70_000),
            cut in 1usize..5_000,
        ) {
            let mut session = ZenSession::default();
            let mut out = Vec::new();
            let mut flow = Flow::Continue;
            for chunk in soup.chunks(cut) {
                flow = session.feed(chunk, &mut out);
                if flow != Flow::Continue {
                    break;
                }
            }
            // Whatever came out is a run of answers from the table (or the unknown one)...
            let mut rest = &out[..];
            while !rest.is_empty() && rest != TOO_LONG {
                let known = APHORISMS.iter().map(|(_, a)| *a).chain([UNKNOWN]);
                let answer = known.filter(|a| rest.starts_with(a)).max_by_key(|a| a.len());
                prop_assert!(answer.is_some(), "not an answer: {:?}", rest.escape_ascii());
                rest = &rest[answer.unwrap().len()..];
            }
            // ...ending with the too-long error exactly when the session rejected the client.
            prop_assert_eq!(rest == TOO_LONG, flow == Flow::Reject);
        }
    }
}
