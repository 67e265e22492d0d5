"""Request and response bodies of the REST API: ``XCreate`` in, ``XPublic`` out."""
