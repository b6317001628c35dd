"""The IT-staffing skill taxonomy: canonical skills with aliases, categories and parents (taxonomy.json.gz, built
from the curated skills.yaml + O*NET + ESCO by ml.taxonomy.build; see NOTICE.md)."""

from ml.taxonomy.catalog import Skill, Taxonomy, load_curated_taxonomy, load_taxonomy

__all__ = ["Skill", "Taxonomy", "load_curated_taxonomy", "load_taxonomy"]
