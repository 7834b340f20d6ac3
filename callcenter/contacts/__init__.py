"""Contact persons: the people who speak for clients."""
