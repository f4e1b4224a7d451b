"""Posts to the management API, as the fan-out makes them: the request boto3 would make, signed for the
function, retried as boto3 retries (throttling, server errors), and what a refusal means."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from researcher_pro.realtime.gateway import ConnectionGateway, ConnectionGone, PostRefused

from tests.fakes.management_api import ManagementApi

CONNECTION = "L0SM9cOFvHcCIhw="  # API Gateway's ids end in '=', which the path carries quoted


@pytest.fixture()
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ManagementApi]:
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    fake = ManagementApi("AKIDEXAMPLE", "secret", "eu-west-1")
    yield fake
    fake.close()


def test_a_post_is_the_request_boto3_makes_signed_with_the_function_s_credentials(api: ManagementApi) -> None:
    ConnectionGateway(api.url).post(CONNECTION, b'{"type":"pong"}')
    boto3.session.Session().client("apigatewaymanagementapi", endpoint_url=api.url).post_to_connection(
        ConnectionId=CONNECTION, Data=b'{"type":"pong"}'
    )
    (ours, ours_headers, ours_body), (boto3s, boto3s_headers, boto3s_body) = api.posts
    assert ours == boto3s == "/dev/@connections/L0SM9cOFvHcCIhw%3D"
    assert ours_body == boto3s_body == b'{"type":"pong"}'
    assert api.signed(ours, ours_headers, ours_body) and api.signed(boto3s, boto3s_headers, boto3s_body)
    assert not api.signed(ours, ours_headers, b'{"type":"changed"}')  # the check itself


def test_throttling_and_server_errors_are_retried_and_a_refusal_is_reported(api: ManagementApi) -> None:
    gateway = ConnectionGateway(api.url)
    api.answer(429, 503)
    gateway.post(CONNECTION, b"{}")  # third time lucky
    assert len(api.posts) == 3
    api.answer(500, 500, 500)
    with pytest.raises(PostRefused) as refused:
        gateway.post(CONNECTION, b"{}")
    assert (refused.value.status, refused.value.error_type) == (500, "InternalServerErrorException")
    api.answer(403)
    with pytest.raises(PostRefused):
        gateway.post(CONNECTION, b"{}")  # not worth retrying
    api.answer(410)
    with pytest.raises(ConnectionGone):
        gateway.post(CONNECTION, b"{}")
    assert len(api.posts) == 3 + 3 + 1 + 1
