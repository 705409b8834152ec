"""Partner directory: the services organisations offer, in the data·inclusion v1 vocabulary.

A service belongs to a hub organisation (the one that receives the referrals), covers an
eligibility zone (INSEE commune, EPCI or département codes), addresses data·inclusion
thématiques and publics, and promises a response within a delay (Boussole style, default 14
days). Routing (``hub.referrals``) chooses among these services.
"""
