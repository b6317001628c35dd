"""Generate a demo world: a pure function of `WorldParams` (and an id namespace), built with one numpy Generator.

Order of the story: recruiters and companies; the bench (true skills, what resumes claim, rates, visas, places,
availability, latent interview skill); requirements (what the client truly needs) and the vendor emails that carry
them (1-3 copies, each its own edits, rate and format); then, requirement by requirement in time order, recruiters
pick whom to submit from what they can see (noisy), and the hidden outcome process (`demo_world.outcome`) decides
interviews, rounds, offers and placements. The latest `open_fraction` of requirements is still open, with no history.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from demo_world import vocab
from demo_world.emails import EmailSpec, Sender, gold_of, render, render_non_requirement
from demo_world.metrics import roc_auc
from demo_world.model import DEFAULT_ID_NAMESPACE, Table, World, WorldParams
from demo_world.outcome import (
    COEF,
    PROCESS_VERSION,
    WORK_MODES,
    ConsultantArrays,
    RequirementArrays,
    accept_probability,
    advance_probability,
    keys_to_db,
    latent_keys,
    pair_inputs,
    round_pass_probability,
)
from demo_world.spelling import spell
from demo_world.surface import RESUME_VARIED_SHARE, email_shape, render_resume, render_varied, surface_rng
from ml.features.geo import haversine_mi
from ml.taxonomy import load_curated_taxonomy

EPOCH = date(1970, 1, 1)
VISA_INDEX = {v: i for i, v in enumerate(vocab.VISAS)}
VISA_RATE = {"USC": 1.08, "GC": 1.05, "GC-EAD": 1.0, "H1B": 0.97, "H4-EAD": 0.95, "L2-EAD": 0.95, "EAD": 0.95,
             "OPT": 0.82, "CPT": 0.8, "STEM-OPT": 0.84, "TN": 1.0, "E3": 1.0}
INDUSTRY_RATE = {"banking": 1.1, "insurance": 1.02, "healthcare": 1.0, "retail": 0.97, "telecom": 1.0,
                 "government": 0.9, "manufacturing": 0.95, "energy": 1.02, "media": 0.98, "fintech": 1.08}
EMAIL_FORMAT_WEIGHTS = {"header": 0.28, "bullets": 0.16, "prose": 0.14, "html": 0.18, "forwarded": 0.16,
                        "subject": 0.08}
MAX_REQUIRED, MAX_NICE = 6, 3

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "crm.app_user": ("id", "tenant_id", "email", "full_name", "role_name", "is_service_account", "created_at"),
    "crm.company": ("id", "tenant_id", "external_id", "name", "kind", "industry", "domain", "city", "state",
                    "created_at", "updated_at"),
    "crm.contact": ("id", "tenant_id", "company_id", "external_id", "full_name", "email", "phone", "title",
                    "created_at", "updated_at"),
    "crm.consultant": ("id", "tenant_id", "external_id", "full_name", "email", "phone", "title", "summary",
                       "resume_text", "years_experience", "city", "state", "country", "lat", "lon", "timezone",
                       "remote_ok", "willing_to_relocate", "hourly_rate", "visa_status", "available_from",
                       "bench_since", "status", "recruiter_id", "created_at", "updated_at"),
    "crm.consultant_skill": ("id", "tenant_id", "consultant_id", "skill_id", "raw_name", "years", "is_primary",
                             "position"),
    "crm.availability": ("id", "tenant_id", "consultant_id", "available_from", "available_to", "note"),
    "crm.rate_card": ("id", "tenant_id", "consultant_id", "employment_type", "hourly_rate", "currency",
                      "effective_from"),
    "crm.requirement": ("id", "tenant_id", "external_id", "title", "description", "raw_subject",
                        "client_company_id", "vendor_company_id", "status", "received_at", "extraction_status",
                        "recruiter_id", "created_at", "updated_at"),
    "crm.inbound_message": ("id", "tenant_id", "source", "message_id", "raw", "subject", "from_addr",
                            "received_at", "content_hash", "status", "requirement_id", "created_at"),
    "crm.requirement_source": ("id", "tenant_id", "requirement_id", "message_id", "vendor_company_id",
                               "rate_quoted", "merge_reason", "received_at"),
    "crm.submission": ("id", "tenant_id", "consultant_id", "requirement_id", "vendor_company_id", "recruiter_id",
                       "status", "submitted_rate", "pay_rate", "submitted_at", "closed_at", "created_at",
                       "updated_at"),
    "crm.interview": ("id", "tenant_id", "submission_id", "round", "scheduled_at", "outcome", "created_at",
                      "updated_at"),
    "crm.offer": ("id", "tenant_id", "submission_id", "bill_rate", "pay_rate", "offered_at", "status",
                  "created_at", "updated_at"),
    "crm.placement": ("id", "tenant_id", "submission_id", "consultant_id", "requirement_id", "bill_rate",
                      "pay_rate", "start_date", "end_date", "created_at", "updated_at"),
    "world.consultant_latent": ("tenant_id", "consultant_id", "interview_skill", "true_skills", "true_years",
                                "family", "padded_skills", "latent_key"),
    "world.company_latent": ("tenant_id", "company_id", "pickiness", "interview_rounds"),
    "world.requirement_truth": ("tenant_id", "requirement_id", "client_id", "required_skills", "nice_skills",
                                "budget_hourly", "min_years", "work_mode", "lat", "lon", "start_date",
                                "visa_accepted", "difficulty", "timezone", "family", "seniority",
                                "contract_type", "duration_months", "interview_rounds", "latent_key"),
    "world.submission_truth": ("tenant_id", "submission_id", "p_advance", "advanced"),
    "world.message_truth": ("tenant_id", "message_id", "requirement_id", "is_origin", "copy_index", "gold"),
}


def _day(d: date) -> int:
    return (d - EPOCH).days


def _date(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def _at(day: float) -> datetime:
    """A UTC timestamp from fractional days since the epoch, to the second."""
    return datetime.combine(EPOCH, time(), tzinfo=UTC) + timedelta(seconds=round(float(day) * 86400))


class _Ids:
    """Deterministic ids: a keyed hash of (namespace, seed, kind, index), shaped as version-4 UUIDs.

    (uuid5 would do, but costs ~20 µs an id; a world has ~10^5 of them.)"""

    def __init__(self, namespace: uuid.UUID, seed: int) -> None:
        self.key = hashlib.blake2b(f"{namespace}:{seed}".encode(), digest_size=32).digest()

    def __call__(self, kind: str, i: int | str) -> uuid.UUID:
        digest = bytearray(hashlib.blake2b(f"{kind}:{i}".encode(), digest_size=16, key=self.key).digest())
        digest[6] = (digest[6] & 0x0F) | 0x40  # version 4
        digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
        return uuid.UUID(bytes=bytes(digest))


@dataclass
class _Company:
    id: uuid.UUID
    name: str
    kind: str
    industry: str | None
    domain: str
    city: str
    state: str
    contacts: list[Sender]


def _choice(rng: np.random.Generator, n: int, weights: np.ndarray | list[float], size: int | None = None):
    w = np.asarray(weights, dtype=float)
    return rng.choice(n, size=size, p=w / w.sum())


def _phone(pr: random.Random) -> str:
    area = (201, 214, 312, 404, 469, 512, 609, 646, 704, 713, 732, 847, 908, 972, 980)[pr.randrange(15)]
    return f"({area}) 555-01{pr.randrange(100):02d}"


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


class _Builder:
    def __init__(self, params: WorldParams, namespace: uuid.UUID) -> None:
        self.p = params
        self.rng = np.random.default_rng(params.seed)
        self.ids = _Ids(namespace, params.seed)
        self.tenant = namespace  # placeholder tenant id; the loader rewrites it
        self.taxonomy = load_curated_taxonomy()  # the world draws from the curated skills only
        self.skill_names = sorted(self.taxonomy.skills)
        self.skill_index = {s: i for i, s in enumerate(self.skill_names)}
        self.tables = {name: Table(name, cols) for name, cols in TABLE_COLUMNS.items()}
        self.as_of_day = _day(params.as_of)
        # scalar draws in per-row loops come from a seeded stdlib Random: ~20x cheaper than numpy's per call
        self.pr = random.Random(int(self.rng.integers(2**62)))
        # the text's variety draws from its own sources, so it changes no other draw (demo_world.surface)
        self.email_surface = surface_rng(params.seed, "emails")
        self.resume_surface = surface_rng(params.seed, "resumes")

    def add(self, table: str, row: tuple) -> None:
        self.tables[table].rows.append(row)

    # ------------------------------------------------------------------------------------------ people, companies
    def recruiters(self) -> None:
        self.recruiter_ids: list[uuid.UUID] = []
        created = _at(self.as_of_day - self.p.history_days - 30)
        for i, (name, role) in enumerate(vocab.RECRUITERS):
            uid = self.ids("user", i)
            email = f"{name.split()[0].lower()}.{name.split()[1].lower()}@benchfirm.example"
            self.add("crm.app_user", (uid, self.tenant, email, name, role, False, created))
            if role == "Recruiter":
                self.recruiter_ids.append(uid)

    def _metro(self, size: int | None = None):
        weights = [m[5] for m in vocab.METROS]
        return _choice(self.rng, len(vocab.METROS), weights, size)

    def _contacts(self, kind: str, index: int, company: str, domain: str) -> list[Sender]:
        out = []
        for j in range(int(self.rng.integers(2, 5))):
            first = vocab.FIRST_NAMES[int(self.rng.integers(len(vocab.FIRST_NAMES)))]
            last = vocab.LAST_NAMES[int(self.rng.integers(len(vocab.LAST_NAMES)))]
            email = f"{first.lower()}.{last.lower()}{j if j else ''}@{domain}"
            out.append(Sender(f"{first} {last}", email, vocab.CONTACT_TITLES[int(self.rng.integers(
                len(vocab.CONTACT_TITLES)))], company, _phone(self.pr)))
        return out

    def companies(self) -> None:
        rng = self.rng
        n_clients = int(np.clip(self.p.requirements // 10, 12, 150))
        combos = [(stem, ind, suf) for stem in vocab.CLIENT_STEMS for ind in vocab.CLIENT_INDUSTRIES
                  for suf in vocab.INDUSTRY_SUFFIX[ind]]
        picks = rng.permutation(len(combos))
        self.clients: list[_Company] = []
        used: list[str] = []
        for k in picks:
            stem, ind, suf = combos[int(k)]
            name = f"{stem} {suf}"
            if name in used:
                continue
            used.append(name)
            m = vocab.METROS[int(self._metro())]
            i = len(self.clients)
            domain = f"{_slug(name)}.example"
            self.clients.append(_Company(self.ids("client", i), name, "client", ind, domain, m[0], m[1], []))
            if len(self.clients) == n_clients:
                break
        self.client_size = rng.pareto(1.3, n_clients) + 0.3           # a few big accounts, many small ones
        self.pickiness = rng.normal(0.0, 1.0, n_clients)
        self.client_rounds = rng.choice([1, 2, 2, 3], size=n_clients)
        self.vendors: list[_Company] = []
        for kind, names in (("prime_vendor", vocab.PRIME_VENDOR_NAMES), ("vendor", vocab.VENDOR_NAMES),
                            ("msp", vocab.MSP_NAMES)):
            for i, name in enumerate(names):
                m = vocab.METROS[int(self._metro())]
                domain = f"{_slug(name)}.example"
                self.vendors.append(_Company(self.ids(kind, i), name, kind, None, domain, m[0], m[1],
                                             self._contacts(kind, i, name, domain)))
        self.primes = [v for v in self.vendors if v.kind == "prime_vendor"]
        self.subs = [v for v in self.vendors if v.kind == "vendor"]
        # each client runs its contractors through one or two prime vendors
        self.client_primes = [list(rng.choice(len(self.primes), size=int(rng.integers(1, 3)), replace=False))
                              for _ in self.clients]
        created = _at(self.as_of_day - self.p.history_days - 60)
        for i, c in enumerate(self.clients):
            self.add("crm.company", (c.id, self.tenant, f"CL-{i + 1:04d}", c.name, "client", c.industry, c.domain,
                                     c.city, c.state, created, created))
        for i, v in enumerate(self.vendors):
            self.add("crm.company", (v.id, self.tenant, f"VN-{i + 1:04d}", v.name, v.kind, "it staffing", v.domain,
                                     v.city, v.state, created, created))
            for j, s in enumerate(v.contacts):
                self.add("crm.contact", (self.ids("contact", f"{i}:{j}"), self.tenant, v.id, f"CT-{i + 1:04d}-{j + 1}",
                                         s.name, s.email, s.phone, s.title, created, created))

    # ------------------------------------------------------------------------------------------ the bench
    def consultants(self) -> None:
        rng, n, K = self.rng, self.p.consultants, len(self.skill_names)
        fam_w = [f.weight for f in vocab.FAMILIES]
        fam = _choice(rng, len(vocab.FAMILIES), fam_w, n)
        sen = _choice(rng, len(vocab.SENIORITY), [0.40, 0.35, 0.18, 0.07], n)
        metro = self._metro(n)
        visa = _choice(rng, len(vocab.VISAS), [vocab.VISA_WEIGHTS[v] for v in vocab.VISAS], n)
        lo = np.array([vocab.SENIORITY[s][2][0] for s in sen], dtype=float)
        hi = np.array([vocab.SENIORITY[s][2][1] for s in sen], dtype=float)
        true_years = np.round(rng.uniform(lo - 1, hi + 2) + rng.normal(0, 0.8, n), 1).clip(1.0, 35.0)
        inflate = rng.random(n) < 0.15
        stated_years = np.round(true_years + rng.normal(0.4, 1.3, n) + inflate * 3).clip(1, 40)
        sen_mult = np.array([vocab.SENIORITY[s][3] for s in sen])
        fam_rate = np.array([vocab.FAMILIES[f].rate for f in fam])
        visa_mult = np.array([VISA_RATE[vocab.VISAS[v]] for v in visa])
        rate = np.round(fam_rate * sen_mult * visa_mult * rng.lognormal(0.0, 0.13, n)).clip(25, 200)
        lat = np.array([vocab.METROS[m][2] for m in metro]) + rng.uniform(-0.15, 0.15, n)
        lon = np.array([vocab.METROS[m][3] for m in metro]) + rng.uniform(-0.15, 0.15, n)
        lat, lon = np.round(lat, 5), np.round(lon, 5)
        relocate = rng.random(n) < 0.3
        remote_ok = rng.random(n) < 0.88
        on_project = rng.random(n) < 0.15
        bench_since = self.as_of_day - rng.integers(5, self.p.history_days + 35, n)
        available = bench_since + rng.integers(0, 21, n)
        future = self.as_of_day + rng.integers(1, 61, n)
        available = np.where(on_project, future, available)
        bench_since = np.where(on_project, future, bench_since)
        interview_skill = rng.normal(0.0, 1.0, n)
        levels = np.zeros((n, K))
        stated = np.zeros((n, K), dtype=bool)
        self.consultant_ids = [self.ids("consultant", i) for i in range(n)]
        self.consultant_stated_years = stated_years
        self.consultant_family = fam
        recruiter = rng.integers(len(self.recruiter_ids), size=n)
        self.consultant_recruiter = [self.recruiter_ids[int(r)] for r in recruiter]
        pr = self.pr
        for i in range(n):
            f = vocab.FAMILIES[int(fam[i])]
            depth = 0.04 * (true_years[i] - 7.0) / 3.0
            have: list[tuple[str, float]] = []
            weak_core = pr.randrange(len(f.core)) if pr.random() < 0.12 else -1
            for k, s in enumerate(f.core):
                lvl = pr.betavariate(1.5, 5.0) if k == weak_core else pr.betavariate(6.0, 2.0)
                have.append((s, lvl))
            for s in f.common:
                if pr.random() < 0.55:
                    have.append((s, pr.betavariate(4.0, 3.0)))
            for s in f.optional:
                if pr.random() < 0.18:
                    have.append((s, pr.betavariate(3.0, 3.0)))
            for _ in range(pr.randrange(0, 3)):
                s = self.skill_names[pr.randrange(K)]
                if all(s != h for h, _ in have):
                    have.append((s, pr.betavariate(2.0, 4.0)))
            for s, lvl in have:
                j = self.skill_index[s]
                levels[i, j] = round(min(max(float(lvl) + depth, 0.01), 1.0), 3)
                # resumes list what people know, and the weak core skill anyway (it is in their title)
                stated[i, j] = (levels[i, j] > 0.2 and pr.random() < 0.93) or s in f.core
            # resume padding: skills listed but not really known
            if pr.random() < 0.35:
                pool = [s for s in f.common + f.optional if levels[i, self.skill_index[s]] == 0]
                for s in pr.sample(pool, len(pool))[: pr.randrange(1, 3)]:
                    j = self.skill_index[str(s)]
                    levels[i, j] = round(float(pr.uniform(0.03, 0.15)), 3)
                    stated[i, j] = True
        self.cons = ConsultantArrays(
            ids=self.consultant_ids, levels=levels, true_years=true_years, hourly_rate=rate, lat=lat, lon=lon,
            tz_offset=np.array([vocab.TZ_OFFSET[vocab.METROS[m][4]] for m in metro], dtype=float),
            relocate=relocate, visa_code=visa, available_day=available.astype(np.int64),
            interview_skill=interview_skill, latent_key=latent_keys(1, n))
        self.cons_stated = stated
        self.cons_meta = dict(fam=fam, sen=sen, metro=metro, visa=visa, stated_years=stated_years,
                              remote_ok=remote_ok, bench_since=bench_since, on_project=on_project)
        self.placed_day = np.full(n, np.iinfo(np.int64).max)

    def consultant_rows(self) -> None:
        pr, m = self.pr, self.cons_meta
        self.cons_keys_db = keys_to_db(self.cons.latent_key)
        for i, cid in enumerate(self.consultant_ids):
            f = vocab.FAMILIES[int(m["fam"][i])]
            sen = vocab.SENIORITY[int(m["sen"][i])]
            base = f.titles[pr.randrange(len(f.titles))]
            title = (sen[1][pr.randrange(2)] + base) if "Lead" not in base and "Sr." not in base else base
            if sen[0] == "architect":
                title = base.replace("Developer", "Architect").replace("Engineer", "Architect")
            first = vocab.FIRST_NAMES[pr.randrange(len(vocab.FIRST_NAMES))]
            last = vocab.LAST_NAMES[pr.randrange(len(vocab.LAST_NAMES))]
            name = f"{first} {last}"
            metro = vocab.METROS[int(m["metro"][i])]
            visa = vocab.VISAS[int(m["visa"][i])]
            skills_idx = np.flatnonzero(self.cons_stated[i])
            order = sorted(skills_idx, key=lambda j: -self.cons.levels[i, j])
            raws: list[tuple[str, str, float, bool]] = []
            seen: list[str] = []
            yrs = float(m["stated_years"][i])
            for rank, j in enumerate(order):
                canonical = self.skill_names[int(j)]
                raw = spell(canonical, pr, 0.5)
                if raw.lower() in seen:
                    raw = canonical
                    if raw.lower() in seen:
                        continue
                seen.append(raw.lower())
                lvl = float(self.cons.levels[i, j])
                skill_years = float(min(max(round(yrs * pr.uniform(0.35, 1.0) * (0.5 + lvl / 2)), 1.0), yrs))
                raws.append((canonical, raw, skill_years, rank < 3))
            rate = float(self.cons.hourly_rate[i])
            avail = _date(int(self.cons.available_day[i]))
            bench = _date(int(m["bench_since"][i]))
            summary = (f"{title} with {int(yrs)}+ years of experience in "
                       f"{', '.join(r for _, r, _, _ in raws[:5])}. {visa}; based in {metro[0]}, {metro[1]}; "
                       f"{'open to relocation' if self.cons.relocate[i] else 'prefers local or remote'}.")
            resume = self._resume(name, title, metro, visa, yrs, raws, f, pr)  # always: keeps pr's stream
            rs = self.resume_surface
            if rs.random() < self.p.variety * RESUME_VARIED_SHARE:
                resume, _ = render_resume(
                    rs, name=name, title=title, city=metro[0], state=metro[1], visa=visa, years=yrs, raws=raws,
                    domains=f.domains, clients=[self.clients[rs.randrange(len(self.clients))].name for _ in range(6)],
                    metros=[vocab.METROS[rs.randrange(len(vocab.METROS))][:2] for _ in range(6)],
                    degree=vocab.DEGREES[rs.randrange(len(vocab.DEGREES))], as_of_year=self.p.as_of.year,
                    as_of_month=self.p.as_of.month)
            email = f"{first.lower()}.{last.lower()}{i}@mail.example"
            created = _at(int(m["bench_since"][i]) - 2)
            status = "placed" if self.placed_day[i] <= self.as_of_day else (
                "marketing" if m["on_project"][i] else ("bench" if pr.random() < 0.8 else "marketing"))
            self.add("crm.consultant", (
                cid, self.tenant, f"K-{i + 1:05d}", name, email, _phone(pr), title, summary, resume, yrs,
                metro[0], metro[1], "US", float(self.cons.lat[i]), float(self.cons.lon[i]), metro[4],
                bool(m["remote_ok"][i]), bool(self.cons.relocate[i]), rate, visa, avail, bench, status,
                self.consultant_recruiter[i], created, created))
            for k, (_canonical, raw, sy, primary) in enumerate(raws):
                self.add("crm.consultant_skill", (self.ids("cskill", f"{i}:{k}"), self.tenant, cid, None, raw, sy,
                                                  primary, k))
            self.add("crm.availability", (self.ids("avail", i), self.tenant, cid, avail, None,
                                          "On project until then" if m["on_project"][i] else "Available immediately"))
            self.add("crm.rate_card", (self.ids("rate", f"{i}:c2c"), self.tenant, cid, "C2C", rate, "USD", bench))
            if visa not in ("OPT", "CPT"):
                self.add("crm.rate_card", (self.ids("rate", f"{i}:w2"), self.tenant, cid, "W2",
                                           float(round(rate * 0.82)), "USD", bench))
            true_skills = {self.skill_names[int(j)]: float(self.cons.levels[i, j])
                           for j in np.flatnonzero(self.cons.levels[i])}
            padded = [self.skill_names[int(j)] for j in skills_idx if self.cons.levels[i, j] < 0.2]
            self.add("world.consultant_latent", (self.tenant, cid, float(self.cons.interview_skill[i]),
                                                 json.dumps(true_skills), float(self.cons.true_years[i]), f.key,
                                                 json.dumps(padded), self.cons_keys_db[i]))

    def _resume(self, name, title, metro, visa, yrs, raws, f, pr: random.Random) -> str:
        skills = ", ".join(r for _, r, _, _ in raws)
        top = [r for _, r, _, _ in raws[:4]] or ["software"]
        lines = [name.upper(), f"{title} | {metro[0]}, {metro[1]} | Work authorization: {visa}", "",
                 "PROFESSIONAL SUMMARY",
                 f"• {int(yrs)}+ years of IT experience as a {title} across the full SDLC.",
                 f"• Hands-on with {', '.join(top)}; delivered production systems for {', '.join(f.domains[:2])} clients.",
                 "• Strong communication; worked with onshore/offshore teams in Agile sprints.", "",
                 "TECHNICAL SKILLS", skills, "", "PROFESSIONAL EXPERIENCE"]
        start_year = self.p.as_of.year
        for k in range(pr.randrange(2, 4)):
            client = self.clients[pr.randrange(len(self.clients))].name
            city = vocab.METROS[pr.randrange(len(vocab.METROS))]
            end = "Present" if k == 0 else f"{start_year - k}"
            lines += [f"Client: {client}, {city[0]}, {city[1]}    {start_year - k - 1} – {end}", f"Role: {title}",
                      f"• Built and maintained services using {top[k % len(top)]}.",
                      f"• Improved reliability and performance of {f.domains[k % len(f.domains)]} workloads.", ""]
        lines += ["EDUCATION", vocab.DEGREES[pr.randrange(len(vocab.DEGREES))]]
        return "\n".join(lines)

    # ------------------------------------------------------------------------------------------ demand
    def requirements(self) -> None:
        rng, m = self.rng, self.p.requirements
        n_open = round(m * self.p.open_fraction)
        hist_days = self.p.history_days
        closed_t = self.as_of_day - rng.uniform(30, hist_days, m - n_open)
        open_t = self.as_of_day - rng.uniform(1 / 24, 21, n_open)
        received = np.sort(np.concatenate([closed_t, open_t]))
        self.req_open = received > self.as_of_day - 30
        self.req_received = received
        fam_w = np.array([f.weight for f in vocab.FAMILIES]) * rng.uniform(0.8, 1.25, len(vocab.FAMILIES))
        fam = _choice(rng, len(vocab.FAMILIES), fam_w, m)
        sen = _choice(rng, len(vocab.SENIORITY), [0.30, 0.42, 0.20, 0.08], m)
        required = np.full((m, MAX_REQUIRED), -1)
        nice = np.full((m, MAX_NICE), -1)
        client_idx = np.zeros(m, dtype=int)
        min_years = np.zeros(m)
        budget = np.zeros(m)
        work_mode = _choice(rng, 3, [0.35, 0.40, 0.25], m)
        lat, lon, tz = np.zeros(m), np.zeros(m), np.zeros(m)
        visa_ok = np.zeros((m, len(vocab.VISAS)), dtype=bool)
        start_day = (np.floor(received) + rng.integers(10, 41, m)).astype(np.int64)
        difficulty = rng.normal(0.0, 0.6, m)
        self.req_meta: list[dict] = []
        policy_w = [p[0] for p in vocab.VISA_POLICIES]
        for j in range(m):
            f = vocab.FAMILIES[int(fam[j])]
            affinity = np.array([2.5 if c.industry in f.domains else 1.0 for c in self.clients]) * self.client_size
            ci = int(_choice(rng, len(self.clients), affinity))
            client_idx[j] = ci
            client = self.clients[ci]
            core = list(f.core)
            if len(core) >= 3 and rng.random() < 0.25:
                core.pop(int(rng.integers(1, len(core))))
            n_common = int(rng.integers(1, 4))
            w = 1.0 / (1.0 + np.arange(len(f.common)))
            common = [f.common[int(k)] for k in rng.choice(len(f.common), size=min(n_common, len(f.common)),
                                                            replace=False, p=w / w.sum())]
            req_sk = (core + common)[:MAX_REQUIRED]
            nice_sk = ([f.optional[int(k)] for k in rng.choice(len(f.optional), size=min(int(rng.integers(1, 4)),
                       len(f.optional)), replace=False)] if rng.random() < 0.85 else [])
            for k, s in enumerate(req_sk):
                required[j, k] = self.skill_index[s]
            for k, s in enumerate(nice_sk):
                nice[j, k] = self.skill_index[s]
            s_lo, s_hi = vocab.SENIORITY[int(sen[j])][2]
            min_years[j] = float(rng.integers(s_lo, s_hi + 1))
            budget[j] = round(float(f.rate * vocab.SENIORITY[int(sen[j])][3] * INDUSTRY_RATE[client.industry]
                                    * rng.lognormal(0.1, 0.12)), 2)
            if rng.random() < 0.75:
                metro = next(mm for mm in vocab.METROS if mm[0] == client.city and mm[1] == client.state)
            else:
                metro = vocab.METROS[int(self._metro())]
            lat[j], lon[j], tz[j] = metro[2], metro[3], vocab.TZ_OFFSET[metro[4]]
            policy = vocab.VISA_POLICIES[int(_choice(rng, len(vocab.VISA_POLICIES), policy_w))]
            for v in policy[2]:
                visa_ok[j, VISA_INDEX[v]] = True
            u = rng.random()
            contract_type = "contract" if u < 0.8 else ("contract_to_hire" if u < 0.93 else "full_time")
            if contract_type == "full_time":
                terms = ["FTE"]
            else:
                terms = [["C2C"], ["W2"], ["C2C", "W2"], ["W2", "1099"]][int(_choice(rng, 4, [0.45, 0.15, 0.3, 0.1]))]
            if contract_type == "contract":
                duration = [6.0, 12.0, 12.0, 18.0, None][int(rng.integers(5))]
            else:
                duration = 6.0 if contract_type == "contract_to_hire" else None
            self.req_meta.append(dict(
                family=f, seniority=vocab.SENIORITY[int(sen[j])], client=client, required=req_sk, nice=nice_sk,
                metro=metro, policy=policy, contract_type=contract_type, terms=terms, duration=duration,
                domain=client.industry if client.industry in f.domains and rng.random() < 0.5 else None,
                title=self._req_title(f, int(sen[j]))))
        self.req_ids = [self.ids("requirement", j) for j in range(m)]
        self.req_client = client_idx
        self.reqs = RequirementArrays(
            ids=self.req_ids, required=required, nice=nice, min_years=min_years, budget=budget,
            work_mode=work_mode, lat=lat, lon=lon, tz_offset=tz, visa_ok=visa_ok, start_day=start_day,
            pickiness=self.pickiness[client_idx], difficulty=difficulty, latent_key=latent_keys(2, m))

    def _req_title(self, f: vocab.JobFamily, sen: int) -> str:
        base = f.titles[int(self.rng.integers(len(f.titles)))]
        label = vocab.SENIORITY[sen][0]
        if label == "architect":
            return base.replace("Developer", "Architect").replace("Engineer", "Architect")
        if label == "lead" and "Lead" not in base:
            return f"{base} Lead" if self.rng.random() < 0.5 else f"Lead {base}"
        if label == "senior" and "Sr." not in base:
            return f"Sr. {base}"
        return base

    # ------------------------------------------------------------------------------------------ the inbox
    def emails(self) -> None:
        rng = self.rng
        self.req_origin: list[dict] = []
        self.message_count = 0
        fmt_names = list(EMAIL_FORMAT_WEIGHTS)
        fmt_w = list(EMAIL_FORMAT_WEIGHTS.values())
        id_counter = 10000 + int(rng.integers(0, 5000))
        for j, meta in enumerate(self.req_meta):
            prime = self.primes[int(self.client_primes[self.req_client[j]][int(rng.integers(
                len(self.client_primes[self.req_client[j]])))])]
            id_counter += int(rng.integers(1, 40))
            yy = (self.p.as_of.year - 2000) if self.req_received[j] > self.as_of_day - 300 else self.p.as_of.year - 2001
            prime_req_id = self._req_id_format(prime, yy, id_counter)
            n_copies = int(_choice(rng, 3, [0.5, 0.3, 0.2])) + 1
            first_from_prime = rng.random() < 0.25
            vendors = [prime] if first_from_prime else []
            for k in rng.permutation(len(self.subs)):
                if len(vendors) == n_copies:
                    break
                vendors.append(self.subs[int(k)])
            prime_cut = rng.uniform(0.10, 0.20)
            t = float(self.req_received[j])
            copies = []
            for c, vendor in enumerate(vendors):
                if c > 0:
                    t += rng.exponential(0.35) + 0.01
                    t = min(t, self.as_of_day - 1 / 1440)
                sub_cut = 0.0 if vendor.kind == "prime_vendor" else rng.uniform(0.05, 0.12)
                spec = self._spec(j, meta, vendor, prime, prime_req_id, id_counter, c, t,
                                  self.reqs.budget[j] * (1 - prime_cut) * (1 - sub_cut),
                                  fmt_names[int(_choice(rng, len(fmt_names), fmt_w))])
                email = render(spec, self.pr)  # always: keeps self.pr's stream whatever the shape
                shape = email_shape(self.email_surface, self.p.variety)
                if shape != "labelled":
                    email = render_varied(spec, shape, self.email_surface)
                msg_uuid = self.ids("message", f"{j}:{c}")
                copies.append((msg_uuid, spec, email, vendor))
                self.add("crm.inbound_message", (
                    msg_uuid, self.tenant, "seed", spec.message_id, email.raw, email.subject, email.from_addr,
                    spec.received_at, email.content_hash, "new", self.req_ids[j] if c == 0 else None,
                    spec.received_at))
                self.add("world.message_truth", (self.tenant, msg_uuid, self.req_ids[j], c == 0, c,
                                                 json.dumps(email.gold)))
            self.req_origin.append({"copies": copies})
        self._noise_messages()

    def _req_id_format(self, prime: _Company, yy: int, n: int) -> str:
        style = sum(map(ord, prime.name)) % 4
        if style == 0:
            return f"{yy}-{n:05d}"
        if style == 1:
            return f"{''.join(w[0] for w in prime.name.split()[:3]).upper()}-{n}"
        if style == 2:
            return f"REQ{n:07d}"
        return f"{prime.state}-DEV-{n}"

    def _spec(self, j, meta, vendor: _Company, prime: _Company, prime_req_id: str, counter: int, copy: int,
              t: float, rate: float, fmt: str) -> EmailSpec:
        rng = self.rng
        client, metro = meta["client"], meta["metro"]
        sender = vendor.contacts[int(rng.integers(len(vendor.contacts)))]
        if fmt == "forwarded" and vendor.kind == "prime_vendor":
            fmt = "header"
        inner_fmt = str(rng.choice(["header", "bullets", "prose"])) if fmt == "forwarded" else None
        u = rng.random()
        external_id = prime_req_id if u < 0.6 else (f"{_slug(vendor.name)[:3].upper()}-{counter}-{copy}"
                                                     if u < 0.85 else None)
        if copy == 0 and external_id is None and rng.random() < 0.6:
            external_id = prime_req_id
        required = list(meta["required"])
        if len(required) > 2 and rng.random() < 0.15:
            required.pop(int(rng.integers(1, len(required))))
        if rng.random() < 0.4:
            head, tail = required[:1], required[1:]
            required = head + [tail[int(k)] for k in rng.permutation(len(tail))]
        nice = [s for s in meta["nice"] if rng.random() < 0.8]
        title = meta["title"]
        if rng.random() < 0.4:
            title = title.replace("Sr. ", str(rng.choice(["Senior ", "Sr ", "Sr. "])))
        if rng.random() < 0.15:
            title = f"{title} ({required[min(1, len(required) - 1)]})"
        work_mode = WORK_MODES[int(self.reqs.work_mode[j])]
        tz_label = vocab.TZ_LABEL[metro[4]]
        contract_type, terms, duration = meta["contract_type"], meta["terms"], meta["duration"]
        rate_amount: float | None
        rate_low = None
        unit = "hour"
        if contract_type == "full_time":
            unit = "year"
            rate_amount = float(round(rate * 2080 * rng.uniform(0.95, 1.05) / 5000) * 5000)
            rate_low = rate_amount - 20000
        else:
            rate_amount = float(round(rate))
            if rng.random() < 0.2:
                rate_low = rate_amount - 5
        if rng.random() < 0.12:
            rate_amount, rate_low = None, None
        if contract_type == "full_time":
            duration_text = "Full time"
        elif contract_type == "contract_to_hire":
            duration_text = str(rng.choice(["6 months CTH", "Contract to hire (6 months)"]))
        elif duration is None:
            duration_text = "Long term"
        else:
            duration_text = str(rng.choice([f"{duration:.0f}+ Months", f"{duration:.0f} months with extension",
                                            f"{duration:.0f} Months"]))
        start_day = int(self.reqs.start_day[j])
        u = rng.random()
        start_date, start_text = None, None
        if u < 0.3:
            start_date = _date(start_day)
            start_text = start_date.strftime("%m/%d/%Y")
        elif u < 0.6:
            start_text = str(rng.choice(["ASAP", "Immediate"]))
        policy = meta["policy"]
        visa_text, visa_list = (str(rng.choice(policy[1])), sorted(policy[2], key=VISA_INDEX.get)) \
            if rng.random() < 0.85 else (None, [])
        u = rng.random()
        if u < 0.4:
            client_text, end_client = client.name, client.name
        elif u < 0.8:
            client_text, end_client = str(rng.choice(vocab.HIDDEN_CLIENT[client.industry])), None
        else:
            client_text, end_client = None, None
        min_years = int(self.reqs.min_years[j]) if rng.random() < 0.85 else None
        req_raw = [(s, spell(s, self.pr)) for s in required]
        nice_raw = [(s, spell(s, self.pr)) for s in nice]
        duties = [f"Strong hands-on experience with {req_raw[0][1]} is a must."]
        if len(req_raw) > 1:
            duties.append(f"Should have worked on {req_raw[1][1]} in a large enterprise environment.")
        duties.append("Work with business, QA and offshore teams in an Agile setup; good communication skills.")
        inner = prime.contacts[int(rng.integers(len(prime.contacts)))] if fmt == "forwarded" else None
        return EmailSpec(
            message_id=f"<{self.ids('mid', f'{j}:{copy}').hex}@{vendor.domain}>", received_at=_at(t),
            sender=sender, to_addr=self.p.inbox_address, fmt=fmt, title=title, external_id=external_id,
            required=req_raw, nice=nice_raw, min_years=min_years, city=metro[0], state=metro[1],
            work_mode=work_mode, tz_label=tz_label, hybrid_days=int(rng.integers(2, 4)), rate_amount=rate_amount,
            rate_low=rate_low, rate_unit=unit, terms=list(terms), visa_text=visa_text, visa_list=visa_list,
            duration_months=duration if contract_type != "full_time" else None, duration_text=duration_text,
            contract_type=contract_type, start_date=start_date, start_text=start_text, client_text=client_text,
            end_client=end_client, domain=meta["domain"], inner_fmt=inner_fmt, inner_sender=inner,
            inner_sent_at=_at(t - rng.uniform(0.01, 0.3)) if inner else None, duties=duties)

    def _noise_messages(self) -> None:
        rng = self.rng
        n = max(1, round(0.03 * len(self.tables["crm.inbound_message"].rows)))
        for k in range(n):
            vendor = self.subs[int(rng.integers(len(self.subs)))]
            sender = vendor.contacts[int(rng.integers(len(vendor.contacts)))]
            when = _at(self.as_of_day - rng.uniform(0.01, self.p.history_days))
            kind = "hotlist" if rng.random() < 0.7 else "ooo"
            rows = []
            for _ in range(int(rng.integers(4, 9))):
                f = vocab.FAMILIES[int(rng.integers(len(vocab.FAMILIES)))]
                m = vocab.METROS[int(rng.integers(len(vocab.METROS)))]
                rows.append((f.titles[0], f"{m[0]}, {m[1]}", str(rng.choice(vocab.VISAS[:4])),
                             f"${int(f.rate + rng.integers(-10, 15))}/hr C2C"))
            msg_uuid = self.ids("noise", k)
            email = render_non_requirement(kind, sender=sender, to_addr=self.p.inbox_address, when=when,
                                           message_id=f"<{msg_uuid.hex}@{vendor.domain}>", hotlist=rows, rng=self.pr)
            self.add("crm.inbound_message", (msg_uuid, self.tenant, "seed", f"<{msg_uuid.hex}@{vendor.domain}>",
                                             email.raw, email.subject, email.from_addr, when, email.content_hash,
                                             "new", None, when))
            self.add("world.message_truth", (self.tenant, msg_uuid, None, False, 0, json.dumps(email.gold)))

    # ------------------------------------------------------------------------------------------ history
    def history(self) -> None:
        rng, cons, reqs = self.rng, self.cons, self.reqs
        stated = self.cons_stated
        bench_since = self.cons_meta["bench_since"]
        stated_years = self.cons_meta["stated_years"]
        fam = self.cons_meta["fam"]
        fam_index = {f.key: i for i, f in enumerate(vocab.FAMILIES)}
        sub_p: list[float] = []
        sub_y: list[bool] = []
        n_sub = 0
        metro_lat = np.array([m[2] for m in vocab.METROS])
        metro_lon = np.array([m[3] for m in vocab.METROS])
        dist = haversine_mi(cons.lat[:, None], cons.lon[:, None], metro_lat[None, :], metro_lon[None, :])
        metro_of = {(m[0], m[1]): k for k, m in enumerate(vocab.METROS)}
        same_family = [fam == k for k in range(len(vocab.FAMILIES))]
        for j in range(len(reqs.ids)):
            meta = self.req_meta[j]
            origin = self.req_origin[j]["copies"][0]
            # the recruiter knows the deal as the vendor quoted it (the template's fields, whatever the text's
            # shape: a phone call fills in what a three-line mail leaves out), so the history does not depend on
            # the surface variety
            gold = gold_of(origin[1])
            received = float(self.req_received[j])
            status = "open"
            if not self.req_open[j]:
                eligible = np.flatnonzero((self.placed_day > received) & (bench_since <= received + 7)
                                          & (cons.available_day <= reqs.start_day[j] + 30))
                # what the recruiter sees: the origin email's stated fields, the bench's stated profiles
                stated_req = [self.skill_index[s["canonical"]] for s in gold["skills"] if s["required"]]
                overlap = stated[np.ix_(eligible, stated_req)].mean(axis=1)
                score = 2.2 * overlap + 0.8 * same_family[fam_index[meta["family"].key]][eligible]
                if gold["min_years"] is not None:
                    score += 0.15 * np.clip(stated_years[eligible] - gold["min_years"], -5, 2)
                if gold["rate"] is not None:
                    score -= 3.0 * np.maximum(0.0, cons.hourly_rate[eligible] / gold["rate"]["hourly_usd"] - 1.0)
                if int(reqs.work_mode[j]) < 2:
                    d = dist[eligible, metro_of[(meta["metro"][0], meta["metro"][1])]]
                    score += 0.6 * (d < 50) + 0.2 * cons.relocate[eligible]
                if gold["visa_accepted"]:
                    ok = np.zeros(len(vocab.VISAS), dtype=bool)
                    ok[[VISA_INDEX[v] for v in gold["visa_accepted"]]] = True
                    score -= 2.5 * ~ok[cons.visa_code[eligible]]
                score -= 0.03 * np.maximum(0, cons.available_day[eligible] - reqs.start_day[j])
                score += rng.normal(0.0, 0.5, len(eligible))
                k = min(2 + int(rng.poisson(5)), len(eligible))
                if k > 0:
                    top = np.argpartition(-score, k - 1)[:k]
                    chosen = eligible[top[np.argsort(-score[top], kind="stable")]]
                    status = self._funnel(j, chosen, received, sub_p, sub_y, n_sub)
                    n_sub += len(chosen)
                else:
                    status = "closed"
            self._requirement_rows(j, status)
        self.sub_p, self.sub_y = np.array(sub_p), np.array(sub_y)

    def _funnel(self, j, chosen, received, sub_p, sub_y, n_sub) -> str:
        rng = self.rng
        ci = np.asarray(chosen)
        ri = np.full(len(ci), j)
        x = pair_inputs(self.cons, self.reqs, ci, ri, seed=self.p.seed)
        p = advance_probability(x)
        advanced = rng.random(len(ci)) < p
        p_round = round_pass_probability(x)
        p_accept = accept_probability(x)
        rounds = int(self.client_rounds[self.req_client[j]])
        copies = self.req_origin[j]["copies"]
        t_sub = received + np.sort(rng.exponential(0.8, len(ci)).clip(0.02, 4.0))
        finalists: list[tuple[int, float]] = []
        subs = []
        for k, c in enumerate(ci):
            sid = self.ids("submission", n_sub + k)
            # submitted through a vendor whose copy had arrived by then (the origin always had)
            arrived = [c for c in copies if c[1].received_at <= _at(t_sub[k])] or copies[:1]
            via = arrived[int(rng.integers(len(arrived)))][3]
            rate = float(self.cons.hourly_rate[c])
            submitted_rate = float(round(rate * rng.uniform(1.08, 1.22), 2))
            interviews = []
            state, closed = "submitted", None
            if advanced[k]:
                t = t_sub[k] + rng.uniform(2, 6)
                passed_all = True
                for r in range(rounds):
                    ok = rng.random() < p_round[k]
                    outcome = "passed" if ok else ("no_show" if rng.random() < 0.04 else "failed")
                    interviews.append((r + 1, t, outcome))
                    if not ok:
                        passed_all = False
                        break
                    t += rng.uniform(1, 4)
                if passed_all:
                    finalists.append((k, t))
                    state = "finalist"
                else:
                    state, closed = "rejected", interviews[-1][1] + rng.uniform(1, 3)
            else:
                u = rng.random()
                if u < 0.30:
                    state, closed = "rejected", t_sub[k] + rng.uniform(3, 15)
                elif u < 0.35:
                    state, closed = "withdrawn", t_sub[k] + rng.uniform(1, 10)
            subs.append(dict(id=sid, c=int(c), via=via, rate=rate, submitted_rate=submitted_rate, t=t_sub[k],
                             interviews=interviews, state=state, closed=closed))
            sub_p.append(float(p[k]))
            sub_y.append(bool(advanced[k]))
        placed = False
        for k, t_last in finalists:  # earliest submitted finalist gets the first offer
            s = subs[k]
            if placed:
                s["state"], s["closed"] = "rejected", t_last + rng.uniform(2, 6)
                continue
            t_offer = t_last + rng.uniform(1, 3)
            accepted = rng.random() < p_accept[k]
            self.add("crm.offer", (self.ids("offer", str(s["id"])), self.tenant, s["id"], s["submitted_rate"],
                                   s["rate"], _at(t_offer), "accepted" if accepted else "declined",
                                   _at(t_offer), _at(t_offer)))
            if accepted:
                placed = True
                s["state"], s["closed"] = "placed", t_offer + 0.5
                start = max(int(self.reqs.start_day[j]), int(t_offer) + int(rng.integers(7, 15)))
                duration = self.req_meta[j]["duration"]
                end = _date(start + int(duration * 30)) if duration else None
                self.add("crm.placement", (self.ids("placement", str(s["id"])), self.tenant, s["id"],
                                           self.cons.ids[s["c"]], self.req_ids[j], s["submitted_rate"], s["rate"],
                                           _date(start), end, _at(t_offer + 0.5), _at(t_offer + 0.5)))
                self.placed_day[s["c"]] = int(t_offer)
            else:
                s["state"], s["closed"] = "withdrawn", t_offer + rng.uniform(1, 3)
        for k, s in enumerate(subs):
            status = s["state"] if s["state"] != "finalist" else "rejected"
            if s["state"] == "submitted" and s["interviews"]:
                status = "interviewing"
            t_sub_at = _at(s["t"])
            last = s["closed"] if s["closed"] is not None else (s["interviews"][-1][1] if s["interviews"] else s["t"])
            self.add("crm.submission", (s["id"], self.tenant, self.cons.ids[s["c"]], self.req_ids[j], s["via"].id,
                                        self.consultant_recruiter[s["c"]], status, s["submitted_rate"], s["rate"],
                                        t_sub_at, _at(s["closed"]) if s["closed"] is not None else None, t_sub_at,
                                        _at(last)))
            for rnd, t, outcome in s["interviews"]:
                self.add("crm.interview", (self.ids("interview", f"{s['id']}:{rnd}"), self.tenant, s["id"], rnd,
                                           _at(t), outcome, _at(t - 2), _at(t)))
            self.add("world.submission_truth", (self.tenant, s["id"], float(p[k]), bool(advanced[k])))
        return "filled" if placed else "closed"

    def _requirement_rows(self, j: int, status: str) -> None:
        msg_uuid, spec, email, vendor = self.req_origin[j]["copies"][0]
        meta = self.req_meta[j]
        received = spec.received_at
        # what the origin email states (its Req# and rate may be left out by its shape: demo_world.surface)
        rate = email.gold["rate"]["hourly_usd"] if email.gold["rate"] else None
        self.add("crm.requirement", (self.req_ids[j], self.tenant, email.gold["external_id"], spec.title,
                                     email.body_text, email.subject, meta["client"].id, vendor.id, status, received, "pending",
                                     self.recruiter_ids[j % len(self.recruiter_ids)], received, received))
        self.add("crm.requirement_source", (self.ids("source", j), self.tenant, self.req_ids[j], msg_uuid, vendor.id,
                                            rate, "origin", received))
        r = self.reqs
        self.add("world.requirement_truth", (
            self.tenant, self.req_ids[j], meta["client"].id, json.dumps(meta["required"]), json.dumps(meta["nice"]),
            float(r.budget[j]), float(r.min_years[j]), WORK_MODES[int(r.work_mode[j])], float(r.lat[j]),
            float(r.lon[j]), _date(int(r.start_day[j])), list(meta["policy"][2]), float(r.difficulty[j]),
            meta["metro"][4], meta["family"].key, meta["seniority"][0], meta["contract_type"], meta["duration"],
            int(self.client_rounds[self.req_client[j]]), keys_to_db(r.latent_key[j:j + 1])[0]))

    def company_latent(self) -> None:
        for i, c in enumerate(self.clients):
            self.add("world.company_latent", (self.tenant, c.id, float(self.pickiness[i]),
                                              int(self.client_rounds[i])))


def generate_world(params: WorldParams | None = None, *, id_namespace: uuid.UUID = DEFAULT_ID_NAMESPACE) -> World:
    """Build the whole world in memory. Deterministic for (params, id_namespace)."""
    params = params or WorldParams()
    b = _Builder(params, id_namespace)
    b.recruiters()
    b.companies()
    b.consultants()
    b.requirements()
    b.emails()
    b.history()
    b.consultant_rows()   # after the history: status reflects placements
    b.company_latent()
    order = ["crm.app_user", "crm.company", "crm.contact", "crm.consultant", "crm.consultant_skill",
             "crm.availability", "crm.rate_card", "crm.requirement", "crm.inbound_message", "crm.requirement_source",
             "crm.submission", "crm.interview", "crm.offer", "crm.placement", "world.consultant_latent",
             "world.company_latent", "world.requirement_truth", "world.submission_truth", "world.message_truth"]
    tables = {name: b.tables[name] for name in order}
    y, p = b.sub_y, b.sub_p
    stats = {
        "process_version": PROCESS_VERSION,
        "submissions": len(y),
        "advanced_rate": float(y.mean()) if len(y) else None,
        "oracle_auc": roc_auc(y, p) if len(y) and 0 < y.sum() < len(y) else None,
        "placements": len(tables["crm.placement"].rows),
        "open_requirements": int(b.req_open.sum()),
        "emails": len(tables["crm.inbound_message"].rows),
    }
    return World(params=params, id_namespace=id_namespace, tables=tables, stats=stats)


def world_params_record(params: WorldParams) -> dict:
    """What world.run.params stores: the knobs and the hidden process' coefficients."""
    return {**params.model_dump(mode="json"), "process_version": PROCESS_VERSION, "coefficients": COEF}
