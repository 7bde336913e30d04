"""Directory: organisations (mã định danh), units, positions, people, roles,
delegation."""
