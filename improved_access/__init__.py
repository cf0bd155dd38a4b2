"""Improved Access: evening and weekend appointments, compliance, quarterly GBP 1.50 per weighted head."""
