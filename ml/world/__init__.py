"""The demo world: a deterministic generator of a bench-sales firm's data, with a hidden outcome process.

`generate_world` builds it in memory, `load_world` writes it for a tenant, `true_probabilities` is the oracle.
Nothing outside ml.world and evaluation code may read the `world` schema.
"""

from ml.world.generator import generate_world
from ml.world.model import Table, World, WorldParams

__all__ = ["Table", "World", "WorldParams", "generate_world"]
