"""Claims: complaints, their investigation and resolution."""
