"""Indicator definitions, the one home of the criteria arrangements are judged by.

A panel's members propose them, discuss them (stances, comments), a facilitator adopts them as
numbered versions or closes them, and retires them; the public catalogue lists what is adopted.
"""
