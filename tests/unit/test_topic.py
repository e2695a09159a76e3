"""Topic tagger: IPTC top-level codes and labels, best first, nothing for unknown languages."""

from __future__ import annotations

import numpy as np
import pytest

from consumers.pipeline.model import LanguageTag
from consumers.pipeline.topic import MAX_TOPICS, MODEL_PATH, TopicTagger, load_models
from consumers.pipeline.topic_model import TopicModel, hashed_features
from consumers.pipeline.topic_training import SparseRows, complement_nb, stratified_folds, train, vocabulary

SPORT_EN = ("Late goal sends United into the cup final",
            "A header in the last minute of extra time gave United a 2-1 win over City on Saturday and a place "
            "in the cup final. The striker scored his tenth goal of the season after the goalkeeper failed to "
            "clear a corner. The coach praised his players and said the team would rest before the league "
            "match against the champions next week.")
BUSINESS_EN = ("Bank raises interest rates as inflation climbs",
               "The central bank raised its main interest rate by half a point on Thursday, saying inflation "
               "was rising faster than expected. Shares fell on the stock market and the currency rose against "
               "the dollar. Economists said higher borrowing costs would hit company profits, investment and "
               "mortgage holders, and warned that the economy could slip into recession next year.")
HEALTH_EN = ("Hospitals warn of winter flu surge",
             "Doctors say hospitals are filling with patients suffering from flu and covid, and urge older people "
             "to get vaccinated. Nurses describe long waits in emergency departments, and health officials "
             "said the disease was spreading fast among children. The vaccine is free at pharmacies and clinics.")
SPORT_FR = ("Le club remporte la coupe au bout des prolongations",
            "Un but de la tête à la dernière minute des prolongations a offert au club une victoire 2-1 samedi "
            "et une place en finale de la coupe. L'attaquant a marqué son dixième but de la saison. "
            "L'entraîneur a félicité ses joueurs avant le match de championnat contre les champions.")
POLITICS_FR = ("Le président dissout l'Assemblée nationale",
               "Le président a annoncé dimanche la dissolution de l'Assemblée nationale et la tenue d'élections "
               "législatives anticipées. L'opposition dénonce une manœuvre politique, tandis que le gouvernement "
               "et le Premier ministre appellent les partis à former une majorité. Les députés et les électeurs "
               "devront voter dans trois semaines.")

ENGLISH, FRENCH = LanguageTag("en", 0.99), LanguageTag("fr", 0.99)


@pytest.fixture(scope="module")
def tagger() -> TopicTagger:
    return TopicTagger()


@pytest.mark.parametrize("article, language, code", [
    (SPORT_EN, ENGLISH, "medtop:15000000"), (BUSINESS_EN, ENGLISH, "medtop:04000000"),
    (HEALTH_EN, ENGLISH, "medtop:07000000"), (SPORT_FR, FRENCH, "medtop:15000000"),
    (POLITICS_FR, FRENCH, "medtop:11000000"),
])
def test_best_topic_first(tagger: TopicTagger, article: tuple[str, str], language: LanguageTag, code: str) -> None:
    topics = tagger.tag(article[0], article[1], language)
    assert topics and topics[0].code == code


def test_topics_have_iptc_labels_and_descending_scores(tagger: TopicTagger) -> None:
    topics = tagger.tag(*BUSINESS_EN, ENGLISH)
    assert 1 <= len(topics) <= MAX_TOPICS
    assert topics[0].label == "economy, business and finance"
    assert all(t.code.startswith("medtop:") and t.code[7:].isdigit() and len(t.code) == 15 for t in topics)
    scores = [t.score for t in topics]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)


@pytest.mark.parametrize("language", [LanguageTag("und", 0.0), LanguageTag("de", 0.99), LanguageTag("zh-hans", 1.0)])
def test_languages_without_a_model_get_no_topic(tagger: TopicTagger, language: LanguageTag) -> None:
    assert tagger.tag(*SPORT_EN, language) == ()


def test_works_without_a_title_and_is_deterministic(tagger: TopicTagger) -> None:
    first = tagger.tag(None, SPORT_EN[1], ENGLISH)
    assert first[0].code == "medtop:15000000"
    assert TopicTagger().tag(None, SPORT_EN[1], ENGLISH) == first


def test_text_with_no_known_word_gets_no_topic(tagger: TopicTagger) -> None:
    assert tagger.tag("", "zzqx vvkw 123 456", ENGLISH) == ()


def test_ships_english_and_french(tagger: TopicTagger) -> None:
    assert {"en", "fr"} <= set(tagger.languages)


def test_shipped_model_is_small_and_whole() -> None:
    assert MODEL_PATH.stat().st_size < 5_000_000  # the issue: a few MB at most
    models, labels = load_models()
    for model in models.values():
        assert len(model.columns) == len(model.bias) == len(model.classes)
        assert all(len(column) == len(model.rows) for column in model.columns)
        assert set(model.classes) <= set(labels) and model.temperature > 0


