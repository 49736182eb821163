"""The source document's asyncio zen server, in its two styles, as a benchmark peer.

It exists only for benchmarks: it shows where Python's asyncio stands next to zenio,
tokio and the floor. Python 3.11, standard library only.

Run it:   python3 benches/peers/asyncio_zen.py 127.0.0.1 1060 --style callback|coroutine
          (`-p PORT` works too, as with the other peers)
Poke it:  nc 127.0.0.1 1060   (then type `Beautiful is better than?`)
          cargo run --release -p zenio-servers --bin zen-client -- -p 1060 --count 20000

The two styles are the document's `srv_asyncio1.py` (a `Protocol` with `data_received`)
and `srv_asyncio2.py` (a coroutine per connection over `StreamReader`/`StreamWriter`),
updated to today's asyncio (`async def`, `asyncio.run`) and fixed to speak exactly the
protocol of zenio's `ZenSession`:

- the input is cut at every `?`, not tested with `endswith(b'?')` (which glues two
  questions that arrive in one read into one unknown question);
- whitespace before a question (the newline `nc` sends) is skipped;
- the answers are `ZenSession`'s seven, and anything else gets `Error: unknown aphorism.`;
- a question longer than 64 KiB gets `Error: question too long.` and the connection closes.

It prints `Listening at HOST:PORT` with the real port (port 0 picks a free one), listens
with a backlog of 4096 like zenio's servers, and serves until killed.
"""

import argparse
import asyncio
import sys

APHORISMS = {
    b"Beautiful is better than?": b"ugly.",
    b"Explicit is better than?": b"implicit.",
    b"Simple is better than?": b"complex.",
    b"Complex is better than?": b"complicated.",
    b"Flat is better than?": b"nested.",
    b"Sparse is better than?": b"dense.",
    b"Now is better than?": b"never.",
}
UNKNOWN = b"Error: unknown aphorism."
TOO_LONG = b"Error: question too long."
MAX_QUESTION = 64 * 1024
WHITESPACE = b" \t\r\n"


def answers(data):
    """Cut `data` at every `?`: return (the answers owed, the unfinished rest, close?).

    Like `ZenSession.feed`: a question over MAX_QUESTION bytes is answered with TOO_LONG
    and ends the conversation.
    """
    *questions, rest = data.split(b"?")
    rest = rest.lstrip(WHITESPACE)
    out = []
    for question in questions:
        question = question.lstrip(WHITESPACE)
        if len(question) > MAX_QUESTION:
            return b"".join(out) + TOO_LONG, b"", True
        out.append(APHORISMS.get(question + b"?", UNKNOWN))
    if len(rest) > MAX_QUESTION:
        return b"".join(out) + TOO_LONG, b"", True
    return b"".join(out), rest, False


class ZenProtocol(asyncio.Protocol):
    """Callback style (`srv_asyncio1.py`): asyncio calls us with whatever bytes arrived."""

    def connection_made(self, transport):
        self.transport = transport
        self.data = b""

    def data_received(self, data):
        out, self.data, close = answers(self.data + data)
        if out:
            self.transport.write(out)
        if close:
            self.transport.close()  # Simplified: zenio shuts down and lingers first.


async def handle_conversation(reader, writer):
    """Coroutine style (`srv_asyncio2.py`): one coroutine per connection, reading 4 KiB."""
    data = b""
    try:
        while more := await reader.read(4096):
            out, data, close = answers(data + more)
            if out:
                writer.write(out)
                await writer.drain()
            if close:
                break
    except ConnectionError:
        pass  # A benchmark peer keeps quiet: a client that resets is not news.
    finally:
        writer.close()


async def main(host, port, style):
    loop = asyncio.get_running_loop()
    if style == "callback":
        server = await loop.create_server(ZenProtocol, host, port, backlog=4096)
    else:
        server = await asyncio.start_server(handle_conversation, host, port, backlog=4096)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"Listening at {host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="asyncio zen server (benchmark peer)")
    parser.add_argument("host", nargs="?", default="127.0.0.1", help="the interface")
    parser.add_argument("port", nargs="?", type=int, default=1060, help="the port (0: any)")
    parser.add_argument("-p", type=int, dest="p", help="the port, as the other peers take it")
    parser.add_argument("--style", choices=["callback", "coroutine"], default="coroutine")
    args = parser.parse_args()
    try:
        port = args.port if args.p is None else args.p
        asyncio.run(main(args.host, port, args.style))
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as error:
        sys.exit(f"asyncio_zen.py: {error}")
