"""Video I/O for inference and the preview: `reader` (files, image folders, cameras, decoded
ahead on a thread), `writer` (mp4 or image folder), `draw` (overlay helpers shared by families)."""
