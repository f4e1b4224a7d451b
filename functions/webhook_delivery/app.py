"""Makes webhook delivery attempts from the deliveries queue; each record succeeds or fails on its own."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.core.config import get_settings
from researcher_pro.core.observability import logger, metrics
from researcher_pro.webhooks.queue import read_message
from researcher_pro.webhooks.wiring import delivery_attempts

attempts = delivery_attempts(get_settings())
processor = BatchProcessor(event_type=EventType.SQS)


def attempt(record: SQSRecord, context: LambdaContext) -> str:
    message = read_message(record.body)
    logger.append_keys(webhook_id=message.webhook_id, delivery_id=message.delivery_id)
    outcome = attempts.attempt(message, owner=f"{context.aws_request_id}:{record.message_id}")
    logger.info("delivery attempt handled", extra={"outcome": outcome})
    return outcome


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=lambda record: attempt(record, context), processor=processor, context=context
    )
