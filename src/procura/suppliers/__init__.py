"""The supplier register: beneficial owners and qualification documents, entered once and reused in every bid."""
