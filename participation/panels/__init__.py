"""Citizen panels: their scope and adoption rule, members, requests and invitations, and the
public log of everything a panel does."""
