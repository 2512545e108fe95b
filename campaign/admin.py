from campaign import registration_admin  # noqa: F401 - registrations and their import
