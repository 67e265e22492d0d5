"""Small repository functions over catalog sessions, one module per resource."""