def test_hashed_features_are_stable_across_processes() -> None:
    # crc32, not the salted hash(): the shipped weights depend on these exact numbers.
    features = hashed_features("Goal goal, late GOAL! 42")
    assert features[846638] == 3  # "goal": words are lower-cased, digits dropped
    assert sum(features.values()) == 4  # 4 words, no word pairs; no word is longer than the prefix
    assert features == hashed_features("goal goal late goal")


def test_longer_words_share_a_prefix_feature() -> None:
    one, other = hashed_features("governments"), hashed_features("governing")
    assert sum(one.values()) == sum(other.values()) == 2  # the word and its prefix "gover"
    assert len(set(one) & set(other)) == 1


def test_sparse_rows_products_match_dense_algebra() -> None:
    documents = [{1: 2, 2: 1}, {2: 3}, {3: 1, 1: 1}]
    known = vocabulary(documents, min_documents=1)
    x = SparseRows.build(documents, known)
    dense = np.zeros(x.shape)
    for number, features in enumerate(documents):
        for feature, count in features.items():
            dense[number, known[feature]] = np.log1p(count)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)  # log(1 + count), L2-normalised rows
    weights = np.arange(6, dtype=float).reshape(3, 2)
    assert np.allclose(x.dot(weights), dense @ weights)
    assert np.allclose(x.transposed_dot(weights), dense.T @ weights)
    assert np.allclose(x.subset(np.array([0, 2])).dot(weights), dense[[0, 2]] @ weights)


def test_complement_nb_favours_each_class_on_its_own_words() -> None:
    documents = [{1: 3, 2: 1}, {1: 2}, {3: 3}, {3: 1, 2: 1}]
    known = vocabulary(documents, min_documents=1)
    x = SparseRows.build(documents, known)
    nb = complement_nb(x, np.array([0, 0, 1, 1]), np.ones(4), 2)
    assert nb[known[1], 0] > nb[known[1], 1] and nb[known[3], 1] > nb[known[3], 0]
    assert np.allclose(nb.sum(1), 0.0)  # centred: a shift shared by all classes means nothing


def test_stratified_folds_spread_each_label_round_robin() -> None:
    assert stratified_folds(["a", "a", "b", "a", "b", "a"], 2).tolist() == [0, 1, 0, 0, 1, 1]


SPORT_TEXTS = ("goal match striker keeper", "match coach goal league", "striker league goal penalty",
               "keeper penalty match coach", "league striker coach goal")
MONEY_TEXTS = ("bank shares profit market", "profit market bank inflation", "shares inflation bank rates",
               "market rates profit shares", "inflation rates bank market")


def test_shipped_scores_match_the_training_algebra() -> None:
    # Inference (pure Python, int16) must compute what training optimised (numpy, float).
    documents = [(hashed_features(t), "ball") for t in SPORT_TEXTS] + [(hashed_features(t), "money") for t in MONEY_TEXTS]
    model = train(documents, min_documents=1)
    query = hashed_features("the striker scored a goal past the keeper")
    x = SparseRows.build([query], model.rows)
    weights = np.stack([np.asarray(column, dtype=float) for column in model.columns], axis=1) / model.scale
    assert model.scores(query) == pytest.approx((x.dot(weights)[0] + np.asarray(model.bias)).tolist())


def test_model_learns_and_survives_a_json_round_trip() -> None:
    documents = [(hashed_features(t), "ball") for t in SPORT_TEXTS]
    documents += [(hashed_features(t), "money") for t in MONEY_TEXTS]
    model = train(documents, min_documents=1)
    restored = TopicModel.from_json(model.to_json())
    query = hashed_features("the striker scored a goal")
    assert model.probabilities(query)[0][0] == restored.probabilities(query)[0][0] == "ball"
    assert model.probabilities(query) == restored.probabilities(query)
    assert model.probabilities(hashed_features("the bank raised rates"))[0][0] == "money"
    assert model.probabilities(hashed_features("nothing known here")) == []


def test_document_weights_shift_the_model() -> None:
    # The same ambiguous text labelled both ways: the heavier label wins.
    documents = [(hashed_features(t), "ball") for t in SPORT_TEXTS] + [(hashed_features(t), "money") for t in MONEY_TEXTS]
    documents += [(hashed_features("transfer fee deal"), "ball"), (hashed_features("transfer fee deal"), "money")]
    base = [1.0] * (len(documents) - 2)
    query = hashed_features("transfer fee deal")
    assert train(documents, base + [5.0, 0.2], min_documents=1).probabilities(query)[0][0] == "ball"
    assert train(documents, base + [0.2, 5.0], min_documents=1).probabilities(query)[0][0] == "money"
