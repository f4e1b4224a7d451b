"""Where a webhook may send: https to public addresses only, checked by the address guard every fetch of
ours passes (core/net.py), when the URL is given and again before every attempt (the connection then goes to
an address that passed). Loopback, and plain http, can be allowed for local testing; private and link-local
addresses never are."""

from __future__ import annotations

from researcher_pro.core.net import AddressPolicy, Resolver, Target, UnsafeAddress, system_resolver


class UnsafeWebhook(UnsafeAddress):
    pass


class WebhookPolicy:
    def __init__(self, allow_loopback: bool = False, resolver: Resolver = system_resolver) -> None:
        schemes = ("https", "http") if allow_loopback else ("https",)
        self._addresses = AddressPolicy(allow_loopback, schemes, resolver)

    def check(self, url: str, field: str = "url") -> Target:
        """Where `url` may be reached, or UnsafeWebhook (422) naming `field` and saying why not."""
        try:
            return self._addresses.check(url)
        except UnsafeAddress as unsafe:
            raise UnsafeWebhook(f"{field}: {unsafe.detail}") from unsafe
