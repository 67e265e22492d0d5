"""Limits before trust: bodies are capped by route and uploads authenticated before they are read,
so oversized and anonymous requests leave a real server's memory flat."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from tests.api.conftest import server_process, wait_for_models
from tests.reliability.conftest import MIB, home_with_users, rss_mib

BIG = 250 * MIB
BOUNDARY = "neurolakeboundary"
UPLOAD_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="name"\r\n\r\nbig\r\n'
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
    "Content-Type: text/csv\r\n\r\nn\r\n"
).encode()


@dataclass
class Sent:
    """What one streamed request got: the status line's code (None: no answer) and bytes sent."""

    status: int | None
    sent: int
    body: dict
    headers: str = ""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, dict[str, str], int]]:
    """(base URL, port, keys by role, pid) of a real server: default JSON limit, 512 MiB uploads."""
    home = tmp_path_factory.mktemp("limits") / "home"
    keys = home_with_users(home)
    env = {"NEUROLAKE_API__MAX_UPLOAD_BYTES": str(512 * MIB)}
    with server_process(home, env) as served:
        wait_for_models(served.base)  # the model's memory is not the bodies'
        yield served.base, int(served.base.rsplit(":", 1)[1]), keys, served.process.pid


def body_chunks(head: bytes, total: int) -> Iterator[bytes]:
    """``head`` then filler up to ``total`` bytes, a MiB at a time, made as they are sent."""
    yield head
    left = total - len(head)
    while left > 0:
        yield b"1\n" * (min(MIB, left) // 2) or b"1"
        left -= min(MIB, left)


def stream_post(
    port: int, path: str, total: int, *, chunked: bool, head: bytes = b"", headers: dict[str, str] | None = None
) -> Sent:
    """POST ``total`` bytes from a generator over a raw socket, stopping as soon as the server answers."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    sent = 0
    sock.settimeout(5)  # a server that stopped reading and never answers shows as a missing status
    try:
        for chunk in body_chunks(head, total):
            if select.select([sock], [], [], 0)[0]:
                break  # the answer is in: a server that refuses does not wait for the rest
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
            sent += len(chunk)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(60)
    reply = b""
    try:
        while b"\r\n\r\n" not in reply or len(reply.split(b"\r\n\r\n", 1)[1]) < _length(reply):
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    except (TimeoutError, ConnectionResetError):
        pass
    finally:
        sock.close()
    if not reply:
        return Sent(None, sent, {})
    head_part, _, payload = reply.partition(b"\r\n\r\n")
    try:
        body = json.loads(payload)
    except ValueError:
        body = {}
    return Sent(int(head_part.split()[1]), sent, body, head_part.decode("latin-1").lower())


def _length(reply: bytes) -> int:
    for line in reply.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def settle_rss(pid: int) -> float:
    """RSS once the server is idle (allocators give memory back in a moment, if they do)."""
    time.sleep(1.0)
    return rss_mib(pid)


def test_oversized_and_anonymous_bodies_leave_memory_flat(server: tuple[str, int, dict[str, str], int]) -> None:
    base, port, _, pid = server
    with httpx.Client(base_url=base) as client:  # warm the routes up: first use builds the platform
        assert client.post("/api/v1/queries", json={"sql": "SELECT 1"}).status_code == 401
    before = settle_rss(pid)
    json_headers = {"Content-Type": "application/json"}
    upload_headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    requests = [
        ("/api/v1/queries", True, b'{"sql": "', json_headers),
        ("/api/v1/queries", False, b'{"sql": "', json_headers),
        ("/api/v1/tables", True, UPLOAD_HEAD, upload_headers),
        ("/api/v1/tables", False, UPLOAD_HEAD, upload_headers),
    ]
    peak = before
    with ThreadPoolExecutor(len(requests)) as pool:
        futures = [
            pool.submit(stream_post, port, path, BIG, chunked=chunked, head=head, headers=headers)
            for path, chunked, head, headers in requests
        ]
        while not all(f.done() for f in futures):
            peak = max(peak, rss_mib(pid))
            time.sleep(0.05)
        results = [f.result() for f in futures]
    after = settle_rss(pid)
    print(
        f"\nserver RSS under 4 concurrent unauthenticated {BIG // MIB} MiB POSTs: before {before:.0f} MiB, "
        f"peak {peak:.0f} MiB, after {after:.0f} MiB; sent before the answer: "
        + ", ".join(f"{r.sent / MIB:.1f} MiB -> {r.status}" for r in results)
    )

    assert [r.status for r in results] == [413, 413, 401, 401], results
    # Socket buffers on loopback hold a few MiB the server never reads; 250 MB would mean it read them.
    assert all(r.sent < 16 * MIB for r in results), "the server read the bodies before answering"
    assert "limit" in results[0].body["message"] and "NEUROLAKE_API__MAX_BODY_BYTES" in results[0].body["message"]
    assert results[2].body["message"].startswith("An API key is required")
    assert peak - before < 50, f"memory grew from {before:.0f} to {peak:.0f} MiB"
    assert after - before < 50


def test_a_body_over_the_json_limit_is_refused_413_even_with_a_valid_key(
    server: tuple[str, int, dict[str, str], int],
) -> None:
    base, port, keys, _ = server
    headers = {"Authorization": f"Bearer {keys['analyst']}", "Content-Type": "application/json"}
    streamed = stream_post(port, "/api/v1/queries", 4 * MIB, chunked=True, head=b'{"sql": "', headers=headers)
    declared = httpx.post(f"{base}/api/v1/queries", content=b" " * (MIB + 1), headers=headers)

    assert streamed.status == 413 and streamed.body["error"] == "PayloadTooLarge"
    assert "connection: close" in streamed.headers  # the rest of the body is not read
    assert declared.status_code == 413 and declared.json()["error"] == "PayloadTooLarge"
    assert "1,048,576-byte limit" in declared.json()["message"]


def test_an_upload_is_refused_before_its_body_is_read_for_a_bad_key_or_a_low_role(
    server: tuple[str, int, dict[str, str], int],
) -> None:
    _, port, keys, _ = server

    def upload(key: str, size: int, *, chunked: bool) -> Sent:
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "X-API-Key": key}
        return stream_post(port, "/api/v1/tables", size, chunked=chunked, head=UPLOAD_HEAD, headers=headers)

    wrong = upload("nope", 32 * MIB, chunked=True)
    viewer = upload(keys["viewer"], 32 * MIB, chunked=False)
    over = upload(keys["admin"], 1024 * MIB, chunked=False)

    assert (wrong.status, wrong.body["message"]) == (401, "The API key is not valid or was revoked.")
    assert (viewer.status, viewer.body["message"]) == (403, "This needs the admin role; you are viewer.")
    assert over.status == 413 and "536,870,912-byte limit (NEUROLAKE_API__MAX_UPLOAD_BYTES)" in over.body["message"]
    assert max(wrong.sent, viewer.sent, over.sent) < 16 * MIB


def test_an_admin_upload_under_the_limit_still_creates_the_table(server: tuple[str, int, dict[str, str], int]) -> None:
    base, _, keys, _ = server
    response = httpx.post(
        f"{base}/api/v1/tables",
        data={"name": "small"},
        files={"file": ("small.csv", b"a,b\n1,2\n3,4\n", "text/csv")},
        headers={"Authorization": f"Bearer {keys['admin']}"},
        timeout=60,
    )

    assert response.status_code == 201, response.text
    assert response.json()["rows"] == 2
