"""Sites, users, roles and API tokens; ``access`` is the one site-isolation layer of the EDC."""
