"""Tasks and callbacks: an owner, a due time, a status."""
