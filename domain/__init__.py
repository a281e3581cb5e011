"""What the platform knows about its domain: code tables and the indicator registry. Pure: no I/O."""
