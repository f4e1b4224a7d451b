"""Tasks run one step per SQS message: the step engine, task records and their event logs, the queue,
the sweeper, metering and the provider cache."""
