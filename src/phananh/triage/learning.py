"""Features, training and prediction of the three suggestions: field, lead unit, urgency.

Pure functions over `Example`s, no database: `services` builds the examples from the
deployment's decisions, and the benchmark builds 100,000 of them in memory.

- Text: TF-IDF of character n-grams (2–5, inside words) and of word uni- and bigrams, both on the
  folded text (`text.folded`): accents may be missing, words misspelt, abbreviations used.
- Unit: the text, plus the commune, the field and the pair (commune, field): the pair is what a
  routing rule says, learned from the dispatches.
- Urgency: the text, plus each urgent word found (PHANANH_URGENT_WORDS) and whether a photo was
  sent: the words around "cháy" decide whether it is a fire.
- Classifiers: scikit-learn's SGDClassifier with log loss (scores from 0 to 1), one per
  suggestion: as accurate as LogisticRegression on the labelled set and many times faster to
  train (docs/decisions.md). "urgent" comes first from a threshold set out of fold.
- Precedents: the most recent decisions (20,000) are kept with the model, by their words; the
  field and the unit of the ten most similar reports vote, weighted by similarity, for half of
  the field's and the unit's scores. A unit follows a report's sub-topic ("đèn đường" to the
  infrastructure division, "mất điện" to the power company) more closely than a linear model of
  a few hundred reports does.
"""

from __future__ import annotations

import dataclasses
import io
import math
import warnings
from dataclasses import dataclass
from datetime import datetime

import joblib
import numpy as np
import sklearn
from scipy import sparse
from scipy.special import expit
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier

from .text import folded, segmented, urgent_hits

# Above this many examples SGD makes fewer passes over them (they are enough to converge).
BIG = 20_000
TOP = 3


@dataclass
class Example:
    """One report as the models see it, with the IOC's decisions about it (the labels)."""

    text: str
    commune: int | None = None
    has_photo: bool = False
    latitude: float | None = None
    longitude: float | None = None
    field: str = ""  # the field code decided at acceptance
    unit: int | None = None  # the lead unit of the first dispatch not returned
    urgency: str = ""
    at: datetime | None = None
    weight: float = 1.0
    # Filled by `prepare`: the folded text and its urgent words.
    folded: str = ""
    hits: list[str] = dataclasses.field(default_factory=list)


def prepare(example: Example) -> Example:
    if not example.folded:
        example.folded = folded(example.text)
        example.hits = urgent_hits(example.folded)
    return example


# The place in cells of about 2 km and 11 km: a commune without its area drawn, the city or not.
CELLS = (0.02, 0.1)


def _cells(e: Example) -> list[str]:
    if e.latitude is None or e.longitude is None:
        return []
    return [f"{size}:{round(e.latitude / size)},{round(e.longitude / size)}" for size in CELLS]


def _unit_features(e: Example, field_code: str) -> dict:
    commune = f"c{e.commune}" if e.commune else "c-"
    found = {f"commune={commune}": 1.0, f"field={field_code}": 1.0, f"pair={commune}|{field_code}": 1.0}
    for cell in _cells(e):
        found[f"cell={cell}"] = 1.0
        found[f"cellpair={cell}|{field_code}"] = 1.0
    return found


def _urgency_features(e: Example) -> dict:
    found = {f"urgent={w}": 1.0 for w in e.hits}
    found["urgent_words"] = float(len(e.hits))
    found["photo"] = 1.0 if e.has_photo else 0.0
    return found


class Constant:
    """A 'classifier' for a label with a single value in the data: it is always that value."""

    def __init__(self, value):
        self.classes_ = np.array([value])

    def predict_proba(self, X):
        return np.ones((X.shape[0], 1))


