"""What every layer shares and no domain owns: the few rules stated once for the whole house
(the staff guard, "no longer open", unique slugs, read-only admin pages, facet counts) and the
request type of htmx views. It imports no app of the project."""
