"""Drives the hello server with Python's http.client: keep-alive and pipelined requests.

Usage: python3 hello_client.py HOST PORT
"""
import http.client
import socket
import sys


def main():
    host, port = sys.argv[1], int(sys.argv[2])

    # Keep-alive: http.client reuses one connection for every request.
    conn = http.client.HTTPConnection(host, port, timeout=20)
    for method in ["GET", "POST", "GET"]:
        body = b"x=1" if method == "POST" else None
        conn.request(method, "/", body=body)
        response = conn.getresponse()
        assert response.status == 200, response.status
        assert response.read() == b"hello"
        assert response.getheader("Content-Type") == "text/plain"
        assert not response.will_close, "HTTP/1.1 keeps the connection alive"
    sock_before = conn.sock
    conn.request("GET", "/")
    conn.getresponse().read()
    assert conn.sock is sock_before, "the same connection served every request"

    # Connection: close.
    conn.request("GET", "/", headers={"Connection": "close"})
    response = conn.getresponse()
    assert response.read() == b"hello" and response.will_close
    conn.close()

    # Pipelined: three requests in one send; the three answers arrive in order. (Read
    # with a plain socket: each http.client response would buffer ahead of itself.)
    hello = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
             b"Content-Length: 5\r\n\r\nhello")
    sock = socket.create_connection((host, port), timeout=20)
    sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
    received = b""
    while len(received) < 3 * len(hello):
        more = sock.recv(4096)
        assert more, "the server closed early"
        received += more
    assert received == hello * 3, received
    sock.close()
    print("ok")


if __name__ == "__main__":
    main()