@dataclass(frozen=True)
class Options:
    """What was compared (bench/triage_compare.py); the defaults are what was chosen."""

    # "sgd": SGDClassifier with log loss; "logreg": LogisticRegression (lbfgs).
    solver: str = "sgd"
    chars: bool = True
    # "folded": words of the folded text; "segmented": underthesea's words of the accented
    # text (accents restored by pyvi); "": no word view.
    words: str = "folded"
    urgency_solver: str = "sgd"
    urgency_c: float = 10.0
    urgency_alpha: float = 1e-3
    # The share of urgent reports the threshold on "urgent" is set to catch, out of fold.
    urgent_recall: float = 0.97
    # Precedents: the most recent decisions kept with the model, the similar ones consulted for
    # each report, and their share of the field's and the unit's scores (0: the classifiers alone).
    precedents: int = 20_000
    neighbours: int = 10
    precedent_share: float = 0.5


def _classifier(options: Options, n: int, balanced: bool):
    weights = "balanced" if balanced else None
    if balanced and options.urgency_solver == "logreg":
        return LogisticRegression(C=options.urgency_c, max_iter=500, class_weight=weights)
    if balanced:
        # Urgency: more regularised, for scores that rank rather than overfit the few urgent ones.
        return SGDClassifier(
            loss="log_loss",
            alpha=options.urgency_alpha,
            max_iter=5 if n > BIG else 40,
            tol=None,
            random_state=0,
            class_weight=weights,
            average=n <= BIG,
        )
    if options.solver == "logreg":
        return LogisticRegression(C=20.0, max_iter=300, class_weight=weights)
    # Few examples: many averaged passes for stable scores; many examples: a few plain passes
    # are enough, and averaging would cost half as much again.
    return SGDClassifier(
        loss="log_loss",
        alpha=1e-5,
        max_iter=5 if n > BIG else 40,
        tol=None,
        random_state=0,
        class_weight=weights,
        average=n <= BIG,
    )


def _fit(X, y: list, weights: np.ndarray, options: Options, *, balanced: bool = False):
    classes = set(y)
    if len(classes) < 2:
        return Constant(next(iter(classes))) if classes else None
    model = _classifier(options, X.shape[0], balanced)
    with warnings.catch_warnings():
        # Before any decision, each unit has one or two examples (its names): expected.
        warnings.filterwarnings("ignore", message="The number of unique classes", category=UserWarning)
        model.fit(X, y, sample_weight=weights)
    return model


