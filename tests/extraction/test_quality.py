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
