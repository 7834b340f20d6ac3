"""Calls: the events a telephony connector publishes, and logging each call as an interaction."""
