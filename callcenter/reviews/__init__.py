"""Call review: the scorecard, reviewers' scores of calls, and notes pinned to moments of a call."""
