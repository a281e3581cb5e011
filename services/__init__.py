"""Workflows that span the warehouse and the operational store, and every audit write."""
