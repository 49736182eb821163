//! Finding the end of a chunked request body, without keeping any of it.
//!
//! With `Transfer-Encoding: chunked` a client sends its body as chunks, each one a size in
//! hex, a line end, that many bytes of data and another line end. A chunk of size zero is
//! the last; trailer fields may follow it, and a blank line ends the body
//! (RFC 9112, section 7.1):
//!
//! ```text
//! 5;name=value\r\n      a chunk of 5 bytes, with an extension we ignore
//! hello\r\n             its data
//! 0\r\n                 the last chunk
//! Expires: never\r\n    a trailer field we ignore
//! \r\n                  the end of the body
//! ```
//!
//! The hello server has no use for the body, so [`ChunkedDecoder`] only finds where it
//! ends. It is a state machine that reads one byte at a time and skips chunk data a whole
//! slice at a time, so it needs no buffer however the body is split across reads. Nothing
//! is kept, so nothing is limited either: a client that sends an endless body only wastes
//! its own bandwidth. (A server that hands the body to an application, like hyper, would
//! cap the extension and trailer sizes too.)

use httparse::Status;

/// The body broke the chunked framing: a bad size, or a missing or bare line end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidChunk;

/// Follows a chunked body across reads until it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkedDecoder {
    /// Which part of the chunked body the next byte belongs to.
    state: State,
}

/// The parts of a chunked body, in the order they arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// In the hex digits of a chunk size: the value so far, `None` before the first digit.
    Size(Option<u64>),
    /// In a chunk extension (`;name=value`), which runs to the end of the size line.
    Extension(u64),
    /// After the CR that ends a size line, waiting for its LF.
    SizeLf(u64),
    /// In chunk data, with this many bytes (at least one) still to come.
    Data(u64),
    /// After chunk data, waiting for its CR.
    DataCr,
    /// After the CR that follows chunk data, waiting for its LF.
    DataLf,
    /// At the start of a trailer field, or of the blank line that ends the body.
    LineStart,
    /// In a trailer field, which runs to the end of its line.
    Trailer,
    /// After a CR in the trailer section, waiting for its LF; `true` if the line is blank.
    LineLf(bool),
    /// The blank line has been read: the body is over.
    Done,
}

impl ChunkedDecoder {
    /// Starts at the first chunk's size line.
    pub fn new() -> Self {
        Self {
            state: State::Size(None),
        }
    }

    /// Consumes body bytes from the front of `input`.
    ///
    /// Returns `Complete(n)` if the body ends after the first `n` bytes (the rest of
    /// `input` is the next request), or `Partial` if all of `input` was body.
    pub fn decode(&mut self, input: &[u8]) -> Result<Status<usize>, InvalidChunk> {
        let mut used = 0;
        while used < input.len() {
            if let State::Data(remaining) = self.state {
                // Skip as much of the chunk's data as this read holds, in one step.
                let skipped = remaining.min((input.len() - used) as u64);
                used += skipped as usize;
                self.state = match remaining - skipped {
                    0 => State::DataCr,
                    remaining => State::Data(remaining),
                };
            } else {
                // Everything else is framing: take it one byte at a time.
                self.state = next(self.state, input[used])?;
                used += 1;
                if self.state == State::Done {
                    return Ok(Status::Complete(used));
                }
            }
        }
        Ok(Status::Partial)
    }
}

/// The state after `byte` arrives in `state`. [`State::Data`] never comes here: chunk data
/// is skipped in bulk by [`ChunkedDecoder::decode`].
fn next(state: State, byte: u8) -> Result<State, InvalidChunk> {
    use State::*;
    Ok(match (state, byte) {
        // The size line: hex digits, an optional extension, then CRLF.
        (Size(size), _) if byte.is_ascii_hexdigit() => Size(Some(push_hex_digit(size, byte)?)),
        (Size(Some(size)), b';') => Extension(size),
        (Size(Some(size)) | Extension(size), b'\r') => SizeLf(size),
        (Extension(_), b'\n') => return Err(InvalidChunk),
        (Extension(size), _) => Extension(size),
        (SizeLf(0), b'\n') => LineStart,
        (SizeLf(size), b'\n') => Data(size),

        // The CRLF after a chunk's data, then the next size line.
        (DataCr, b'\r') => DataLf,
        (DataLf, b'\n') => Size(None),

        // After the last chunk: trailer fields, then a blank line.
        (LineStart, b'\r') => LineLf(true),
        (Trailer, b'\r') => LineLf(false),
        (LineStart | Trailer, b'\n') => return Err(InvalidChunk),
        (LineStart | Trailer, _) => Trailer,
        (LineLf(true), b'\n') => Done,
        (LineLf(false), b'\n') => LineStart,

        // Anything else breaks the framing.
        _ => return Err(InvalidChunk),
    })
}

