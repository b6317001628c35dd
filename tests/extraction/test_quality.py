from ml.extraction.quality import evaluate, score_pair, title_key


def test_score_pair_counts_set_fields_by_item():
    assert score_pair("skills", ["Java", "AWS"], ["Java", "Kafka"]) == (1, 1, 1, False)


def test_score_pair_counts_a_wrong_scalar_as_false_positive_and_false_negative():
    assert score_pair("rate", 70.0, 65.0) == (0, 1, 1, False)
    assert score_pair("rate", 76.92, 76.923) == (1, 0, 0, True)
    assert score_pair("rate", None, None) == (0, 0, 0, True)
    assert score_pair("rate", None, 50.0) == (0, 1, 0, False)


def test_title_key_expands_abbreviations():
    assert title_key("Sr. Data Engineer") == title_key("Senior Data Engineer")


def test_evaluate_scores_only_fields_present_in_gold():
    scores = evaluate([({"rate": 70.0, "location": {"city": "Dallas", "state": "TX", "work_mode": "onsite"}},
                        {"rate": 70.0, "location": {"city": "Dallas", "state": "TX", "work_mode": "remote"},
                         "skills": ["Java"]})])
    assert scores["rate"].exact_match == 1.0
    assert scores["location"].exact_match == 0.0
    assert scores["city"].exact_match == 1.0
    assert scores["skills"].n == 0


def test_world_gold_maps_the_seed_generators_gold_onto_corpus_labels():
    from ml.extraction.quality import world_gold

    gold = world_gold({"gold": {
        "is_requirement": True, "format": "header", "title": "Sr. Data Engineer", "external_id": "REQ1",
        "skills": [{"canonical": "Python", "raw": "Python3", "required": True},
                   {"canonical": "Kafka", "raw": "Kafka", "required": False}],
        "min_years": 8.0, "location": {"city": "Austin", "state": "TX", "work_mode": "hybrid", "timezone_label": None},
        "visa_accepted": ["USC", "GC"], "rate": {"amount": 68.0, "unit": "hour", "hourly_usd": 68.0, "terms": ["C2C"]},
        "employment_terms": ["C2C"], "duration_months": 12.0, "contract_type": "contract", "start_date": None,
        "client": "Fortune 500 bank", "end_client": None, "vendor": "V", "domain": "banking"}})
    assert gold["expect"] == "requirement" and gold["skills"] == ["Kafka", "Python"]
    assert gold["skills_required"] == ["Python"] and gold["rate"] == 68.0 and gold["rate_terms"] == ["C2C"]
    assert gold["location"] == {"city": "Austin", "state": "TX", "work_mode": "hybrid"}
    assert world_gold({"gold": {"is_requirement": False, "format": "hotlist"}})["expect"] == "not_requirement"
