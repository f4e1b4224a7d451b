"""The address guard every fetch of ours passes: URLs that could reach inside our network are refused, however
the address is spelled and whatever name stands for it."""

from __future__ import annotations

import pytest
from researcher_pro.core.errors import InvalidInput
from researcher_pro.core.net import AddressPolicy, Target, UnsafeAddress

WEB = ("https", "http")


def resolving(*addresses: str) -> AddressPolicy:
    """A policy whose DNS answers every name with `addresses`."""
    return AddressPolicy(False, WEB, resolver=lambda host, port: list(addresses))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),  # with a zone, as getaddrinfo gives it
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not publicly routable"),  # carrier-grade NAT
        ("::ffff:169.254.169.254", "link-local"),  # IPv4-mapped IPv6
        ("::ffff:a9fe:a9fe", "link-local"),  # the same, in hex
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 wrapping 169.254.169.254
        ("2002:0a00:0001::", "private"),  # 6to4 wrapping 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "reserved"),  # NAT64 wrapping 169.254.169.254
    ],
)
def test_a_name_that_resolves_to_an_internal_address_is_refused(address: str, reason: str) -> None:
    with pytest.raises(UnsafeAddress) as refused:
        resolving(address).check("https://innocent.example.com/page")
    assert reason in refused.value.detail
    assert "innocent.example.com" in refused.value.detail


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one decimal number
        ("http://0177.0.0.1/", "loopback"),  # octal
        ("http://0x7f.1/", "loopback"),  # hex, short form
        ("http://[::1]:8080/", "loopback"),
        ("http://localhost/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:a9fe:a9fe]/latest/meta-data/", "link-local"),
        ("http://10.0.0.1/reports/fleet-performance.html", "private"),
        ("http://[fd12:3456::1]/", "private"),
        ("http://0.0.0.0:8000/", "unspecified"),
    ],
)
def test_internal_addresses_however_written_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeAddress, match=reason):
        AddressPolicy(False, WEB).check(url)


def test_every_resolved_address_must_be_public() -> None:
    # One public and one private answer: a connection could go to either, so the name is refused.
    with pytest.raises(UnsafeAddress, match=r"private address \(10\.0\.0\.5\)"):
        resolving("93.184.215.14", "10.0.0.5").check("https://mixed.example.com/")
    public = resolving("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert public.check("https://www.example.com:8443/a?b=c") == Target(
        "www.example.com", 8443, ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    )
    assert public.check("http://www.example.com/").port == 80
    assert public.check("https://www.example.com/").port == 443


def test_the_resolver_is_asked_about_the_urls_host_and_port() -> None:
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["93.184.215.14"]

    AddressPolicy(False, WEB, resolver).check("https://Docs.Example.com:444/x")
    assert asked == [("docs.example.com", 444)]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/file", "must be an https:// or http:// URL"),
        ("file:///etc/passwd", "must be an https:// or http:// URL"),
        ("gopher://example.com:70/", "must be an https:// or http:// URL"),
        ("javascript:alert(1)", "must be an https:// or http:// URL"),
        ("example.com/page", "must be an https:// or http:// URL"),
        ("https://user:secret@example.com/", "must not carry credentials"),
        ("https://user@example.com/", "must not carry credentials"),
        ("https:///no-host", "has no host"),
        ("https://example.com:99999/", "not a valid URL"),
        ("https://[::1/", "not a valid URL"),
    ],
)
def test_urls_we_never_fetch(url: str, reason: str) -> None:
    with pytest.raises(UnsafeAddress, match=reason):
        resolving("93.184.215.14").check(url)


def test_a_policy_names_only_the_schemes_it_allows() -> None:
    https_only = AddressPolicy(False, ("https",), resolver=lambda host, port: ["93.184.215.14"])
    with pytest.raises(UnsafeAddress, match=r"must be an https:// URL"):
        https_only.check("http://example.com/")
    assert https_only.check("HTTPS://example.com/").host == "example.com"


def test_a_name_that_does_not_resolve_is_refused() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeAddress, match="does not resolve"):
        AddressPolicy(False, WEB, failing).check("https://nowhere.example.com/")
    with pytest.raises(UnsafeAddress, match="does not resolve"):
        resolving().check("https://empty.example.com/")
    with pytest.raises(UnsafeAddress, match="does not resolve"):
        AddressPolicy(False, WEB).check("https://no-such-host.invalid/")


def test_loopback_only_when_allowed_and_private_or_link_local_never() -> None:
    local = AddressPolicy(True, WEB)
    assert local.check("http://127.0.0.2:8080/page") == Target("127.0.0.2", 8080, ["127.0.0.2"])
    assert local.check("http://[::1]:8080/page").addresses == ["::1"]
    assert local.check("http://[::ffff:127.0.0.1]/").addresses == ["::ffff:127.0.0.1"]
    for url, reason in [
        ("http://10.0.0.1/", "private"),
        ("http://192.168.0.10/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:a9fe:a9fe]/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
    ]:
        with pytest.raises(UnsafeAddress, match=reason):
            local.check(url)


def test_a_refusal_is_invalid_input() -> None:
    # The API answers a refused webhook URL with 422, as for any other invalid field.
    assert issubclass(UnsafeAddress, InvalidInput) and UnsafeAddress.status == 422