@dataclass
class Triage:
    """The fitted models and what they were fitted on."""

    chars: TfidfVectorizer | None
    words: TfidfVectorizer | None
    unit_extra: DictVectorizer
    urgency_extra: DictVectorizer
    field_model: object
    unit_model: object
    urgency_model: object
    examples: int = 0
    decisions: int = 0
    options: Options = Options()
    # "urgent" is suggested first from this score on (set by `_urgent_threshold`).
    urgent_threshold: float = 0.5
    # The precedents: their text (rows of unit length) and the IOC's field and unit for each.
    precedent_text: sparse.csr_matrix | None = None
    precedent_fields: np.ndarray | None = None
    precedent_units: np.ndarray | None = None

    # --- features ------------------------------------------------------------------------------

    def _text(self, examples: list[Example]):
        return _text_features(self.chars, self.words, self.options, examples, fit=False)

    def _with(self, text, extra: DictVectorizer, rows: list[dict]):
        return sparse.hstack([text, extra.transform(rows)]).tocsr()

    def _precedent_view(self, examples: list[Example]):
        return _precedent_view(self.chars, self.words, self.options, examples)

    # --- prediction ----------------------------------------------------------------------------

    def suggest(self, example: Example, *, field_code: str = "") -> dict:
        """Three fields, lead units and urgencies with their scores, best first.

        The unit is suggested for the report's field when it has one (chosen by the reporter),
        else for each of the three likely fields, weighted by their scores.
        """
        e = prepare(example)
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self._suggest(e, field_code)

    def _suggest(self, e: Example, field_code: str) -> dict:
        text = self._text([e])
        similar = self._similar(e)
        fields = _blend(_ranked(self.field_model, text), similar, self.precedent_fields, self.options)
        weighted = [(field_code, 1.0)] if field_code else fields[:TOP]
        units: dict = {}
        if self.unit_model is not None and weighted:
            rows = [_unit_features(e, code) for code, _score in weighted]
            X = self._with(sparse.vstack([text] * len(rows)), self.unit_extra, rows)
            total = sum(score for _code, score in weighted) or 1.0
            probabilities = _probabilities(self.unit_model, X)
            for (_code, score), row in zip(weighted, probabilities, strict=True):
                for unit, p in zip(self.unit_model.classes_, row, strict=True):
                    unit = _plain(unit)
                    units[unit] = units.get(unit, 0.0) + float(p) * score / total
        if field_code and similar is not None:
            # The field is known: the precedents of that field say where such reports went.
            similar = similar[self.precedent_fields[similar[:, 0].astype(int)] == field_code]
        units = _blend(
            sorted(units.items(), key=lambda kv: -kv[1]), similar, self.precedent_units, self.options
        )
        urgency = []
        if self.urgency_model is not None:
            X = self._with(text, self.urgency_extra, [_urgency_features(e)])
            urgency = _ranked(self.urgency_model, X)
            scores = dict(urgency)
            if scores.get("urgent", 0.0) >= self.urgent_threshold:
                # Missing an emergency costs more than a second look: urgent comes first.
                urgency.sort(key=lambda pair: pair[0] != "urgent")
        return {"field": fields, "unit": units, "urgency": urgency}

    def _similar(self, e: Example) -> np.ndarray | None:
        """The precedents most like the report: rows of (index, similarity), most similar first;
        None without precedents or when none shares a word with it."""
        if self.precedent_text is None or not self.precedent_text.shape[0]:
            return None
        x = _unit_rows(self._precedent_view([e]))
        similarity = np.asarray((self.precedent_text @ x.T).todense()).ravel()
        k = min(self.options.neighbours, len(similarity))
        nearest = np.argpartition(-similarity, k - 1)[:k]
        nearest = nearest[similarity[nearest] > 0]
        if not len(nearest):
            return None
        nearest = nearest[np.argsort(-similarity[nearest])]
        return np.column_stack([nearest, similarity[nearest]])

    # --- storage -------------------------------------------------------------------------------

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def loads(data: bytes) -> Triage:
        # joblib unpickles: only ever a file this app wrote to the storage (services.load_current).
        return joblib.load(io.BytesIO(data))


def _probabilities(model, X) -> np.ndarray:
    """`predict_proba` of a fitted SGDClassifier (log loss, one-vs-rest), without the input checks
    that cost more than the product itself for one report: the model made the columns."""
    if not isinstance(model, SGDClassifier):
        return model.predict_proba(X)
    scores = expit(np.asarray(X @ model.coef_.T) + model.intercept_)
    if scores.shape[1] == 1:
        return np.hstack([1 - scores, scores])
    total = scores.sum(axis=1, keepdims=True)
    total[total == 0] = 1
    return scores / total


def _ranked(model, X) -> list[tuple]:
    if model is None:
        return []
    row = _probabilities(model, X)[0]
    order = np.argsort(-row)
    return [(_plain(model.classes_[i]), float(row[i])) for i in order]


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _unit_rows(X):
    """Each row scaled to unit length (cosine similarity is then a product)."""
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.diags(1 / norms).dot(X).tocsr().astype(np.float32)


def _precedent_view(chars, words, options: Options, examples: list[Example]):
    """The text as the precedents are compared on: the word view (fewer terms a report than the
    character n-grams, so a small matrix to keep), or the characters' without one."""
    if words:
        return words.transform(_word_docs(examples, options))
    return chars.transform([e.folded for e in examples])


