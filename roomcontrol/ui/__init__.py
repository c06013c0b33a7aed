"""The room screen (PySide6). The only package that imports Qt."""
