"""Where requests come in: the Socket.IO namespaces, the HTTP routes and pages, the sweeper's
timer; and the registry of this replica's sockets."""
