"""moto in server mode, as the local cloud runs it: DynamoDB's isolation, faults when asked for, and
moto made faster (infra/local/moto_tuning.py). Imported only where moto runs: its own process, and the
integration tests' fixture."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler, ThreadedMotoServer
from werkzeug.serving import make_server

from infra.local.faults import Dice, DynamoDBFaults, Faults
from infra.local.moto_tuning import make_moto_faster


class OneDynamoDBRequestAtATime:
    """DynamoDB applies every request, transactions included, in isolation. moto serves requests on
    threads without locking its tables, so two conditional writes racing for one item can both pass
    their condition. Serialising DynamoDB requests gives the local cloud DynamoDB's isolation, which
    every lease, version and due-time condition in Researcher Pro relies on.

    DynamoDB's requests go straight to moto's DynamoDB application: moto's dispatcher works out which
    service a request is for anew every time, and took a third of the time moto spent on a GetItem."""

    def __init__(self, dispatcher: DomainDispatcherApplication) -> None:
        self._dispatcher = dispatcher
        self._dynamodb: Callable[..., Iterable[bytes]] | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self._dispatcher(environ, start_response)
        with self._lock:
            if self._dynamodb is None:
                self._dynamodb = self._dispatcher.get_application(environ)
            return list(self._dynamodb(environ, start_response))


class IsolatedMotoServer(ThreadedMotoServer):
    def __init__(self, ip_address: str, port: int, faults: Faults, dice: Dice) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self._faults = faults
        self._dice = dice

    def _server_entry(self) -> None:
        # As ThreadedMotoServer's own, with the application wrapped.
        app: Callable[..., Iterable[bytes]] = OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app))
        if self._faults.dynamodb_conflicts or self._faults.dynamodb_throttles:
            app = DynamoDBFaults(app, self._faults, self._dice)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


def start_moto(port: int, faults: Faults | None = None, dice: Dice | None = None) -> ThreadedMotoServer:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call drowns the output
    # werkzeug writes headers and body separately; with Nagle on, every AWS call waits ~40 ms for an ACK.
    MotoRequestHandler.disable_nagle_algorithm = True
    make_moto_faster()
    faults = faults or Faults()
    server = IsolatedMotoServer("127.0.0.1", port, faults, dice or Dice(faults.seed))
    server.start()
    return server
