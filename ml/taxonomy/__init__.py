"""The IT-staffing skill taxonomy: canonical skills with aliases, categories and parents (data in skills.yaml)."""

from ml.taxonomy.catalog import Skill, Taxonomy, load_taxonomy

__all__ = ["Skill", "Taxonomy", "load_taxonomy"]
