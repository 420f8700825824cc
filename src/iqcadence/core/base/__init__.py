"""The bottom layer: errors, the clock and the acting user's identity, used everywhere."""
