"""A small loopback load for syscall counting: CLIENTS threads, REQUESTS each.

Usage: python3 load.py PORT KIND CLIENTS REQUESTS
KIND is one of:
  zen-keepalive   one connection per client, REQUESTS questions on it, one at a time
  hello-close     a new connection per request, `Connection: close`, read to EOF
  zen-one         a new connection per request: one question, read the answer, FIN, read EOF
Every answer is checked; any wrong answer exits non-zero.
"""
import socket
import sys
import threading

PORT, KIND, CLIENTS, REQUESTS = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
HELLO = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
failures = []


def read_to_eof(sock):
    data = b""
    while True:
        more = sock.recv(4096)
        if not more:
            return data
        data += more


def client():
    try:
        if KIND == "zen-keepalive":
            sock = socket.create_connection(("127.0.0.1", PORT))
            for _ in range(REQUESTS):
                sock.sendall(b"Beautiful is better than?")
                assert sock.recv(100) == b"ugly."
            sock.close()
            return
        for _ in range(REQUESTS):
            sock = socket.create_connection(("127.0.0.1", PORT))
            if KIND == "hello-close":
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert read_to_eof(sock) == HELLO
            else:
                sock.sendall(b"Beautiful is better than?")
                assert sock.recv(100) == b"ugly."
                sock.shutdown(socket.SHUT_WR)
                assert read_to_eof(sock) == b""
            sock.close()
    except Exception as error:  # noqa: BLE001 - any failure fails the run
        failures.append(error)


threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
if failures:
    sys.exit(f"{len(failures)} clients failed: {failures[0]!r}")
