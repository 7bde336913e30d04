"""Case files and archive (hồ sơ, lưu trữ): file plan, retention, transfer, packages,
fixity."""
