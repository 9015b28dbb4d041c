"""Usage data: bike counters, their readings at any granularity, rollups, outages, manual counts."""
