"""One reader per kind of document file; ``formats.documents`` picks one by suffix."""
