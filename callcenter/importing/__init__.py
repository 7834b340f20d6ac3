"""Clients and sales from files, clients to files: import from CSV and XLSX with a per-row report, export
of clients to CSV and XLSX.

The public entry points are in :mod:`callcenter.importing.services`.
"""
