from __future__ import annotations

import hashlib
import json
from collections import Counter
from email import message_from_bytes, policy

from demo_world import World


def _messages(world: World) -> list[tuple[tuple, dict]]:
    gold = {m[1]: json.loads(m[5]) for m in world.tables["world.message_truth"].rows}
    return [(row, gold[row[0]]) for row in world.tables["crm.inbound_message"].rows]


def _text(msg) -> str:
    parts = [p.get_content() for p in msg.walk() if p.get_content_maintype() == "text"]
    return "\n".join(parts)


def test_every_email_parses_with_the_stdlib_and_matches_its_row(small_world: World) -> None:
    ids = set()
    for row, _ in _messages(small_world):
        msg = message_from_bytes(row[4], policy=policy.default)
        assert msg["Message-ID"] == row[3]
        assert str(msg["Subject"]) == row[5]
        assert msg["From"].addresses[0].addr_spec == row[6]
        assert msg["Date"].datetime == row[7]
        assert row[8] == hashlib.sha256(row[4]).hexdigest()
        assert row[2] == "seed" and row[9] == "new"
        assert _text(msg).strip()
        ids.add(row[3])
    assert len(ids) == len(small_world.tables["crm.inbound_message"].rows)


def test_emails_come_in_the_formats_real_inboxes_get(small_world: World) -> None:
    formats = Counter(g["format"].split("/")[0] for _, g in _messages(small_world))
    for fmt in ("header", "bullets", "prose", "html", "forwarded", "subject", "hotlist"):
        assert formats[fmt] >= 3, (fmt, formats)
    for row, gold in _messages(small_world):
        msg = message_from_bytes(row[4], policy=policy.default)
        kinds = {p.get_content_type() for p in msg.walk()}
        text = _text(msg)
        if gold["format"] == "html":
            assert "text/html" in kinds and "<table" in text
        elif gold["format"].startswith("forwarded"):
            assert row[5].split(":")[0] in ("Fwd", "FW", "Fw")
            assert "---------- Forwarded message ---------" in text
        elif gold["format"] == "header":
            assert any(line.startswith(("Role:", "Position:", "Job Title:")) for line in text.splitlines())


def test_gold_states_only_what_the_email_says(small_world: World) -> None:
    checked = 0
    for row, gold in _messages(small_world):
        if not gold["is_requirement"]:
            continue
        msg = message_from_bytes(row[4], policy=policy.default)
        text = f"{row[5]}\n{_text(msg)}".replace("&amp;", "&")
        assert gold["title"] in text
        for skill in gold["skills"]:
            assert skill["raw"] in text, skill
        if gold["external_id"]:
            assert gold["external_id"] in text
        if gold["rate"] and gold["rate"]["unit"] == "hour":
            assert f"{gold['rate']['amount']:.0f}" in text
        if gold["rate"] and gold["rate"]["unit"] == "year":
            amount = gold["rate"]["amount"]
            assert f"{amount / 1000:.0f}K" in text or f"{amount:,.0f}" in text
        if gold["location"]["city"]:
            assert gold["location"]["city"] in text
        if gold["end_client"]:
            assert gold["end_client"] in text
        checked += 1
    assert checked > 200


def test_origin_email_creates_the_requirement_and_copies_wait_in_the_inbox(small_world: World) -> None:
    t = small_world.tables
    reqs = {r[0]: r for r in t["crm.requirement"].rows}
    sources = {s[2]: s for s in t["crm.requirement_source"].rows}
    messages = {m[0]: m for m in t["crm.inbound_message"].rows}
    assert set(sources) == set(reqs)
    for truth in t["world.message_truth"].rows:
        message = messages[truth[1]]
        if truth[3]:
            req = reqs[truth[2]]
            assert sources[truth[2]][3] == truth[1] and sources[truth[2]][6] == "origin"
            assert message[10] == truth[2]
            assert req[4] and req[5] == message[5] and req[10] == "pending"
            assert req[2] == json.loads(truth[5])["external_id"]
        else:
            assert message[10] is None
