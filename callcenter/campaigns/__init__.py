"""Outbound campaigns: their storage, rules, attempts and the commands the dialer gives the PBX."""
