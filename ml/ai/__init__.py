"""The AI gateway (providers, cap, cache, telemetry) and the embedding model wrapper."""
