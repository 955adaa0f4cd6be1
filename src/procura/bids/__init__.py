"""Electronic bids: drafts, sealed submissions, signed receipts, withdrawal and the public opening."""
