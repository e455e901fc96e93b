"""One module per page; each exposes `render(client)` and plain helper functions."""
