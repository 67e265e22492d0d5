"""The longest window the dashboard's summary covers (read by the command line's options too)."""

#: Longest window a summary covers, in hours.
MAX_HOURS = 24 * 90
