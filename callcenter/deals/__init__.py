"""Deals moving through funnel stages, and sales."""
