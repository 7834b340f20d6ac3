"""Relations between clients: parent company, subsidiary, partner, competitor."""
