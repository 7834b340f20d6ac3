"""The WebSocket hub: pops for the operator whose phone rings, desk state, and the supervisors' live view."""
