"""API Gateway's management API for one stage, on loopback, as it answers posts under load and with stale
connections: each post gets the next status of its script (then 200), with API Gateway's error shape
(`x-amzn-errortype`, `{"message"}`). Like API Gateway, it refuses a post whose SigV4 signature (for
execute-api, checked with botocore's signer from the request as it arrived) does not hold."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ERRORS = {
    403: "ForbiddenException",
    410: "GoneException",
    429: "LimitExceededException",
    500: "InternalServerErrorException",
    503: "ServiceUnavailableException",
}


class ManagementApi:
    def __init__(self, access_key: str, secret_key: str, region: str, stage: str = "dev") -> None:
        self.posts: list[tuple[str, dict[str, str], bytes]] = []  # path, headers, body
        self.script: deque[int] = deque()
        self._credentials = Credentials(access_key, secret_key)
        self._region = region
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                api.posts.append((self.path, headers, body))
                status = 403 if not api.signed(self.path, headers, body) else api.next_status()
                payload = b"" if status == 200 else json.dumps({"message": ERRORS.get(status, "Error")}).encode()
                self.send_response(status)
                if status != 200:
                    self.send_header("x-amzn-errortype", ERRORS.get(status, "Error"))
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/{stage}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def answer(self, *statuses: int) -> None:
        """The statuses of the next posts, in order; 200 after them."""
        self.script.extend(statuses)

    def next_status(self) -> int:
        return self.script.popleft() if self.script else 200

    def signed(self, path: str, headers: dict[str, str], body: bytes) -> bool:
        """Whether the request carries the signature botocore computes for it, at the time it names."""
        authorization, stamp = headers.get("authorization", ""), headers.get("x-amz-date", "")
        if f"/{self._region}/execute-api/aws4_request" not in authorization or not stamp:
            return False
        signed_names = authorization.split("SignedHeaders=", 1)[-1].split(",", 1)[0].split(";")
        request = AWSRequest(
            method="POST",
            url=f"http://{headers['host']}{path}",
            data=body,
            headers={name: headers[name] for name in signed_names if name in headers},
        )
        request.context["timestamp"] = stamp
        signer = SigV4Auth(self._credentials, "execute-api", self._region)
        canonical = signer.canonical_request(request)
        signature = signer.signature(signer.string_to_sign(request, canonical), request)
        return authorization.endswith(f"Signature={signature}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
