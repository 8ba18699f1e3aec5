"""The 90-minute track the kit prints (notebooks/README.md, "Two tracks") names what the lessons have.

``make track`` (benchmarks/workshop_track.py) times the track by driving JupyterLab; nothing here
runs it or asserts a time. What is tested is what can go wrong without a run: a section heading or
an exercise the track names that a lesson no longer has (a lesson renumbered), an answer the
run-through would type that is not the lesson's, and a kit table that is not the measured track.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import workshop_track as track  # noqa: E402

from tests.workshop.notebooks_script import notebooks_script  # noqa: E402


def test_every_section_and_exercise_the_track_names_is_in_its_lesson():
    assert track.track_problems() == []


@pytest.mark.parametrize(("slot", "problem"), [
    (track.Slot("09_attack_lab", ("Lab 1", "Lab 9"), "?"), "no section 'Lab 9'"),
    (track.Slot("09_attack_lab", ("Lab 1",), "?", exercises=("Lab 2",)), "'Lab 2' is outside the slot's sections"),
    (track.Slot("09_attack_lab", ("Lab 1",), "?", exercises=("Lab 7",)), "no exercise 'Lab 7'"),
    (track.Slot("99_no_such_lesson", ("1",), "?"), "no such notebook"),
])
def test_a_track_naming_what_a_lesson_lacks_is_reported(slot, problem):
    [found] = track.track_problems((slot,))
    assert problem in found


def _lesson(folder: Path, *cells) -> Path:
    new = {"md": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    notebook = nbformat.v4.new_notebook(cells=[new[kind](text) for kind, text in cells])
    nbformat.write(notebook, folder / "99_made_up.ipynb")
    return folder


def test_a_slot_that_skips_the_section_defining_a_name_it_uses_is_reported(tmp_path):
    # What the first run-through found in three slots: a NameError a participant would hit.
    folder = _lesson(tmp_path, ("md", "# 99 · Made up"), ("code", "import playground"),
                     ("md", "## 1. Fetch"), ("code", "fresh = playground.token()"),
                     ("md", "## 2. Use"), ("code", "print(fresh, playground)"))
    [found] = track.track_problems((track.Slot("99_made_up", ("2",), "?"),), folder)
    assert "cell 5 (§2) uses `fresh`, which only §1 (skipped) defines" in found
    assert track.track_problems((track.Slot("99_made_up", ("1", "2"), "?"),), folder) == []


def test_sections_are_keyed_by_their_number_or_label():
    assert track.section_key("1. Three parts, split at the dots") == "1"
    assert track.section_key("Lab 2 · `alg: none`") == "Lab 2"
    assert track.section_key("Recap") == "Recap"
    assert track.markdown_segments("text of lab 6\n\n## Recap\n| a |\n## Exercises\n**1.**", "Lab 6") == [
        ("Lab 6", "text of lab 6\n"), ("Recap", "## Recap\n| a |"), ("Exercises", "## Exercises\n**1.**")]


def test_fenced_blocks_are_read_as_code_and_their_comments_are_no_headings():
    markdown = "Sign in:\n\n```ts\nawait authClient.signIn.email({ email })\n\n## not a heading\n```\n\n## 2. Next"
    assert [key for key, _ in track.markdown_segments(markdown, "1")] == ["1", "2"]
    prose, fenced = track.prose_and_fenced(markdown.split("## 2.")[0])
    assert prose.split() == ["Sign", "in:"] and fenced == 2


def test_the_typed_answer_is_the_solutions_work_and_the_cell_keeps_its_check_call():
    answer = track.participant_answer(
        '# your code here: forge it\nforged = ""\nprint(lab.check_challenge("alg-none", forged, target))\n',
        ['# Solution: say "no signature"\nforged = lab.forge({"alg": "none"}, claims)\nassert forged.endswith(".")\n'
         'result = lab.check_challenge("alg-none", forged, target)\nassert result.solved\nprint(result)\n'])
    assert answer.typed == 'forged = lab.forge({"alg": "none"}, claims)'
    assert answer.kept == ""
    assert answer.kept_after == 'print(lab.check_challenge("alg-none", forged, target))'


def test_a_cell_without_a_check_call_gets_the_solutions_typed_and_keeps_its_import():
    answer = track.participant_answer(
        "# your code here\nfrom playground.lessons import basics_exercises as exercises\n",
        ["# Solution 1\nagain = token()\nif again:\n    assert again == token\n"
         "result = exercises.check_same(pg, same=True)\nassert result, result\nresult\n"])
    assert answer.kept == "from playground.lessons import basics_exercises as exercises"
    assert answer.typed == "again = token()\nresult = exercises.check_same(pg, same=True)\nresult"


def test_the_run_through_answers_the_lessons_own_exercises():
    # The answer typed for each exercise of the track comes from the lesson's solution cell, and
    # the cell it is typed into is the learner copy's (the solution is gone from it).
    for slot in track.TRACK:
        answered = track.NOTEBOOKS / f"{slot.lesson}.ipynb"
        answers = track.exercise_answers(answered)
        learner = notebooks_script.learner_version(nbformat.read(answered, as_version=4))
        learner_cells = {cell.source for cell in learner.cells}
        for cell in track.read_lesson(answered).cells:
            if cell.exercise in slot.exercises:
                assert cell.source in learner_cells
                answer = answers[cell.exercise]
                assert answer.typed.strip() and answer.typed not in cell.source
                assert re.search(r"\bcheck_\w+\(", answer.kept_after or answer.typed)


def _kit_rows() -> list[list[str]]:
    kit = track.KIT.read_text()
    assert kit.count(track.START) == 1 and kit.count(track.END) == 1
    block = kit.split(track.START)[1].split(track.END)[0]
    table = [line for line in block.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]


def test_the_kit_prints_the_track_the_benchmark_runs():
    rows = _kit_rows()
    slots, slack = rows[:-1], rows[-1]
    assert [(row[1].strip("`"), row[2]) for row in slots] == [
        (slot.lesson, track.sections_text(slot)) for slot in track.TRACK]
    assert slack[1] == "—" and float(slack[-1]) >= 0


def test_the_table_adds_up_the_slots_and_says_what_was_not_solved():
    slots = track.TRACK[:2]
    results = [track.SlotResult(slot.lesson, list(slot.sections), list(slot.exercises), 3, open_s=30, cells_s=60,
                                close_s=30, words=300, output_words=150, code_lines=15) for slot in slots]
    results[1].verdicts = {"Lab 1": "Lab 1 · unverified signature: not solved yet / hint: the claim to change is role"}
    context = {"load_average_before": (3.0, 2.0, 1.0), "date": "today", "characters_per_minute": 200, "cpus": 2,
               "lab_start_s": 5.0}
    table = track.render(results, context, slots)
    rows = [line for line in table.splitlines() if line.startswith("|")]
    # each slot: 2 min of UI + (450 words / 150) + (15 lines / 15) = 6 min
    assert rows[2].split("|")[1].strip() == "0:00–0:06" and rows[3].split("|")[1].strip() == "0:06–0:12"
    assert rows[-1].rstrip(" |").endswith("78.0")
    assert "NOT every check solved" in table
    assert track.problems_of(results) == [f"{slots[1].lesson} Lab 1: {results[1].verdicts['Lab 1']}"]
    with pytest.raises(ValueError, match="needs exactly one"):
        track.update_kit("# a kit without markers\n", table)
