"""Qt-free domain: identifiers, code lists, Finnish formats, field catalogue."""
