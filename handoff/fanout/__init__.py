"""Telling people: Socket.IO rooms, the notifier every event goes out through, and the Redis
manager that carries events to the other replicas."""
