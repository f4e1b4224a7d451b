"""Data access: the only code that calls boto3 data APIs."""
