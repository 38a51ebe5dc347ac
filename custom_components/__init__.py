"""Custom integrations; lets tests import custom_components.ring_partner."""
