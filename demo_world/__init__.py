"""The demo world: a deterministic generator of a bench-sales firm's data, with a hidden outcome process.

`generate_world` builds it in memory, `load_world` writes it for a tenant, `true_probabilities` is the oracle.
Not production code: only the CLI's demo and seed commands, tests and benchmarks import it (an import-linter
contract in pyproject.toml says so). Its truth tables (schema `world`) come from its own migration stream
(`demo_world.schema`); evaluation reads `world.submission_truth` when it exists, never this package.
"""

from demo_world.generator import generate_world
from demo_world.model import Table, World, WorldParams

__all__ = ["Table", "World", "WorldParams", "generate_world"]
