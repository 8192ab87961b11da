"""The JSON API under /api/v1/: token-authenticated, small and explicit."""
