"""Manager metrics: operator and team figures for a period, and client analytics."""
