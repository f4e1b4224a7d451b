"""Loopback stand-ins for the model APIs, speaking their real wire formats."""
