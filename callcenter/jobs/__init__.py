"""Background jobs: a queue in the CRM's own database, and the worker that runs them."""
