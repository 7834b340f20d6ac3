"""Who is calling: a phone number matched to a client for routing and the screen-pop."""
