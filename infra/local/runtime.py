"""The inside of one local Lambda container: a process that imports a function as Lambda does
(its code directory and the layer on sys.path, `module.handler` looked up once) and then serves
invocations, warm, until it is stopped.

Run as a script so that nothing of the project but the function and its layer is importable.
"""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import sys
import time
import traceback
from multiprocessing.connection import Client
from typing import Any


class LambdaContext:
    def __init__(self, request_id: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self._deadline = deadline
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region, account = os.environ["AWS_REGION"], os.environ.get("RP_LOCAL_ACCOUNT", "123456789012")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group; stopping containers is the cloud's job (as it is
    # Lambda's), so a container ignores it instead of dying mid-invocation with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code_dir, layer_dir, handler_path, address, authkey = sys.argv[1:6]
    sys.path[0:1] = [code_dir, layer_dir]  # replaces this script's own directory
    os.chdir(code_dir)
    module_name, function_name = handler_path.rsplit(".", 1)
    connection = Client(address, "AF_UNIX", authkey=bytes.fromhex(authkey))
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except BaseException as error:  # an import error is the function's error, reported to the caller
        connection.send(("init_error", _describe(error)))
        raise
    connection.send(("ready", None))
    while True:
        try:
            request_id, event, deadline = connection.recv()
        except EOFError:
            return
        # As Lambda does with active tracing: each invocation's own trace header (never sampled here: there is
        # no X-Ray locally), which the code passes on in the messages it queues.
        os.environ["_X_AMZN_TRACE_ID"] = (
            f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"
        )
        try:
            result: Any = handler(event, LambdaContext(request_id, deadline))
            reply: tuple[str, Any] = ("ok", result)
        except Exception as error:
            traceback.print_exc()
            reply = ("error", _describe(error))
        sys.stdout.flush()
        sys.stderr.flush()
        connection.send(reply)


def _describe(error: BaseException) -> dict[str, Any]:
    return {
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error),
    }


if __name__ == "__main__":
    main()
