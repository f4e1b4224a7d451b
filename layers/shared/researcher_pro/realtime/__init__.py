"""Real time: committed task events pushed to WebSocket connections, and the connections themselves."""
