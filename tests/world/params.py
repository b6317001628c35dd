"""The world sizes the world tests share (generation is deterministic: same parameters, same world)."""

from demo_world import WorldParams

SMALL = WorldParams(consultants=1200, requirements=240, seed=11)
MEDIUM = WorldParams(consultants=4000, requirements=900, seed=5)
