"""Tender pages: the public portal (`public`) and the buyer's workspace (`workspace`)."""
