"""An HTTP gateway that speaks API Gateway HTTP API: payload format 2.0 events in, 2.0 results out."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from infra.local.functions import InvocationError
from infra.local.template import ACCOUNT, Route

MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway's own limit
# Lambda's for a synchronous invocation's event (the request as JSON, a binary body base64-encoded in it): a
# larger one is refused before the function runs, so the client never sees the function's own answer.
LAMBDA_PAYLOAD = 6 * 1024 * 1024
TEXT_TYPES = ("application/json", "application/problem+json", "text/", "application/x-www-form-urlencoded")


class CompiledRoute:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.key = f"{route.method} {route.path}"
        pattern = ""
        for part in re.split(r"(\{[^}]+\})", route.path):
            if part.startswith("{") and part.endswith("+}"):
                pattern += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                pattern += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                pattern += re.escape(part)
        self.regex = re.compile(f"^{pattern}$")
        # API Gateway: the most specific route wins — literal over variable over greedy, method over ANY.
        self.rank = ("+}" in route.path, route.path.count("{"), -len(route.path), route.method == "ANY")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.route.method not in ("ANY", method):
            return None
        found = self.regex.match(path)
        return found.groupdict() if found else None


Invoke = Callable[[str, dict[str, Any]], Any]


class HttpGateway:
    def __init__(self, routes: list[Route], invoke: Invoke, port: int) -> None:
        self._routes = sorted((CompiledRoute(r) for r in routes), key=lambda r: r.rank)
        self._invoke = invoke
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in separate writes; with Nagle on, the body waits ~40 ms for an ACK.
            disable_nagle_algorithm = True

            def do_request(self) -> None:
                gateway.handle(self)

            def __getattr__(self, name: str) -> Any:
                # Every method reaches the routes, as API Gateway's ANY routes take them (a function answers 405
                # for a method it has no route for); http.server itself would answer others with an HTML 501.
                if name.startswith("do_"):
                    return self.do_request
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="http-gateway", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_PAYLOAD:
            self._reply(request, 413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}')
            return
        body = request.rfile.read(length) if length else b""
        url = urlsplit(request.path)
        for route in self._routes:
            params = route.match(request.command, url.path)
            if params is not None:
                break
        else:
            self._reply(request, 404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
            return
        event = self._event(request, route, params, url.path, url.query, body)
        if len(body) > LAMBDA_PAYLOAD // 2 and len(json.dumps(event)) > LAMBDA_PAYLOAD:
            self._reply(request, 413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}')
            return
        try:
            result = self._invoke(route.route.function, event)
        except InvocationError:
            self._reply(request, 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}')
            return
        status, headers, payload = self._result(result)
        self._reply(request, status, headers, payload)

    def _event(
        self,
        request: BaseHTTPRequestHandler,
        route: CompiledRoute,
        params: dict[str, str],
        path: str,
        query: str,
        body: bytes,
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
        query_params: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            query_params[name] = f"{query_params[name]},{value}" if name in query_params else value
        content_type = headers.get("content-type", "")
        is_text = not body or any(content_type.startswith(t) for t in TEXT_TYPES)
        now = time.time()
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": ACCOUNT,
                "apiId": "local",
                "domainName": headers.get("host", "localhost"),
                "domainPrefix": headers.get("host", "localhost").split(".")[0],
                "http": {
                    "method": request.command,
                    "path": path,
                    "protocol": request.request_version,
                    "sourceIp": request.client_address[0],
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": route.key,
                "stage": "$default",
                "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now * 1000),
            },
            "isBase64Encoded": not is_text,
        }
        if cookies:
            event["cookies"] = cookies
        if query_params:
            event["queryStringParameters"] = query_params
        if params:
            event["pathParameters"] = params
        if body:
            event["body"] = body.decode("utf-8", "replace") if is_text else base64.b64encode(body).decode()
        return event

    @staticmethod
    def _result(result: Any) -> tuple[int, dict[str, str], bytes]:
        if not isinstance(result, dict) or "statusCode" not in result:
            # Payload 2.0: a bare value is a 200 with that value as JSON.
            return 200, {"content-type": "application/json"}, json.dumps(result).encode()
        headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name.lower()] = ",".join(str(v) for v in values)
        body = result.get("body") or ""
        payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
        cookies = result.get("cookies") or []
        if cookies:
            headers["set-cookie"] = cookies[0]
        return int(result["statusCode"]), headers, payload

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: bytes) -> None:
        request.send_response(status)
        for name, value in headers.items():
            if name not in ("content-length", "connection", "transfer-encoding"):
                request.send_header(name, value)
        request.send_header("content-length", str(len(payload)))
        request.send_header("apigw-requestid", str(uuid.uuid4()))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)
