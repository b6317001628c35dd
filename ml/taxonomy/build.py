"""Build the released skill taxonomy (taxonomy.json.gz) from the curated layer, O*NET 29.2 and ESCO 1.1.1.

    python -m ml.taxonomy.build [--onet DIR] [--esco DIR] [--out FILE] [--version V]

DIR defaults: $BENCHCRM_SHARED_DATA/{onet_29_2,esco_1_1_1} (BENCHCRM_SHARED_DATA defaults to ../shared/data).

- O*NET `Technology Skills.txt`: every product ("Example") is a canonical skill; its UNSPSC commodity is its category
  and its parent (a `group` node), the commodity's UNSPSC class the commodity's parent; Hot Technology / In Demand
  are kept as attributes. Aliases derived from the name: a trailing acronym ("Extensible markup language XML" ->
  "XML", "Extensible markup language"), the name without a vendor ("Microsoft Excel" -> "Excel", "IBM WebSphere"
  -> "WebSphere"), without a trailing " software" after a product name ("Teradata software" -> "Teradata").
- ESCO `digitalSkillsCollection_en.csv` (the digital/technology skills) with their `altLabels` from `skills_en.csv`
  (newline-separated) as aliases, their broader digital skill or ESCO skill group as parent, groups chained by
  `skillsHierarchy_en.csv`. "(computer programming)"-style qualifiers are dropped for the alias.
- Merging: a source skill whose name (or qualifier-free / vendor-free / acronym form) is already a canonical name or
  a curated alias joins that skill, so O*NET "Oracle Java" and ESCO "Java (computer programming)" join the curated
  Java. The curated `skills.yaml` wins on canonical names, aliases and parents (a curated skill keeps its curated
  parent, also when that is none).
- Alias conflicts: a canonical name belongs to its skill; otherwise the higher-priority source keeps the alias
  (curated > O*NET-derived > ESCO preferred label > ESCO altLabel); a tie between two skills drops the alias.
- Context-only aliases (a skill only in context: "Go", "Excel", "Access", "R"): single letters and two-letter words,
  a curated list, and aliases that are common English words, measured as lower-case word frequency in the ESCO
  descriptions of non-digital skills and the O*NET occupation descriptions (texts about non-technical things).
  Aliases derived by dropping a vendor that are *very* common words ("Google Analytics" -> "analytics", "Oracle
  Database" -> "database") are not kept at all.

Output is deterministic (sorted, gzip mtime 0): rebuilding with the same inputs gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ml.taxonomy.catalog import CURATED_PATH, TAXONOMY_PATH, alias_key

VERSION = "2026.11.2"
EXTRA_PATH = Path(__file__).with_name("extra.yaml")

VENDORS = (
    "Amazon Web Services", "Hewlett Packard Enterprise", "Hewlett-Packard", "Hewlett Packard", "Sun Microsystems",
    "Red Hat", "Micro Focus", "Microsoft", "Oracle", "IBM", "Autodesk", "Adobe", "SAP", "Apache", "Google", "Siemens",
    "ESRI", "Apple", "Cisco", "Amazon", "AWS", "HP", "Intuit", "Symantec", "Teradata", "EMC", "Corel", "Trimble",
    "Bentley", "Cadence", "Synopsys", "PTC", "Infor", "Atlassian", "Salesforce", "VMware", "Dell", "Citrix",
    "Novell", "Mozilla", "Facebook", "Meta", "JetBrains", "Intel", "Nvidia", "NVIDIA", "Informatica", "Tibco", "TIBCO",
    "SAS", "Splunk", "Broadcom", "CA", "Epic", "Cerner", "Sage", "Workday", "ServiceNow", "Atlassian", "Elastic",
    "Unity Technologies", "MathWorks", "The MathWorks", "Wolfram Research", "Qlik", "Alteryx", "Pivotal", "Quest",
    "Idera", "Embarcadero", "Borland", "Sybase", "Unisys", "Bloomberg", "Blackboard", "Instructure", "Slack",
)
_VENDOR = re.compile(r"^(" + "|".join(re.escape(v) for v in sorted(set(VENDORS), key=len, reverse=True)) + r")\s+")
_ACRONYM = re.compile(r"^(?P<long>.+?)\s+(?P<short>[A-Z][A-Za-z0-9/&.+-]*[A-Z0-9+])$")
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")
_WORDS = re.compile(r"[A-Za-z][A-Za-z+#'-]*")
_SMALL = {"and", "of", "for", "the", "to", "a", "an", "in", "on", "with"}

# Aliases that are technologies only in context, whatever the frequency count says (issue 10; the old gazetteer
# list). Kept even when they are very common words.
CURATED_CONTEXT_ONLY = {
    "go", "r", "c", "d", "swift", "rust", "spring", "excel", "access", "oracle", "windows", "shell", "word", "project",
    "teams", "chef", "puppet", "ant", "box", "slack", "ruby", "rest", "safe", "express", "node", "lambda", "glue",
    "lightning", "containers", "ts", "tf", "py", "dl", "ml", "hive", "torch", "rag", "github", "elk", "salt",
    "canvas", "unity", "source", "scratch", "eclipse", "assembly", "outlook", "office", "basic", "logo", "pig",
    "storm", "beam", "camel", "jasmine", "mocha", "karma", "jest", "gulp", "grunt", "mercury", "sentry", "consul",
    "vault", "nomad", "packer", "helm", "envoy", "jade", "less", "ghost", "atlas", "lake", "delta", "origin", "prism",
    "reader", "paint", "publisher", "forms", "reports", "insight", "studio", "server", "database", "cloud",
    "platform", "enterprise", "standard", "manager", "center", "suite", "portal", "connect", "workspace", "builder",
    "designer", "developer", "explorer", "navigator", "analytics", "crystal", "mode", "notion", "zoom", "maple",
    "dart", "julia", "pascal", "compass", "anaconda", "cobra", "falcon", "phoenix", "dynamics",
}
# Products that vendor emails name as recruiting logistics, not as skills ("share your LinkedIn", "apply via Google"):
# in the taxonomy (a resume may list them) but never extracted from text.
NOT_IN_TEXT = {"LinkedIn", "Facebook", "Twitter", "Instagram", "YouTube", "WhatsApp", "Google", "Google Gmail",
               "Careerbuilder.com", "Web browser software", "search engines", "Microsoft Internet Explorer"}
# Meeting tools: technologies in a list, the medium in "Teams interview" / "Zoom call" (context-only words).
MEETING_TOOLS = {"skype", "zoom", "webex", "google meet", "teams", "microsoft teams", "gotomeeting"}
# Vendor-stripped aliases that are kept although the words are common (issue 10 asks for them, in context).
KEEP_DERIVED = {"excel", "access", "word", "project", "teams", "windows", "powerpoint", "outlook", "visio",
                "sharepoint", "onenote", "websphere", "solaris", "powershell", "publisher", "exchange", "dynamics"}


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Node:
    name: str
    category: str
    parent: str | None = None
    kind: str = "skill"
    sources: set[str] = field(default_factory=set)
    hot: bool = False
    in_demand: bool = False
    # alias -> priority (0 curated, 1 canonical name, 2 O*NET derived, 3 ESCO preferred, 4 ESCO altLabel)
    aliases: dict[str, int] = field(default_factory=dict)
    curated: bool = False

    def add_alias(self, alias: str, priority: int) -> None:
        alias = " ".join(alias.split())  # ESCO labels carry double spaces and no-break spaces
        if alias and (alias not in self.aliases or self.aliases[alias] > priority):
            self.aliases[alias] = priority


def word_frequencies(onet: Path, esco: Path, technical: bool = False) -> Counter[str]:
    """Lower-case word counts over texts that describe non-technical things: ESCO descriptions of skills outside
    the digital collection and O*NET occupation descriptions. Only lower-case tokens count ("Java" in a sentence
    does not make "java" a common word; "access to" does make "access" one). With `technical`, the descriptions of
    digital skills count too (there "scripting" and "analytics" are ordinary words, "teradata" is not)."""
    digital = {r["conceptUri"] for r in _read_csv(esco / "digitalSkillsCollection_en.csv")}
    rows = _read_csv(esco / "skills_en.csv")
    texts = [r["description"] for r in rows if technical or r["conceptUri"] not in digital]
    if technical:  # labels too: "use scripting programming", "web analytics"
        texts += [r["preferredLabel"] + "\n" + r["altLabels"] for r in rows]
    texts += [r["Description"] for r in _read_tsv(onet / "Occupation Data.txt")]
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in _WORDS.findall(text) if w.islower())
    return counts


def _derived_onet_aliases(name: str) -> list[str]:
    """"Microsoft Excel" -> ["Excel"]; "Extensible markup language XML" -> ["XML", "Extensible markup language"];
    "Oracle Java 2 Platform Enterprise Edition J2EE" -> ["Java 2 Platform Enterprise Edition J2EE", "J2EE", ...]."""
    out: list[str] = []
    forms = [name]
    vendorless = _VENDOR.sub("", name)
    if vendorless != name and len(vendorless) >= 2:
        out.append(vendorless)
        forms.append(vendorless)
    for form in forms:
        m = _ACRONYM.match(form)
        if m and len(m.group("long").split()) >= 2:
            short, long = m.group("short"), m.group("long")
            words = [w for w in long.split() if w.lower() not in _SMALL]
            initials = "".join(w[0].lower() for w in words)
            letters = [ch for ch in short.lower() if ch.isalpha()]
            rest = iter(long.lower())
            subsequence = all(ch in rest for ch in letters)  # "XML" in "eXtensible Markup Language"
            exact = "".join(letters) == initials[-len(letters):] if letters else False
            if sum(ch.isupper() for ch in short) >= 2 and (exact or (len(short) >= 3 and subsequence
                                                                   and letters[0] in initials)):
                out += [short, long]
            elif sum(ch.isupper() for ch in short) >= 2 and len(short) >= 3 and subsequence:
                out.append(long)  # "Hypertext preprocessor PHP": the long form is still the product
        for suffix in (" software", " programming language"):
            if form.endswith(suffix) and any(ch.isupper() for ch in form[: -len(suffix)]):
                out.append(form[: -len(suffix)])
    return [a for a in out if len(a) >= 3]


def build(onet: Path, esco: Path, curated_path: Path = CURATED_PATH, version: str = VERSION) -> dict:
    curated = yaml.safe_load(curated_path.read_text())
    freq = word_frequencies(onet, esco)
    freq_all = word_frequencies(onet, esco, technical=True)
    nodes: dict[str, Node] = {}
    by_key: dict[str, str] = {}  # canonical-name key / curated alias key -> node name (what a source can join)

    def claim(key: str, name: str) -> None:
        by_key.setdefault(key, name)

    for row in curated["skills"]:
        node = Node(row["name"], row["category"], row.get("parent"), sources={"curated"}, curated=True)
        for alias in row.get("aliases") or ():
            node.add_alias(alias, 0)
        nodes[node.name] = node
    for node in nodes.values():
        claim(alias_key(node.name), node.name)
    for node in nodes.values():
        for alias in node.aliases:
            claim(alias_key(alias), node.name)

    extra = yaml.safe_load(EXTRA_PATH.read_text()) if EXTRA_PATH.exists() else {"skills": []}
    for row in extra["skills"]:
        node = nodes.get(row["name"])
        if node is None:
            node = nodes[row["name"]] = Node(row["name"], row["category"], row.get("parent"), sources={"curated"},
                                             curated=True)
        for alias in row.get("aliases") or ():
            node.add_alias(alias, 0)
            claim(alias_key(alias), node.name)
        claim(alias_key(node.name), node.name)

    def group(name: str, category: str, parent: str | None) -> str:
        if name in nodes and nodes[name].kind == "group":
            return name
        taken = alias_key(name) in by_key or alias_key(name) in product_keys
        gname = f"{name} (category)" if taken else name
        if gname not in nodes:
            parent = parent if parent != gname else None
            nodes[gname] = Node(gname, category, parent, kind="group", sources={category.split()[0].lower()})
            claim(alias_key(gname), gname)
        return gname

    # ---------------------------------------------------------------- O*NET products
    unspsc = {r["Commodity Code"]: r for r in _read_tsv(onet / "UNSPSC Reference.txt")}
    products: dict[str, dict] = {}
    for r in _read_tsv(onet / "Technology Skills.txt"):
        p = products.setdefault(r["Example"], {"commodities": Counter(), "hot": False, "in_demand": False})
        p["commodities"][(r["Commodity Code"], r["Commodity Title"])] += 1
        p["hot"] |= r["Hot Technology"] == "Y"
        p["in_demand"] |= r["In Demand"] == "Y"
    product_keys = {alias_key(n) for n in products}
    for name in sorted(products):
        p = products[name]
        (code, title), _ = min(p["commodities"].items(), key=lambda kv: (-kv[1], kv[0][0]))
        cls = unspsc.get(code)
        class_node = group(cls["Class Title"], "UNSPSC class", None) if cls else None
        commodity = group(title, "UNSPSC commodity", class_node)
        derived = _derived_onet_aliases(name)
        target = next((by_key[k] for k in [alias_key(name)] + [alias_key(d) for d in derived]
                       if k in by_key and nodes[by_key[k]].kind == "skill"), None)
        if target is None:
            node = Node(name, title, commodity, sources={"onet"})
            nodes[name] = node
            claim(alias_key(name), name)
        else:
            node = nodes[target]
            node.sources.add("onet")
            if node.name != name:
                node.add_alias(name, 2)
        node.hot |= p["hot"]
        node.in_demand |= p["in_demand"]
        for alias in derived:
            key = alias_key(alias)
            if " " not in key and freq_all.get(key, 0) >= 3 and key not in KEEP_DERIVED:
                continue  # "Google Analytics" -> "analytics", "Scripting software" -> "scripting": ordinary words
            node.add_alias(alias, 2)

    # ---------------------------------------------------------------- ESCO digital skills
    skills_en = {r["conceptUri"]: r for r in _read_csv(esco / "skills_en.csv")}
    digital = sorted(_read_csv(esco / "digitalSkillsCollection_en.csv"), key=lambda r: r["conceptUri"])
    digital_uris = {r["conceptUri"] for r in digital}
    groups = {r["conceptUri"]: r["preferredLabel"] for r in _read_csv(esco / "skillGroups_en.csv")}
    group_parent: dict[str, str] = {}
    for r in _read_csv(esco / "skillsHierarchy_en.csv"):
        chain = [r[f"Level {i} URI"] for i in range(4) if r.get(f"Level {i} URI")]
        for child, par in zip(chain[1:], chain[:-1], strict=False):
            group_parent.setdefault(child, par)
    esco_group_names: dict[str, str] = {}

    def esco_group(uri: str) -> str:
        if uri not in esco_group_names:
            par = group_parent.get(uri)
            parent = esco_group(par) if par and par in groups and par != uri else None
            esco_group_names[uri] = group(groups[uri], "ESCO skill group", parent)
        return esco_group_names[uri]

    uri_to_node: dict[str, str] = {}
    pending_parent: dict[str, list[str]] = {}
    for r in digital:
        uri, label = r["conceptUri"], " ".join(r["preferredLabel"].split())
        row = skills_en.get(uri, {})
        alts = [a.strip() for a in (row.get("altLabels") or "").split("\n") if a.strip()]
        plain = _QUALIFIER.sub("", label)
        keys = [alias_key(label), alias_key(plain)]
        target = next((by_key[k] for k in keys if k in by_key and nodes[by_key[k]].kind == "skill"), None)
        if target is None:
            name = label if label not in nodes else f"{label} (ESCO)"
            node = Node(name, "ESCO digital skill", None, sources={"esco"})
            nodes[name] = node
            claim(alias_key(name), name)
            if plain != label:
                claim(alias_key(plain), name)
            pending_parent[name] = [u.strip() for u in r["broaderConceptUri"].split("|") if u.strip()]
        else:
            node = nodes[target]
            node.sources.add("esco")
            if node.name != label:
                node.add_alias(label, 3)
        if plain != node.name:
            node.add_alias(plain, 3)
        for alt in alts:
            if len(alt) >= 3:  # "IT", "Io", "RS", "UX" as altLabels name many things
                node.add_alias(alt, 4)
        uri_to_node[uri] = node.name
    for name, broader in sorted(pending_parent.items()):
        parent = next((uri_to_node[u] for u in broader if u in digital_uris and uri_to_node.get(u) != name), None)
        if parent is None:
            parent = next((esco_group(u) for u in broader if u in groups), None)
        nodes[name].parent = parent
        if parent:
            nodes[name].category = parent if nodes[parent].kind == "group" else nodes[parent].category
    _break_cycles(nodes)
    return _finish(nodes, curated, freq, version)


def _break_cycles(nodes: dict[str, Node]) -> None:
    for name in sorted(nodes):
        seen = [name]
        cur = nodes[name].parent
        while cur is not None:
            if cur in seen:
                nodes[seen[-1]].parent = None  # cut the edge that closes the loop
                break
            seen.append(cur)
            cur = nodes[cur].parent


def _finish(nodes: dict[str, Node], curated: dict, freq: Counter[str], version: str) -> dict:
    # Alias ownership: a canonical name belongs to its skill; else the best priority; a tie drops the alias.
    canon = {alias_key(n): n for n in nodes}
    claims: dict[str, list[tuple[int, str]]] = defaultdict(list)
    spellings: dict[str, set[str]] = defaultdict(set)
    for node in nodes.values():
        spellings[alias_key(node.name)].add(node.name.strip())
        for alias, prio in node.aliases.items():
            key = alias_key(alias)
            if key:
                claims[key].append((prio, node.name))
                spellings[key].add(alias)
    owner: dict[str, str] = {}
    dropped = 0
    for key, cl in claims.items():
        if key in canon:
            owner[key] = canon[key]
            continue
        best = min(p for p, _ in cl)
        names = sorted({n for p, n in cl if p == best})
        if len(names) == 1:
            owner[key] = names[0]
        else:
            dropped += 1
    context_only: set[str] = set()
    for key in set(owner) | set(canon):
        word = key.replace("-", "")
        common = " " not in key and key.isalpha() and freq.get(key, 0) >= 3
        if key in CURATED_CONTEXT_ONLY or (word.isalpha() and len(word) <= 2) or common:
            context_only.add(key)
    # an acronym only ever spelled in capitals by O*NET/ESCO ("APPS", "DNS", "XML") names the product in capitals or
    # in a list, not as a lower-case word ("apps")
    for key, name in owner.items():
        forms = spellings.get(key, ())
        if not nodes[name].curated and forms and all(f.isupper() for f in forms) and key.isalpha():
            context_only.add(key)
    # curated skills keep the old gazetteer's judgement (its context list is in skills.yaml) unless listed above
    keep = set(curated.get("context_only") or ()) | CURATED_CONTEXT_ONLY
    curated_keys = {alias_key(n.name) for n in nodes.values() if n.curated}
    curated_keys |= {alias_key(a) for n in nodes.values() if n.curated for a in n.aliases}
    context_only = {k for k in context_only if k not in curated_keys or k in keep}
    context_only |= {k for k in MEETING_TOOLS if k in owner or k in canon}
    cased = {}
    for key in sorted(context_only):
        forms = sorted(s for s in spellings.get(key, ()) if any(ch.isupper() for ch in s))
        if forms:
            cased[key] = forms
    skills = []
    for name in sorted(nodes):
        n = nodes[name]
        aliases = sorted({a for a in n.aliases if owner.get(alias_key(a)) == name and alias_key(a) != alias_key(name)},
                         key=lambda a: (alias_key(a), a))
        # one spelling per key
        seen: set[str] = set()
        aliases = [a for a in aliases if not (alias_key(a) in seen or seen.add(alias_key(a)))]
        row = {"name": name, "category": n.category, "parent": n.parent, "aliases": aliases,
               "source": "+".join(s for s in ("curated", "onet", "esco") if s in n.sources) or sorted(n.sources)[0],
               "kind": n.kind}
        if n.hot:
            row["hot"] = True
        if n.in_demand:
            row["in_demand"] = True
        skills.append(row)
    print(f"taxonomy {version}: {sum(s['kind'] == 'skill' for s in skills)} skills, "
          f"{sum(s['kind'] == 'group' for s in skills)} groups, {len(owner)} aliases, {dropped} ambiguous aliases "
          f"dropped, {len(context_only)} context-only", file=sys.stderr)
    return {
        "version": version,
        "sources": {
            "curated": "ml/taxonomy/skills.yaml (BenchCRM, CC0-1.0)",
            "onet": "O*NET 29.2 Technology Skills (USDOL/ETA, CC BY 4.0)",
            "esco": "ESCO v1.1.1 digital skills collection (European Commission)",
        },
        "skills": skills,
        "context_only": sorted(context_only),
        "not_in_text": sorted(n for n in NOT_IN_TEXT if n in nodes),
        "cased": cased,
    }


def write(data: dict, out: Path) -> None:
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    out.write_bytes(buf.getvalue())


def main(argv: list[str] | None = None) -> None:
    shared = Path(os.environ.get("BENCHCRM_SHARED_DATA", "../shared/data"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--onet", type=Path, default=shared / "onet_29_2", help="O*NET 29.2 text files")
    parser.add_argument("--esco", type=Path, default=shared / "esco_1_1_1", help="ESCO 1.1.1 English CSVs")
    parser.add_argument("--curated", type=Path, default=CURATED_PATH)
    parser.add_argument("--out", type=Path, default=TAXONOMY_PATH)
    parser.add_argument("--version", default=VERSION)
    args = parser.parse_args(argv)
    for d in (args.onet, args.esco):
        if not d.is_dir():
            parser.error(f"{d} not found (pass --onet/--esco or set BENCHCRM_SHARED_DATA)")
    data = build(args.onet, args.esco, args.curated, args.version)
    write(data, args.out)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