def _blend(ranked: list[tuple], similar: np.ndarray | None, labels: np.ndarray | None, options: Options):
    """The classifier's scores mixed with the precedents' votes (each weighted by its similarity):
    what similar reports were decided counts for `precedent_share` of the score."""
    if similar is None or labels is None or not len(similar) or options.precedent_share <= 0:
        return ranked
    votes: dict = {}
    for index, weight in similar:
        label = _plain(labels[int(index)])
        if label not in ("", None):
            votes[label] = votes.get(label, 0.0) + float(weight)
    total = sum(votes.values())
    if not total:
        return ranked
    share = options.precedent_share
    scores = {label: (1 - share) * score for label, score in ranked}
    for label, weight in votes.items():
        scores[label] = scores.get(label, 0.0) + share * weight / total
    return sorted(scores.items(), key=lambda kv: -kv[1])


def _word_docs(examples: list[Example], options: Options) -> list[str]:
    if options.words == "segmented":
        return [segmented(e.text) for e in examples]
    return [e.folded for e in examples]


def _text_features(chars, words, options: Options, examples: list[Example], *, fit: bool):
    parts = []
    if chars:
        docs = [e.folded for e in examples]
        parts.append(chars.fit_transform(docs) if fit else chars.transform(docs))
    if words:
        docs = _word_docs(examples, options)
        parts.append(words.fit_transform(docs) if fit else words.transform(docs))
    return sparse.hstack(parts).tocsr()


def train(examples: list[Example], options: Options = Options()) -> Triage:  # noqa: B008 - frozen
    """Fit the three models on `examples` (each with its weight); labels left empty are skipped."""
    for e in examples:
        prepare(e)
    chars = options.chars and TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=1,
        max_features=300_000,
        dtype=np.float32,
    )
    words = options.words and TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        sublinear_tf=True,
        token_pattern=r"\w+",  # noqa: S106 - a pattern, not a password
        dtype=np.float32,
    )
    text = _text_features(chars, words, options, examples, fit=True)
    weights = np.array([e.weight for e in examples], dtype=np.float64)

    def rows(label: str) -> np.ndarray:
        return np.array([i for i, e in enumerate(examples) if getattr(e, label) not in ("", None)], dtype=int)

    with_field = rows("field")
    field_model = _fit(
        text[with_field], [examples[i].field for i in with_field], weights[with_field], options
    )

    unit_extra = DictVectorizer()
    with_unit = rows("unit")
    unit_rows = [_unit_features(examples[i], examples[i].field) for i in with_unit]
    unit_model = None
    if len(with_unit):
        X = sparse.hstack([text[with_unit], unit_extra.fit_transform(unit_rows)]).tocsr()
        unit_model = _fit(X, [examples[i].unit for i in with_unit], weights[with_unit], options)
    else:
        unit_extra.fit([{}])

    urgency_extra = DictVectorizer()
    with_urgency = rows("urgency")
    urgency_model = None
    if len(with_urgency):
        extra = urgency_extra.fit_transform([_urgency_features(examples[i]) for i in with_urgency])
        X = sparse.hstack([text[with_urgency], extra]).tocsr()
        # Balanced: urgent reports are few, and missing one costs more than a second look at another.
        urgency_model = _fit(
            X, [examples[i].urgency for i in with_urgency], weights[with_urgency], options, balanced=True
        )
    else:
        urgency_extra.fit([{}])
    threshold = 0.5
    if urgency_model is not None and "urgent" in getattr(urgency_model, "classes_", []):
        threshold = _urgent_threshold(
            X, [examples[i].urgency for i in with_urgency], weights[with_urgency], options
        )
    # The precedents: the most recent decisions (the cold-start examples are no one's decision).
    decided = sorted((e for e in examples if e.at is not None), key=lambda e: e.at)[-options.precedents :]
    precedent_text = _unit_rows(_precedent_view(chars, words, options, decided)) if decided else None
    return Triage(
        precedent_text=precedent_text,
        precedent_fields=np.array([e.field for e in decided], dtype=object),
        precedent_units=np.array([e.unit for e in decided], dtype=object),
        chars=chars,
        words=words,
        unit_extra=unit_extra,
        urgency_extra=urgency_extra,
        field_model=field_model,
        unit_model=unit_model,
        urgency_model=urgency_model,
        examples=len(examples),
        decisions=sum(1 for e in examples if e.at is not None),
        options=options,
        urgent_threshold=threshold,
    )


