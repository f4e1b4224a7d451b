"""Loopback stand-ins for the outside services (the model APIs, the search API, web pages), speaking their
real wire formats."""
