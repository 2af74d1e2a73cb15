"""Small responses leave at once: TCP_NODELAY on every connection, headers and body in one send
(else Nagle's algorithm waits ~40 ms for the client's delayed ACK on each small answer)."""

import http.client
import socket


def _get(handle, path):
    host, port = handle.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", path, headers={"Authorization": f"Bearer {handle.token}"})
    return connection, connection.getresponse()


def test_every_connection_has_nagle_off(kubesim):
    connection, response = _get(kubesim, "/version")
    assert response.status == 200
    response.read()
    server_sockets = list(kubesim.server._httpd.connections)
    assert server_sockets, "the keep-alive connection is still open"
    assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in server_sockets)
    connection.close()


def test_a_small_json_answer_is_complete_and_keeps_the_connection(kubesim):
    connection, first = _get(kubesim, "/api/v1/namespaces/default")
    body = first.read()
    assert first.status == 200 and int(first.headers["Content-Length"]) == len(body)
    connection.request("GET", "/version", headers={"Authorization": f"Bearer {kubesim.token}"})
    second = connection.getresponse()
    assert second.status == 200 and b"gitVersion" in second.read()
    connection.close()
