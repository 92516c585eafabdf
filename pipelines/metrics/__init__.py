"""Metric computations for the scorecard: statistics, status classes and small-cell suppression."""
