"""Architecture decision records: lifecycle, Markdown (MADR, Nygard) parse and render."""
