"""Where we may connect on someone else's say-so: one address guard for every URL we fetch (a watch's
webhook, the pages research reads), and HTTP requests that reach only the addresses that passed it.

A URL from a user or from the web must never aim us at our own network: the cloud metadata service
(169.254.169.254), a private address, the loopback interface. So every address a URL's host resolves to is
checked, however it is spelled (a decimal or octal IPv4, IPv4 inside IPv6), and the connection then goes to
an address that passed, while the TLS name and the Host header stay the URL's: a DNS answer that changes
between the check and the connection cannot move us. Redirects are never followed here; a caller that
follows them checks each target as a new URL. Loopback can be allowed for local testing; private and
link-local addresses never are.

Only the standard library is imported at module level: the API checks webhook URLs on its cold path, and
only the functions that send requests load httpx.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from urllib.parse import urlsplit

from researcher_pro.core.errors import InvalidInput

if TYPE_CHECKING:
    import ssl

    import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
DEFAULT_PORTS = {"https": 443, "http": 80}


class UnsafeAddress(InvalidInput):
    """A URL we may not connect to; `detail` says why."""


class Target(NamedTuple):
    """A URL's host and port, and the addresses it may be reached at (every one of them checked)."""

    host: str
    port: int
    addresses: list[str]


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def forbidden(address: Address, allow_loopback: bool) -> str | None:
    """Why `address` may not be connected to, or None when it may."""
    # IPv4 written inside IPv6 (::ffff:a.b.c.d, 6to4's 2002:aabb:ccdd::) reaches that IPv4 address.
    mapped = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
    if mapped is not None:
        return forbidden(mapped, allow_loopback)
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    if not address.is_global:
        return "an address that is not publicly routable"
    return None


class AddressPolicy:
    """Which URLs may be fetched: `schemes` only, no credentials, and a host whose every address is public
    (or loopback, when `allow_loopback`; for local testing only)."""

    def __init__(self, allow_loopback: bool, schemes: tuple[str, ...], resolver: Resolver = system_resolver) -> None:
        self.allow_loopback = allow_loopback
        self.schemes = schemes
        self._resolve = resolver

    def check(self, url: str) -> Target:
        """Where `url` may be reached, or UnsafeAddress saying why it may not."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise UnsafeAddress(f"not a valid URL ({error})") from error
        scheme = parts.scheme.lower()
        if scheme not in self.schemes:
            raise UnsafeAddress(f"must be an {' or '.join(f'{s}://' for s in self.schemes)} URL")
        if parts.username or parts.password:
            raise UnsafeAddress("must not carry credentials")
        host = parts.hostname
        if not host:
            raise UnsafeAddress("has no host")
        port = port or DEFAULT_PORTS.get(scheme, 443)
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise UnsafeAddress(f"the host {host!r} does not resolve") from error
        if not addresses:
            raise UnsafeAddress(f"the host {host!r} does not resolve")
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            reason = forbidden(address, self.allow_loopback)
            if reason:
                raise UnsafeAddress(f"{host!r} resolves to {reason} ({address}), which is not allowed")
        return Target(host, port, addresses)


class PinnedSession:
    """HTTP/1.1 requests that connect only to addresses an AddressPolicy checked, every network operation
    (connecting, the TLS handshake, each read and write) ending by one `deadline` (a `time.monotonic()`
    instant), so neither a server that never answers nor one that trickles a byte at a time can hold us
    past it. Redirects are not followed; the environment (proxies, .netrc) is not read.

    Connections are pooled by the URL's host, so requests to one site share one, and the TLS name is always
    the host the request is for. One session serves one thread.
    """

    def __init__(self, deadline: float) -> None:
        import httpcore
        import httpx

        self._backend = _PinnedBackend(deadline)
        context = _tls_context()
        transport = httpx.HTTPTransport(verify=context, trust_env=False)
        # httpx takes no network backend of its own; the connection pool it wraps does. (Ours are duck-typed
        # rather than subclassed, so that importing this module does not import httpcore.)
        transport._pool = httpcore.ConnectionPool(ssl_context=context, network_backend=cast(Any, self._backend))
        self._http = httpx.Client(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(max(0.0, deadline - time.monotonic())),
        )

    def __enter__(self) -> PinnedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @contextmanager
    def send(
        self,
        method: str,
        url: str,
        target: Target,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Iterator[httpx.Response]:
        """One request for `url`, over a connection to one of `target`'s addresses (tried in order until one
        connects). The response's body is streamed: read it inside the block."""
        request = self._http.build_request(method, url, headers=headers, content=content)
        if request.url.host.strip("[]").lower() != target.host.strip("[]").lower():
            raise ValueError(f"{url} is not on the checked host {target.host}")
        self._backend.pin(request.url.raw_host.decode("ascii"), target.port, target.addresses)
        response = self._http.send(request, stream=True)
        try:
            yield response
        finally:
            response.close()


@cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every session of the container (building one reads the CA bundle)."""
    import httpx

    return httpx.create_ssl_context()


class _PinnedBackend:
    """httpcore's network backend, narrowed: it connects a host only to the addresses pinned for it, and
    bounds every operation by the deadline."""

    def __init__(self, deadline: float) -> None:
        import httpcore

        self._deadline = deadline
        self._pins: dict[tuple[str, int], tuple[str, ...]] = {}
        self._system = httpcore.SyncBackend()

    def pin(self, host: str, port: int, addresses: Iterable[str]) -> None:
        self._pins[(host.lower(), port)] = tuple(addresses)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _DeadlineStream:
        import httpcore

        addresses = self._pins.get((host.lower(), port))
        if not addresses:
            raise httpcore.ConnectError(f"{host}:{port} was not checked")
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = self._system.connect_tcp(
                    address.split("%", 1)[0],
                    port,
                    _left(self._deadline, timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except httpcore.ConnectError as error:
                failure = error  # say, an IPv6 address on a network without IPv6: the next may connect
                continue
            return _DeadlineStream(stream, self._deadline)
        assert failure is not None
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        import httpcore

        raise httpcore.ConnectError("unix sockets are not reachable through a pinned session")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _DeadlineStream:
    """A connection whose every read, write and handshake ends by the deadline."""

    def __init__(self, stream: Any, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        data: bytes = self._stream.read(max_bytes, _left(self._deadline, timeout, httpcore.ReadTimeout))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore

        self._stream.write(buffer, _left(self._deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> _DeadlineStream:
        import httpcore

        left = _left(self._deadline, timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, left), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


def _left(deadline: float, timeout: float | None, expired: type[Exception]) -> float:
    """The time an operation may take: its own timeout, cut to what is left before the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the deadline has passed")
    return left if timeout is None else min(timeout, left)
