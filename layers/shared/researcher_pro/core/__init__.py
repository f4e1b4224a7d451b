"""What every room builds on: settings, domain errors, logging and metrics, AWS helpers, pagination."""
