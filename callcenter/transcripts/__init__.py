"""Transcripts of calls: queued as calls with a recording are logged, made by the worker, read by reviewers."""
