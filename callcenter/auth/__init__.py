"""Authentication (passwords, sessions, tokens, throttling) and role-based permissions."""