def _urgent_threshold(X, y: list, weights: np.ndarray, options: Options) -> float:
    """The highest score that still catches `options.urgent_recall` of the urgent examples, each
    scored by a model that did not see it (3 folds): never set on the reports it is tested on."""
    y = np.array(y, dtype=object)
    urgent = y == "urgent"
    if urgent.sum() < 6:
        return 0.5
    scores = np.zeros(len(y))
    folds = np.arange(len(y)) % 3
    for fold in range(3):
        seen, unseen = folds != fold, folds == fold
        if len(set(y[seen])) < 2:
            return 0.5
        model = _fit(X[seen], list(y[seen]), weights[seen], options, balanced=True)
        column = list(model.classes_).index("urgent")
        scores[unseen] = model.predict_proba(X[unseen])[:, column]
    caught = np.sort(scores[urgent])
    # The score of the urgent example at the (1 - recall) quantile: those above it are caught.
    index = int(np.floor((1 - options.urgent_recall) * len(caught)))
    return float(min(0.5, caught[index]))


# --- evaluation ------------------------------------------------------------------------------------


def time_split(decisions: list[Example], share: float = 0.2) -> tuple[list[Example], list[Example]]:
    """The older part and the newer `share` of the decisions: the future is never seen in training."""
    ordered = sorted(decisions, key=lambda e: e.at)
    cut = len(ordered) - max(1, math.ceil(len(ordered) * share)) if len(ordered) > 1 else len(ordered)
    return ordered[:cut], ordered[cut:]


def evaluate(model: Triage, tested: list[Example]) -> dict:
    """Top-1 and top-3 accuracy of field and unit (at reception; and at dispatch, the field
    chosen: `unit_for_field_…`), recall and precision of "urgent", on `tested`."""
    counts = {"field": [0, 0, 0], "unit": [0, 0, 0], "unit_for_field": [0, 0, 0]}
    urgent = {"tp": 0, "fp": 0, "fn": 0}

    def count(name: str, ranked: list[tuple], truth) -> None:
        if truth in ("", None):
            return
        values = [value for value, _score in ranked[:TOP]]
        counts[name][0] += 1
        counts[name][1] += bool(values[:1] == [truth])
        counts[name][2] += truth in values

    for e in tested:
        report = Example(e.text, e.commune, e.has_photo, e.latitude, e.longitude)
        got = model.suggest(report)
        count("field", got["field"], e.field)
        count("unit", got["unit"], e.unit)
        if e.field:
            # At dispatch the field is chosen: the units suggested for it.
            count("unit_for_field", model.suggest(report, field_code=e.field)["unit"], e.unit)
        if e.urgency:
            said = bool(got["urgency"]) and got["urgency"][0][0] == "urgent"
            actual = e.urgency == "urgent"
            urgent["tp"] += said and actual
            urgent["fp"] += said and not actual
            urgent["fn"] += actual and not said
    result: dict = {"tested": len(tested)}
    for name, (n, top1, top3) in counts.items():
        result[f"{name}_top1"] = round(top1 / n, 4) if n else None
        result[f"{name}_top3"] = round(top3 / n, 4) if n else None
    said, actual = urgent["tp"] + urgent["fp"], urgent["tp"] + urgent["fn"]
    result["urgent_recall"] = round(urgent["tp"] / actual, 4) if actual else None
    result["urgent_precision"] = round(urgent["tp"] / said, 4) if said else None
    return result
