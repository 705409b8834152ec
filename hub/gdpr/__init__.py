"""HTTP and command-line surface of the consent registry and the GDPR rights (``consent``)."""
