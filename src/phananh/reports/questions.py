"""Câu hỏi bổ sung: the answers to a field's extra questions, checked the same way on every channel.

`ReportIn` calls `clean_answers` once the field is known: each active question of the field is
answered as its kind says (text, a number, one of its choices, several of them), a required one
is answered, and nothing else is sent. Every problem is listed under `answers.<code>`, so that a
form shows it next to its input.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from phananh.core.text import clean_text

from .models import Category, FieldQuestion, QuestionKind
from .selectors import active_categories

MAX_TEXT_ANSWER = 1000
MAX_ANSWERS = 50
_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


def active_questions(category: Category | None) -> list[FieldQuestion]:
    if category is None:
        return []
    return list(category.questions.filter(is_active=True).order_by("sort_order", "id"))


def read_answers(value) -> dict:
    """The answers as a mapping of code to answer; a form or multipart request sends it as JSON text."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError
    text = str(value).strip()
    if isinstance(value, str) and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    number = Decimal(text)
    if not number.is_finite() or abs(number) >= 10**12:
        raise ValueError
    return int(number) if number == number.to_integral_value() else float(number)


def _answer(question: FieldQuestion, value):
    """The clean answer, or raise ValueError with what a person is told."""
    keys = [key for key, _label in question.options()]
    if question.kind == QuestionKind.NUMBER:
        try:
            return _number(value)
        except (ValueError, InvalidOperation):
            raise ValueError(_("This must be a number.")) from None
    if question.kind == QuestionKind.MULTIPLE:
        chosen = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in chosen) or any(item not in keys for item in chosen):
            raise ValueError(_("Choose from the list."))
        return [key for key in keys if key in chosen]
    if not isinstance(value, str):
        raise ValueError(_("This must be text."))
    if question.kind == QuestionKind.SINGLE:
        if value not in keys:
            raise ValueError(_("Choose from the list."))
        return value
    text = clean_text(value)
    if len(text) > MAX_TEXT_ANSWER:
        raise ValueError(
            _("At most %(limit)d characters (now %(count)d).")
            % {"limit": MAX_TEXT_ANSWER, "count": len(text)}
        )
    return text


def clean_answers(category: Category | None, answers: dict) -> tuple[dict, list[tuple[str, str, str]]]:
    """The clean answers and the problems found: (field, code, message) each."""
    if len(answers) > MAX_ANSWERS:
        return {}, [("answers", "too_many_answers", _("Too many answers."))]
    questions = {q.code: q for q in active_questions(category)}
    clean, problems = {}, []
    for code in answers:
        if code not in questions:
            field = f"answers.{code}" if isinstance(code, str) and _CODE.match(code) else "answers"
            problems.append((field, "unknown_question", _("This field has no such question.")))
    for code, question in questions.items():
        value = answers.get(code)
        if _empty(value):
            if question.required:
                problems.append((f"answers.{code}", "answer_required", _("This question needs an answer.")))
            continue
        try:
            clean[code] = _answer(question, value)
        except ValueError as exc:
            problems.append((f"answers.{code}", "invalid_answer", str(exc)))
    return clean, problems


def answered(report) -> list[tuple[str, str]]:
    """The report's answers as (question, answer) in words, for staff: retired questions too."""
    answers = report.answers or {}
    if not answers:
        return []
    questions = {q.code: q for q in FieldQuestion.objects.filter(category_id=report.category_id)}
    shown = []
    for code, value in answers.items():
        question = questions.get(code)
        labels = dict(question.options()) if question else {}
        values = value if isinstance(value, list) else [value]
        words = ", ".join(str(labels.get(v, v)) for v in values)
        shown.append((question.label if question else code, words))
    return shown


# --- The forms that ask them (the intake page, the call centre's page) -----------------------
#
# Every field's questions are drawn from data; the script shows the chosen field's only
# (`reports/questions.js`), and without it each group is headed by its field's name. Inputs are
# named `answers.<field>.<question>`, so that only the chosen field's answers reach the intake.


def _name(category_code: str, question_code: str) -> str:
    return f"answers.{category_code}.{question_code}"


def posted_answers(post, category_code: str) -> dict:
    """The chosen field's answers from the posted form, as the intake reads them."""
    answers = {}
    prefix = f"answers.{category_code}."
    for name in post:
        if name.startswith(prefix):
            code = name.removeprefix(prefix)
            answers[code] = post.getlist(name) if len(post.getlist(name)) > 1 else post.get(name)
    multiple = FieldQuestion.objects.filter(
        category__code=category_code, kind=QuestionKind.MULTIPLE, is_active=True
    ).values_list("code", flat=True)
    for code in multiple:
        value = answers.get(code)
        answers[code] = value if isinstance(value, list) else ([value] if value else [])
    return answers


def question_groups(post, chosen: str, errors: dict) -> list[dict]:
    """Each field that asks questions, with its questions as the page draws them."""
    groups = []
    categories = active_categories().prefetch_related("questions")
    for category in categories:
        questions = [q for q in category.questions.all() if q.is_active]
        if not questions:
            continue
        drawn = []
        for question in questions:
            name = _name(category.code, question.code)
            sent = post.getlist(name) if post is not None else []
            mine = category.code == chosen
            drawn.append(
                {
                    "question": question,
                    "id": name,
                    "name": name,
                    "value": sent[-1] if sent else "",
                    "chosen": sent,
                    "options": question.options(),
                    "errors": errors.get(f"answers.{question.code}", []) if mine else [],
                }
            )
        groups.append({"category": category, "questions": drawn})
    return groups


def error_links(groups: list[dict], chosen: str) -> list[tuple[str, str]]:
    """The questions of the chosen field to correct, as (input id, label) for the top message."""
    return [
        (item["id"], item["question"].label)
        for group in groups
        if group["category"].code == chosen
        for item in group["questions"]
        if item["errors"]
    ]
