"""Many halls on many nodes: leases with fencing tokens, placement, presence (issue 15)."""
