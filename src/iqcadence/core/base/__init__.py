"""The bottom layer: errors, the clock and the acting user's identity, used
everywhere, and what every surface shows people the same way: the labels
for stored tokens, the band palette and money."""
