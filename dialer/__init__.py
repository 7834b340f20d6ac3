"""Outbound campaigns by segment: lists, call windows, retries, do-not-call and pacing."""
