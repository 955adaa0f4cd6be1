"""Opportunity alerts: suppliers' subscriptions, email (immediate or daily digest) and personal Atom feeds."""
