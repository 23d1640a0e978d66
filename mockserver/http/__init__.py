"""Transport, no behaviour: the ASGI app assembled from its layers, the HTTP server, CORS, compression and the wire."""
