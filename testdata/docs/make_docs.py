#!/usr/bin/env python3
"""Writes docs.jsonl: 400 short documents for the analyze job (deterministic; run it to remake)."""
import json, random

rnd = random.Random(2026)
PLACES = ["Paris", "Berlin", "Lisbon", "Zurich", "Oslo", "Madrid", "Vienna", "Prague", "Dublin", "Rome"]
ORGS = ["Acme Corp", "Globex", "Initech", "Umbrella Labs", "Stark Industries", "Wayne Enterprises",
        "Northwind", "Contoso", "Tyrell Systems", "Hooli"]
PEOPLE = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
          "Donald Knuth", "Margaret Hamilton", "Ken Thompson"]
GOOD = ["excellent", "great", "reliable", "fast", "friendly", "impressive", "smooth", "helpful"]
BAD = ["slow", "broken", "late", "disappointing", "rude", "buggy", "expensive", "confusing"]
TOPICS = ["delivery", "support team", "invoice", "warehouse", "release", "dashboard", "contract",
          "shipment", "audit", "migration"]

def sentence():
    kind = rnd.random()
    topic = rnd.choice(TOPICS)
    if kind < 0.4:
        return f"The {topic} from {rnd.choice(ORGS)} in {rnd.choice(PLACES)} was {rnd.choice(GOOD)}."
    if kind < 0.75:
        return f"Our {topic} with {rnd.choice(ORGS)} was {rnd.choice(BAD)} again."
    if kind < 0.9:
        return f"{rnd.choice(PEOPLE)} reviewed the {topic} in {rnd.choice(PLACES)} and found it {rnd.choice(GOOD + BAD)}."
    return f"Nothing new about the {topic} this week."

with open("docs.jsonl", "w", encoding="utf-8") as out:
    for i in range(1, 401):
        text = " ".join(sentence() for _ in range(rnd.randint(1, 4)))
        out.write(json.dumps({"id": f"doc-{i:04d}", "text": text}, ensure_ascii=False) + "\n")
