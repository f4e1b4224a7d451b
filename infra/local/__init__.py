"""The local cloud: template.yaml run on one machine (moto, gateways, poller, ticker)."""
