"""Organisations of the partner network (Mission Locale, partners, outreach teams, PSAD, DPO)."""
