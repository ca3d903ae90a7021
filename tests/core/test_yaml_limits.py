"""YAML from users and files: no anchors or aliases, and limits on size, depth and values, checked before any copy."""
import re
import time

from hypothesis import given, settings, strategies as st

from lit_platform.core import yamlfile
from lit_platform.core.yamlfile import load_yaml

from ..conftest import Actions

#: nine levels of nine aliases each: a few hundred bytes that stand for 9**9 strings once expanded
ALIAS_BOMB = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
    for previous, name in zip("abcdefgh", "bcdefghi"))


def test_an_alias_bomb_is_refused_at_once_with_its_line():
    started = time.perf_counter()
    data, problems = load_yaml(ALIAS_BOMB, "bomb.yaml")
    assert time.perf_counter() - started < 0.5
    assert data is None
    assert [(p.file, p.line, p.message) for p in problems] == [
        ("bomb.yaml", 1, "this is not valid YAML: anchors and aliases (& and *) are not allowed: write each value out")]


def test_anchors_merge_keys_depth_size_and_count_are_refused():
    assert "anchors and aliases" in load_yaml("base: &b {x: 1}\nother:\n  <<: *b\n", "f")[1][0].message
    assert load_yaml("one: 1\ntwo: &t 2\n", "f")[1][0].line == 2
    assert "nested more than 40 levels" in load_yaml("[" * 41 + "]" * 41, "f")[1][0].message
    assert load_yaml("[" * 39 + "]" * 39, "f")[1] == []
    assert "too large" in load_yaml("x" * (yamlfile.MAX_CHARACTERS + 1), "f")[1][0].message
    many = "[" + ",".join(["1"] * (yamlfile.MAX_NODES + 1)) + "]"
    assert "more than 200,000 values" in load_yaml(many, "f")[1][0].message


@settings(max_examples=60, deadline=2000)
@given(levels=st.integers(1, 12), width=st.integers(2, 12), flow=st.booleans())
def test_any_nest_of_aliases_is_refused_quickly(levels, width, flow):
    lines = ["l0: &l0 [x]" if flow else "l0: &l0\n  - x"]
    for level in range(1, levels + 1):
        items = [f"*l{level - 1}"] * width
        lines.append(f"l{level}: &l{level} [{', '.join(items)}]" if flow
                     else f"l{level}: &l{level}\n" + "\n".join(f"  - {item}" for item in items))
    started = time.perf_counter()
    data, problems = load_yaml("\n".join(lines) + "\n", "fuzz.yaml")
    assert time.perf_counter() - started < 0.5
    assert data is None and "anchors and aliases" in problems[0].message


def test_the_question_editor_refuses_an_alias_bomb_without_holding_the_worker(app, sign_in, make):
    client, _ = sign_in("librarian")
    make.quiz()  # a category to choose
    page = "/bank/questions/new/search_strategy"
    form = client.get(page).get_data(as_text=True)
    category = re.search(r'<option[^>]*value="(\d+)"', form).group(1)
    started = time.perf_counter()
    answer = Actions(client).post(page, {"stem": "Plan a search.", "points": "4", "category": category,
                                         "definition": ALIAS_BOMB}, page=page)
    assert time.perf_counter() - started < 2
    assert answer.status_code == 200
    assert "anchors and aliases (&amp; and *) are not allowed" in answer.get_data(as_text=True)
