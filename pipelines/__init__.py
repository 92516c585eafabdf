"""Dagster code location for following up 'Sammen for barn og unge'."""