/// Appends one hex digit to a chunk size, refusing sizes that do not fit in a `u64`.
fn push_hex_digit(size: Option<u64>, byte: u8) -> Result<u64, InvalidChunk> {
    let digit = char::from(byte).to_digit(16).ok_or(InvalidChunk)?;
    let shifted = size.unwrap_or(0).checked_mul(16).ok_or(InvalidChunk)?;
    shifted.checked_add(u64::from(digit)).ok_or(InvalidChunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `body` in one read.
    fn decode(body: &[u8]) -> Result<Status<usize>, InvalidChunk> {
        ChunkedDecoder::new().decode(body)
    }

    #[test]
    fn the_body_ends_at_the_blank_line_after_the_last_chunk() {
        let body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        assert_eq!(decode(body), Ok(Status::Complete(body.len())));
    }

    #[test]
    fn bytes_after_the_body_are_left_for_the_next_request() {
        assert_eq!(
            decode(b"0\r\n\r\nGET / HTTP/1.1\r\n"),
            Ok(Status::Complete(5))
        );
    }

    #[test]
    fn sizes_are_hex_in_either_case() {
        let body = b"a\r\n0123456789\r\nA\r\n0123456789\r\n000\r\n\r\n";
        assert_eq!(decode(body), Ok(Status::Complete(body.len())));
    }

    #[test]
    fn extensions_and_trailers_are_skipped() {
        let body = b"5;name=value;flag\r\nhello\r\n0;last\r\nExpires: never\r\nX: y\r\n\r\n";
        assert_eq!(decode(body), Ok(Status::Complete(body.len())));
    }

    #[test]
    fn a_body_split_one_byte_at_a_time_ends_on_its_last_byte() {
        let body = b"3;x=y\r\nabc\r\n0\r\nX: y\r\n\r\n";
        let mut decoder = ChunkedDecoder::new();
        let (last, start) = body.split_last().unwrap();
        for byte in start {
            let progress = decoder.decode(std::slice::from_ref(byte));
            assert_eq!(progress, Ok(Status::Partial));
        }
        assert_eq!(decoder.decode(&[*last]), Ok(Status::Complete(1)));
    }

    #[test]
    fn chunk_data_may_contain_anything() {
        let body = b"4\r\n\r\n\r\n\r\n0\r\n\r\n";
        assert_eq!(decode(body), Ok(Status::Complete(body.len())));
    }

    #[test]
    fn an_unfinished_body_is_partial() {
        assert_eq!(decode(b"5\r\nhel"), Ok(Status::Partial));
        assert_eq!(decode(b"0\r\nExpires: never\r\n"), Ok(Status::Partial));
    }

    #[test]
    fn broken_framing_is_invalid() {
        for body in [
            &b"\r\n"[..],             // no size
            b"x\r\n",                 // not hex
            b";x\r\n",                // an extension without a size
            b"5\nhello\r\n",          // a bare LF after the size
            b"5\r\nhelloX",           // no CRLF after the data
            b"5;x\nhello",            // a bare LF after an extension
            b"0\r\nX: y\n",           // a bare LF after a trailer
            b"0\r\n\rX",              // a CR without its LF
            b"10000000000000000\r\n", // a size too big for 64 bits
        ] {
            assert_eq!(decode(body), Err(InvalidChunk), "{}", body.escape_ascii());
        }
    }
}
