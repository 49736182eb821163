"""A zen client in the style of the seed's client.py, checking every answer.

Usage: python3 zen_client.py HOST PORT
Asks every aphorism three times, one at a time (as client.py does), then all of them
pipelined in one sendall, then sends an unfinished question and closes (client.py's
cause_error). Exits non-zero on any wrong answer.
"""
import socket
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


def recv_until(sock, suffix):
    """The seed's recv_until, fixed to stop at the first suffix rather than the last."""
    data = b""
    while not data.endswith(suffix):
        more = sock.recv(1)
        if not more:
            raise IOError("received {!r}, then socket closed".format(data))
        data += more
    return data


def main():
    address = (sys.argv[1], int(sys.argv[2]))
    sock = socket.create_connection(address, timeout=20)
    for _ in range(3):
        for question, answer in APHORISMS.items():
            sock.sendall(question)
            got = recv_until(sock, b".")
            assert got == answer, (question, got)
            print(question, got)
    sock.sendall(b"".join(APHORISMS))
    for question, answer in APHORISMS.items():
        got = recv_until(sock, b".")
        assert got == answer, (question, got)
    sock.close()

    leaver = socket.create_connection(address, timeout=20)
    leaver.sendall(b"Beautiful is better than")
    leaver.close()
    print("ok")


if __name__ == "__main__":
    main()
