"""Following arrangements and communes, and the messages it brings.

- `services`: following, changing how often, unsubscribing (by a signed link, `tokens`);
- `notices`: who is told of an event and how (at once or in the weekly digest), once each;
- `announcements`: what an adaptation tells followers, and the invitation of earlier raters;
- `digests`: the residents' weekly digest and the moderators' daily digest of reports (run by
  the background jobs of `participation.tasks`).
"""
