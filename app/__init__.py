"""The archgraph service: HTTP API, settings, auth and the command line."""
