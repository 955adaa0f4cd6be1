"""Accounts: users, organisations, memberships and roles, invitations, API tokens, two-factor."""
