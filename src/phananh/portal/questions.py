"""The intake page's extra questions: every field's, drawn from data; the script shows the chosen
field's only (`portal/questions.js`), and without it each group is headed by its field's name.

Inputs are named `answers.<field>.<question>`, so that only the chosen field's answers are sent
to the intake, which checks them as on every channel (`reports.questions`).
"""

from __future__ import annotations

from phananh.reports.models import FieldQuestion, QuestionKind
from phananh.reports.selectors import active_categories


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
