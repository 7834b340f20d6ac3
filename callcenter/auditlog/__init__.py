"""Reading the audit log (writing it is callcenter.audit, inside each writer's transaction)."""
