"""Runs task steps (research, analyses, reports, document extractions) from the tasks queue; each record
succeeds or fails on its own. S3's notice that an uploaded file has landed arrives on the same queue."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.analyses.wiring import analysis_task
from researcher_pro.core.config import get_settings
from researcher_pro.core.observability import logger, metrics
from researcher_pro.core.tracing import tracer
from researcher_pro.documents.uploads import landed_upload
from researcher_pro.documents.wiring import document_task
from researcher_pro.reports.wiring import report_task
from researcher_pro.research.wiring import research_pipeline
from researcher_pro.tasks.messages import read_message
from researcher_pro.watches.wiring import event_sinks

settings = get_settings()
sinks = event_sinks(settings)
runners = {
    "research": research_pipeline(settings, sinks),
    "analysis": analysis_task(settings, sinks),
    "report": report_task(settings, sinks),
    "document": document_task(settings, sinks),
}
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method(capture_response=False)
def run_step(record: SQSRecord, context: LambdaContext) -> str:
    message = landed_upload(record.body) or read_message(record.body)
    # Every line this step logs carries the task (its id is the correlation id), and its trace can be found
    # by it: X-Ray annotations are indexed.
    logger.append_keys(task_id=message.task_id, kind=message.kind, step=message.step)
    logger.set_correlation_id(message.task_id)
    tracer.put_annotation(key="task_id", value=message.task_id)
    tracer.put_annotation(key="kind", value=message.kind)
    tracer.put_annotation(key="step", value=message.step)
    outcome = runners[message.kind].run_step(
        message,
        remaining_seconds=context.get_remaining_time_in_millis() / 1000,
        owner=f"{context.aws_request_id}:{record.message_id}",
        receive_count=int(record.attributes.approximate_receive_count),
    )
    logger.info("step handled", extra={"outcome": outcome})
    return outcome


# clear_state: a warm container's next invocation must not log the previous step's keys.
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event,
        record_handler=lambda record: run_step(record, context),
        processor=processor,
        context=context,
    )
