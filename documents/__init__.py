"""Official documents (văn bản): files and versions, types, registers and numbering,
rendering."""
