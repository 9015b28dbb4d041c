"""Residents' opinions of arrangements: ratings, comments and pinned spots, their moderation.

Layered as the rest of the project: `services` writes, `selectors` reads, `permissions` decides,
`views` stay thin. The models live in `participation.models` (Contribution, Rating, Report,
CommuneModeration, ModerationLogEntry).
"""
