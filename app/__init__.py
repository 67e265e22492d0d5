"""The chat in the browser: a thin Chainlit app over the conversation service (``agents``).

``app/main.py`` is the Chainlit entry point (``neurolake chat`` runs it); the other modules
turn answers into what the page shows and hold no Chainlit state of their own.
"""
