"""Runs task steps (research, analyses, reports) from the tasks queue; each record succeeds or fails on its own."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.config import get_settings
from researcher_pro.container import Container
from researcher_pro.models.tasks import TaskMessage
from researcher_pro.observability import logger, metrics
from researcher_pro.tracing import tracer

container = Container(get_settings())
runners = container.runners
processor = BatchProcessor(event_type=EventType.SQS)


def run_step(record: SQSRecord, context: LambdaContext) -> str:
    message = TaskMessage.model_validate_json(record.body)
    logger.append_keys(task_id=message.task_id, kind=message.kind, step=message.step)
    logger.set_correlation_id(message.task_id)
    outcome = runners[message.kind].run_step(
        message,
        remaining_seconds=context.get_remaining_time_in_millis() / 1000,
        owner=f"{context.aws_request_id}:{record.message_id}",
        receive_count=int(record.attributes.approximate_receive_count),
    )
    logger.info("step handled", extra={"outcome": outcome})
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event,
        record_handler=lambda record: run_step(record, context),
        processor=processor,
        context=context,
    )
