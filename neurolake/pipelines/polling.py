"""How often the scheduler looks for due pipelines (read by ``neurolake serve --help`` too)."""

#: Seconds between the scheduler thread's looks (cron's resolution is a minute).
POLL_INTERVAL_S = 20.0
