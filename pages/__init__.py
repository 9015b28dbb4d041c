"""The top layer: pages that compose every other layer (the public map, an arrangement's page,
the city overview), and the helpers those pages share (filter links, map settings)."""
