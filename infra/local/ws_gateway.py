"""A WebSocket gateway that speaks API Gateway WebSocket APIs, on one port:
- WebSocket clients connect (any path; `?token=` and headers reach `$connect`); the template's
  `$connect`, `$disconnect` and `$default` (or `$request.body.action`-selected) routes are invoked
  with API Gateway's WebSocket proxy events; a `$connect` that answers non-2xx refuses the handshake
  with that status, before any connection exists;
- the management API that boto3's `apigatewaymanagementapi` client calls, with the stage as the
  endpoint's path: `POST|GET|DELETE /{stage}/@connections/{id}`, 410 GoneException for an unknown id.

`websockets` is used sans-I/O (its protocol objects, our sockets) because its servers only parse
GET requests, and the management API must answer POST and DELETE on the same host, as in AWS.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from infra.local.functions import InvocationError
from infra.local.template import WebSocketApi

Invoke = Callable[[str, dict[str, Any]], Any]
MAX_MESSAGE = 128 * 1024  # API Gateway's WebSocket message limit
REASONS = {200: "OK", 204: "No Content", 404: "Not Found", 405: "Method Not Allowed", 410: "Gone", 413: "Too Large"}
MANAGEMENT_PATH = re.compile(r"^(?:/[^/@]+)?/@connections/([^/]+)$")


@dataclass
class _Connection:
    id: str
    protocol: ServerProtocol
    writer: asyncio.StreamWriter
    source_ip: str
    user_agent: str
    headers: dict[str, str]
    connected_at: float = field(default_factory=time.time)
    last_active: float = field(default_factory=time.time)

    def flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.writer.write(data)
            elif self.writer.can_write_eof():
                self.writer.write_eof()

    @property
    def open(self) -> bool:
        return self.protocol.state is State.OPEN


class WebSocketGateway:
    def __init__(self, api: WebSocketApi, invoke: Invoke, port: int) -> None:
        self.api = api
        self._invoke = invoke
        self.port = port
        self._connections: dict[str, _Connection] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="ws-invoke")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ws-gateway", daemon=True)
        self._server: asyncio.Server | None = None
        key = api.selection_expression.removeprefix("$request.body.")
        self._selection_path = key.split(".") if api.selection_expression.startswith("$request.body.") else []

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server:
                self._server.close()
            for connection in list(self._connections.values()):
                connection.writer.close()
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def connection_ids(self) -> list[str]:
        return list(self._connections)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, limit=MAX_MESSAGE)
        for sock in self._server.sockets:
            with contextlib.suppress(OSError):
                sock.setsockopt(6, 1, 1)  # TCP_NODELAY: small frames leave at once

    # --- one TCP connection: management requests (keep-alive) or one WebSocket ------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            writer.get_extra_info("socket").setsockopt(6, 1, 1)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                method, target, headers = _parse_head(head)
                if method == "GET" and "websocket" in headers.get("upgrade", "").lower():
                    await self._websocket(head, reader, writer)
                    return
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                status, reply_headers, payload = self._management(method, urlsplit(target).path, body)
                _write_response(writer, status, reply_headers, payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _websocket(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        protocol = ServerProtocol(max_size=MAX_MESSAGE)
        protocol.receive_data(head)
        requests = [e for e in protocol.events_received() if isinstance(e, Request)]
        if not requests:
            _flush(protocol, writer)
            return
        request = requests[0]
        response = protocol.accept(request)
        if response.status_code == 101:
            connection_id = base64.b64encode(secrets.token_bytes(11)).decode()
            peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
            headers = {name: value for name, value in request.headers.raw_items()}
            connection = _Connection(
                connection_id, protocol, writer, peer[0], request.headers.get("User-Agent", ""), headers
            )
            status = await self._connect(connection, request)
            if not 200 <= status < 300:
                response = protocol.reject(status, "Unauthorized" if status == 401 else "Forbidden")
            else:
                # Known to the management API before the client learns it is connected, as in API Gateway:
                # a message posted the moment the handshake completes must not find the connection gone.
                self._connections[connection.id] = connection
        protocol.send_response(response)
        _flush(protocol, writer)
        if response.status_code != 101:
            await writer.drain()
            return
        try:
            await self._receive(connection, reader)
        finally:
            self._connections.pop(connection.id, None)
            with contextlib.suppress(Exception):
                writer.close()
            await self._call("$disconnect", self._disconnect_event(connection))

    async def _receive(self, connection: _Connection, reader: asyncio.StreamReader) -> None:
        protocol = connection.protocol
        parts: list[bytes] = []
        binary = False
        while True:
            try:
                data = await reader.read(65536)
            except ConnectionError:
                data = b""
            if data:
                protocol.receive_data(data)
            else:
                protocol.receive_eof()
            for frame in protocol.events_received():
                if not isinstance(frame, Frame) or frame.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                    continue  # ping, pong and close are answered by the protocol object itself
                if frame.opcode is not Opcode.CONT:
                    parts, binary = [], frame.opcode is Opcode.BINARY
                parts.append(bytes(frame.data))
                if frame.fin:
                    connection.last_active = time.time()
                    task = asyncio.ensure_future(self._message(connection, b"".join(parts), binary))
                    self._tasks.add(task)  # held until done: the loop keeps only weak references
                    task.add_done_callback(self._tasks.discard)
            connection.flush()
            if not data or protocol.state is State.CLOSED:
                return

    # --- route invocations -----------------------------------------------------------------------
    async def _connect(self, connection: _Connection, request: Request) -> int:
        url = urlsplit(request.path)
        query: dict[str, list[str]] = {}
        for name, value in parse_qsl(url.query, keep_blank_values=True):
            query.setdefault(name, []).append(value)
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.raw_items():
            multi_headers.setdefault(name, []).append(value)
        event: dict[str, Any] = {
            "headers": connection.headers,
            "multiValueHeaders": multi_headers,
            "requestContext": self._context(connection, "$connect", "CONNECT"),
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = {name: values[-1] for name, values in query.items()}
            event["multiValueQueryStringParameters"] = query
        if "$connect" not in self.api.routes:
            return 200
        result = await self._call("$connect", event)
        if result is None:
            return 500
        if isinstance(result, dict) and "statusCode" in result:
            return int(result["statusCode"])
        return 200

    async def _message(self, connection: _Connection, payload: bytes, binary: bool) -> None:
        route = self._select(payload, binary)
        context = self._context(connection, route or "$default", "MESSAGE")
        context["messageId"] = base64.b64encode(secrets.token_bytes(12)).decode()
        if route is None:
            self._send(
                connection, {"message": "Forbidden", "connectionId": connection.id, "requestId": context["requestId"]}
            )
            return
        event = {
            "requestContext": context,
            "body": base64.b64encode(payload).decode() if binary else payload.decode("utf-8", "replace"),
            "isBase64Encoded": binary,
        }
        if await self._call(route, event) is None:
            self._send(
                connection,
                {"message": "Internal server error", "connectionId": connection.id, "requestId": context["requestId"]},
            )

    def _select(self, payload: bytes, binary: bool) -> str | None:
        """`$request.body.action`: the route whose key is the body's value there, else `$default`."""
        if self._selection_path and not binary:
            try:
                value: Any = json.loads(payload)
                for key in self._selection_path:
                    value = value[key]
                if isinstance(value, str) and value in self.api.routes and not value.startswith("$"):
                    return value
            except (ValueError, KeyError, TypeError, IndexError):
                pass
        return "$default" if "$default" in self.api.routes else None

    def _disconnect_event(self, connection: _Connection) -> dict[str, Any]:
        context = self._context(connection, "$disconnect", "DISCONNECT")
        context["disconnectStatusCode"] = connection.protocol.close_code or 1006
        context["disconnectReason"] = connection.protocol.close_reason or ""
        return {"headers": connection.headers, "requestContext": context, "isBase64Encoded": False}

    async def _call(self, route: str, event: dict[str, Any]) -> Any:
        function = self.api.routes.get(route)
        if function is None:
            return {}
        try:
            return await self._loop.run_in_executor(self._pool, self._invoke, function, event)
        except InvocationError:
            return None

    def _context(self, connection: _Connection, route: str, kind: str) -> dict[str, Any]:
        now = time.time()
        return {
            "routeKey": route,
            "eventType": kind,
            "extendedRequestId": base64.b64encode(secrets.token_bytes(12)).decode(),
            "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "messageDirection": "IN",
            "stage": self.api.stage,
            "connectedAt": int(connection.connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            "requestId": str(uuid.uuid4()),
            "domainName": connection.headers.get("Host", f"127.0.0.1:{self.port}"),
            "connectionId": connection.id,
            "apiId": self.api.api_id,
        }

    def _send(self, connection: _Connection, message: dict[str, Any]) -> None:
        if connection.open:
            connection.protocol.send_text(json.dumps(message).encode())
            connection.flush()

    # --- the management API ----------------------------------------------------------------------
    def _management(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        found = MANAGEMENT_PATH.match(path)
        if not found:
            return _error(404, "NotFoundException", "Not Found")
        connection = self._connections.get(unquote(found.group(1)))
        if connection is None or not connection.open:
            return _error(410, "GoneException", "")
        if method == "POST":
            if len(body) > MAX_MESSAGE:
                return _error(413, "PayloadTooLargeException", "Message too long")
            try:
                body.decode("utf-8")
                connection.protocol.send_text(body)
            except UnicodeDecodeError:
                connection.protocol.send_binary(body)
            connection.flush()
            return 200, {}, b""
        if method == "GET":
            info = {
                "ConnectedAt": _iso(connection.connected_at),
                "Identity": {"SourceIp": connection.source_ip, "UserAgent": connection.user_agent},
                "LastActiveAt": _iso(connection.last_active),
            }
            return 200, {"content-type": "application/json"}, json.dumps(info).encode()
        if method == "DELETE":
            connection.protocol.send_close(1000, "")
            connection.flush()
            self._loop.call_later(2, connection.writer.close)  # a client that never answers the close
            return 204, {}, b""
        return _error(405, "MethodNotAllowed", "Method Not Allowed")


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target = [*lines[0].split(" "), "", ""][:2]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return method.upper(), target, headers


def _flush(protocol: ServerProtocol, writer: asyncio.StreamWriter) -> None:
    for data in protocol.data_to_send():
        if data:
            writer.write(data)


def _write_response(writer: asyncio.StreamWriter, status: int, headers: dict[str, str], payload: bytes) -> None:
    reason = {
        200: "OK",
        204: "No Content",
        404: "Not Found",
        405: "Method Not Allowed",
        410: "Gone",
        413: "Payload Too Large",
    }
    lines = [f"HTTP/1.1 {status} {reason.get(status, 'Error')}"]
    all_headers = {"x-amzn-requestid": str(uuid.uuid4()), "connection": "keep-alive", **headers}
    if status != 204:
        all_headers["content-length"] = str(len(payload))
    lines += [f"{name}: {value}" for name, value in all_headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (payload if status != 204 else b""))


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {"content-type": "application/json", "x-amzn-errortype": code},
        json.dumps({"message": message}).encode(),
    )


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
