"""Servers of ours that play the providers the portal talks to, on 127.0.0.1."""
