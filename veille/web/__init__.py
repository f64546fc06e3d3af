"""`veille web`: the community manager's screens (app.py), on a copy of the warehouse
(snapshot.py), with users and roles (users.py), in French and English (i18n.py)."""
