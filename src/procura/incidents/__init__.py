"""Platform incidents (outages) and the deadline extensions that make up for them."""
