"""Clients in and out of files: import from CSV and XLSX with a per-row report, export to CSV and XLSX.

The public entry points are in :mod:`callcenter.importing.services`.
"""
