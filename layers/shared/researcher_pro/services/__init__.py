"""Business rules. Services receive their repositories and providers; they never build them."""
