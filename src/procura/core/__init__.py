"""Core: clock, money, identifiers, errors, pagination and domain events shared by every app."""
