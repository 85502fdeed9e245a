"""One blueprint per kind of user. Roles import portal, never each other."""
