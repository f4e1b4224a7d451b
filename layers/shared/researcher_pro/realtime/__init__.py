"""Progress events after they are committed: the WebSocket fan-out and anything else that reacts to them."""
