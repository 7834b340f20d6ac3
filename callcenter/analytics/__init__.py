"""Client analytics: ABC and XYZ classes from sales."""
