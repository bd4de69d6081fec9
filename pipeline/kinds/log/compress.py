"""Build and test logs, and application logs: keep what went wrong, fold the rest into counted templates.

What is kept is decided by value. Runner summaries, failures with their
tracebacks (the project's own frames before library frames), errors with their
context and the first occurrence of each distinct warning are kept verbatim,
in that order of importance, as far as the budget goes. Everything between
kept lines is folded into templates (``[×1,201] tests/test_calc.py::test_add[{0–1200}] PASSED``)
or, when even that is too long, into a count of omitted lines.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from operator import contains, is_, itemgetter, or_

from ...contract import Compressed, Context, Item
from ...markers import marker
from ...wording import line_span
from . import signals
from .blocks import blocks, sections
from .counts import TokenCounts
from .gaps import GapFolder
from .signals import Role
from .templates import TemplateIndex, masked_text

_MIN_LINES = 8
# Lines after an error that still explain it (a traceback, a compiler's caret).
_CONTEXT_AFTER = 30
_CONTEXT_BEFORE = 8
_EDGE_LINES = 3
# Repeats of one error template kept verbatim before the rest are only counted.
_ERROR_REPEATS = 2
# Occurrences of one warning class (``-Wunused-parameter``) whose locations are kept: the location is the news.
_WARNING_LOCATIONS = 5
# Further places of a class listed in its note (file:line:col), before "and N more".
_MAX_PLACES = 40
_LOCATION = re.compile(r"(\S+?\.\w+):(\d+(?::\d+)?): (?:fatal )?(?:error|warning)\b")
# Leading words of a failure's message that tell one kind of failure from another.
_MESSAGE_KIND_WORDS = 4
# Share of the budget the kept lines may take; the rest folds the gaps between them.
_KEPT_SHARE = 0.8
# What a note like "[… 1,204 lines omitted (lines 4–1207)]" costs, for a kept line that opens a new gap.
_GAP_NOTE_TOKENS = 14
_FIT_ATTEMPTS = 4
# Room for the summary's counts growing past the estimate made with nothing kept.
_MARKER_SLACK = 8


@dataclass(frozen=True, slots=True)
class _Priority:
    """Lower keeps first. Names say why a line is worth keeping."""

    SUMMARY = 0
    # A runner's session header and short summary: every failing test named once, with its message.
    VERDICT = 1
    # The first message of a kind no earlier report gave: news, yet a short summary usually repeats it,
    # so it never takes a failing test's summary line away.
    NEWS = 2
    FAILURE = 3
    # The first error line of a failure's report: what went wrong, once every failure is named.
    MESSAGE = 4
    KEY = 5
    CONTEXT = 6
    BODY = 7
    EDGE = 8
    EXTRA = 9


P = _Priority
# Role's members read once: a lookup on the enum class goes through its metaclass and costs more than the
# tests it serves, which run once a line.
SUMMARY, ERROR, SECTION, WARNING = Role.SUMMARY, Role.ERROR, Role.SECTION, Role.WARNING
FRAME, CONTINUATION = Role.FRAME, Role.CONTINUATION
# Failures and warnings fold only among themselves, never into the ordinary lines they resemble.
_GROUP = {ERROR: 1, WARNING: 2, SUMMARY: 3, SECTION: 4}
# What a line counts as in the summary, by its role; any other line is passing or other.
_CATEGORY = {
    ERROR: "error",
    SECTION: "error",
    WARNING: "warning",
    FRAME: "indented/trace",
    CONTINUATION: "indented/trace",
}
_EXCERPT_GROUP = 5
# The roles notable by themselves; plain lines, frames and their continuations only by a mark.
_NOTABLE = frozenset(set(Role) - {Role.PLAIN, FRAME, CONTINUATION})


class LogCompressor:
    """Compresses line-oriented logs: test runs, builds, installs, application logs."""

    name = "log"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Keep failures, errors, warnings and summaries; fold repeated lines into templates."""
        lines = content.split("\n")
        if content.endswith("\n"):
            lines.pop()
        if len(lines) < _MIN_LINES:
            return None
        clean = [line.rstrip("\r") for line in lines] if "\r" in content else lines
        # Whether a line reports a pass is asked while classifying it, of sections and of the summary's counts.
        is_passing = cache(signals.is_passing)
        # Logs repeat lines (blank ones, rules, the same traceback): each distinct line is read once.
        role_of = {line: signals.classify(line, is_passing) for line in dict.fromkeys(clean)}
        roles = _source_lines_demoted(clean, list(map(role_of.__getitem__, clean)))
        templates = TemplateIndex()
        template_of, class_of = _place(clean, roles, templates)
        failure_sections = sections(clean, roles, is_passing)
        reports = _inside(failure_sections)
        priority = _priorities(clean, roles, template_of, class_of, failure_sections, reports)
        _offer_query(clean, ctx.query, priority)
        # The pipeline closes the output with a marker carrying the summary: the cap holds for both.
        categories = _categories(clean, roles, is_passing)
        reserve = ctx.count_tokens(marker(_summary(categories, [], 0), ctx.key, ctx.query)) + _MARKER_SLACK
        budget = max(1, ctx.budget_tokens - reserve)
        allowance = budget * _KEPT_SHARE
        # Each attempt prices mostly the same lines and gaps: count each line once, fold each gap once.
        counts = TokenCounts(ctx.count_tokens)
        folder = GapFolder(clean, template_of, templates, counts)
        ranked = sorted(priority.items(), key=itemgetter(1, 0))
        for _ in range(_FIT_ATTEMPTS):
            kept = _select(clean, ranked, counts, allowance)
            text, shown = _render(clean, kept, class_of, roles, folder, counts, budget, reports)
            tokens = ctx.count_tokens(text) + reserve
            if tokens <= ctx.budget_tokens:
                break
            # The notes between far-apart kept lines cost more than estimated: keep fewer lines.
            allowance *= ctx.budget_tokens / tokens * 0.9
        items = [Item(line_span(a, b), "\n".join(lines[a:b])) for a, b in blocks(clean, roles, failure_sections)]
        return Compressed(
            text=text,
            summary=_summary(categories, kept, shown),
            transform="log:templates",
            items=items,
        )


def _starting(lines: list[str], prefix: str) -> Iterator[int]:
    """The indices of the lines that start with ``prefix``, found in C: most lines do not."""
    return itertools.compress(itertools.count(), map(str.startswith, lines, itertools.repeat(prefix)))


def _where(roles: list[Role], role: Role) -> Iterator[int]:
    """The indices of the lines in ``role``, found in C."""
    return itertools.compress(itertools.count(), map(is_, roles, itertools.repeat(role)))


def _source_lines_demoted(lines: list[str], roles: list[Role]) -> list[Role]:
    """``roles`` with the source line a Python frame quotes read as part of the frame, whatever words it holds.

    (``rv = self.handle_user_exception(e)`` under a Flask frame is code, not an error.)
    """
    for index in _where(roles, ERROR):
        if not index or roles[index - 1] is not FRAME or not lines[index].startswith(" "):
            continue
        if lines[index - 1].lstrip().startswith('File "'):
            roles[index] = CONTINUATION
    return roles


def _inside(failure_sections: list[tuple[int, int]]) -> set[int]:
    """The lines under each failure's header: its report."""
    return set(itertools.chain.from_iterable(range(start + 1, end) for start, end in failure_sections))


def _place(lines: list[str], roles: list[Role], templates: TemplateIndex) -> tuple[list[int], list[str]]:
    """Each line's template and the class its repeats are counted by."""
    # The same line in the same role lands in the same template: each is placed once, in order of first occurrence.
    placed: dict[tuple[str, Role], tuple[int, str]] = {}
    for key in dict.fromkeys(zip(lines, roles)):
        line, role = key
        # Lines of different groups never share a template: a request's status, a failure, a warning, a summary;
        # a compiler's echo of source only joins the same source.
        status = signals.http_status(line)
        excerpt = signals.is_code_excerpt(line)
        group = 1000 + status if status is not None else _EXCERPT_GROUP if excerpt else _GROUP.get(role, 0)
        template_id = templates.add(line, group, fuzzy=not excerpt)
        # Repeats of a diagnostic are counted by a compiler warning's flag, else by their template.
        flag = signals.warning_class(line) if role is WARNING else None
        placed[key] = (template_id, flag or f"#{template_id}")
    found = list(map(placed.__getitem__, zip(lines, roles)))
    return list(map(itemgetter(0), found)), list(map(itemgetter(1), found))


def _priorities(
    lines: list[str],
    roles: list[Role],
    template_of: list[int],
    class_of: list[str],
    failure_sections: list[tuple[int, int]],
    reports: set[int],
) -> dict[int, int]:
    """How much each notable line is worth keeping; unlisted lines are folded.

    ``reports`` are the lines under the failures' headers (:func:`_inside`).
    """
    priority: dict[int, int] = {}

    def offer(index: int, value: int) -> None:
        if 0 <= index < len(lines) and lines[index].strip():
            old = priority.get(index)
            if old is None or value < old:
                priority[index] = value

    _offer_reports(lines, roles, failure_sections, offer)
    _offer_diagnostics(lines, roles, template_of, class_of, reports, offer)
    for start, end in _short_summaries(lines, roles):
        for index in range(start, end):
            offer(index, P.VERDICT)
    # The same opening line heads every traceback: it is worth what the traceback's best frame is worth.
    for index in _starting(lines, "Traceback (most recent call last)"):
        end = index + 1
        while end < len(lines) and (roles[end] is FRAME or roles[end] is CONTINUATION):
            end += 1
        frames = [priority[i] for i in range(index + 1, end) if i in priority]
        if frames:
            priority[index] = min(frames)
    for index in [*range(_EDGE_LINES), *range(len(lines) - _EDGE_LINES, len(lines))]:
        offer(index, P.EDGE)
    # A low-priority line the same as one already offered (the caret under a warning seen before) is look-alike.
    seen: set[str] = set()
    for index in sorted(priority):
        text = lines[index].strip()
        if priority[index] >= P.BODY and text in seen:
            del priority[index]
        seen.add(text)
    return priority


def _offer_reports(
    lines: list[str], roles: list[Role], failure_sections: list[tuple[int, int]], offer: Callable[[int, int], None]
) -> None:
    """Weigh each failure's report: its header, what went wrong, the project's own frames, its first lines."""
    is_library_frame = cache(signals.is_library_frame)  # each distinct frame tested once
    messages_seen: set[str] = set()
    for start, end in failure_sections:
        offer(start, P.FAILURE)
        frame_priority = P.BODY
        message = _message_of(lines, roles, start, end)
        if message is not None:
            kind = _message_kind(lines[message])
            offer(message, P.MESSAGE if kind in messages_seen else P.NEWS)
            messages_seen.add(kind)
        for index in range(start + 1, end):
            role = roles[index]
            if role is FRAME:
                frame_priority = P.EXTRA if is_library_frame(lines[index]) else P.KEY
                offer(index, frame_priority)
            elif role is ERROR or role is SUMMARY:
                offer(index, P.MESSAGE if index == message else P.KEY)
            elif role is CONTINUATION and frame_priority == P.EXTRA:
                offer(index, P.EXTRA)
            else:
                offer(index, P.CONTEXT if index - start <= 3 or index == end - 1 else P.BODY)


def _offer_diagnostics(
    lines: list[str],
    roles: list[Role],
    template_of: list[int],
    class_of: list[str],
    in_section: set[int],
    offer: Callable[[int, int], None],
) -> None:
    """Weigh the lines outside failures' reports: summaries, session headers, errors, warnings, failed requests."""
    marks = cache(signals.marks)  # each distinct line read once: logs repeat their lines
    seen_errors: Counter[int] = Counter()
    seen_messages: set[str] = set()
    seen_warnings: Counter[str] = Counter()
    # Plain lines, frames and their continuations need weighing only when a mark singles them out.
    # (Every line's mark is looked up, in C: the few other lines that need none would cost a Python loop.)
    notable = itertools.compress(itertools.count(), map(or_, map(_NOTABLE.__contains__, roles), map(marks, lines)))
    for index in notable:
        role, line = roles[index], lines[index]
        if role is SUMMARY:
            offer(index, P.SUMMARY)
            continue
        mark = marks(line)
        if mark & signals.HEADER:
            offer(index, P.VERDICT)
        elif role is ERROR and index in in_section:
            continue  # weighed with its failure's report
        elif role is ERROR:
            # Every test that failed is named; other errors: the first of each kind, then each new message.
            seen_errors[template_of[index]] += 1
            message = masked_text(line.strip())
            if signals.is_test_verdict(line) or seen_errors[template_of[index]] <= _ERROR_REPEATS:
                own = P.FAILURE
            else:
                own = P.KEY if message not in seen_messages else P.EXTRA
            offer(index, own)
            seen_messages.add(message)
            # A repeat of a message already shown brings nothing new: nor does its context (the same caret).
            _offer_context(lines, roles, index, offer, at_best=P.CONTEXT if own < P.EXTRA else P.EXTRA)
        elif role is SECTION:
            offer(index, P.FAILURE)
        elif role is WARNING and seen_warnings[class_of[index]] >= _warning_repeats(line):
            if signals.has_location(line):
                offer(index, P.BODY)  # more places of a warning: before any quoted source, if the budget has room
        elif role is WARNING:
            seen_warnings[class_of[index]] += 1
            offer(index, P.CONTEXT)
            for after in range(index + 1, min(len(lines), index + 4)):
                if not signals.is_continuation(lines[after]):
                    break
                offer(after, P.EXTRA)
        elif mark & signals.CLIENT_ERROR and seen_warnings[class_of[index]] < _WARNING_LOCATIONS:
            # A request that failed on the client's side is an anomaly among the 200s: the first few are shown.
            seen_warnings[class_of[index]] += 1
            offer(index, P.CONTEXT)
        elif mark & signals.TITLED_RULE:
            offer(index, P.BODY)


def _message_of(lines: list[str], roles: list[Role], start: int, end: int) -> int | None:
    """The line of a failure's report that says what went wrong: pytest's first ``E`` line, else the first error."""
    first = None
    for index in range(start + 1, end):
        if roles[index] is ERROR or roles[index] is SUMMARY:
            if lines[index].startswith("E "):
                return index
            if first is None:
                first = index
    return first


def _message_kind(line: str) -> str:
    """What kind of failure a message reports: its first words, variable parts masked.

    ``AssertionError: Lists differ: [...]`` in twenty reports is one kind; a
    ``ModuleNotFoundError`` among them is another.
    """
    words = masked_text(line.removeprefix("E").strip()).split()
    return " ".join(words[:_MESSAGE_KIND_WORDS])


def _offer_query(lines: list[str], query: str | None, priority: dict[int, int]) -> None:
    """Lines holding every word of the caller's query rank with runners' verdicts; the lines under them next."""
    words = [word for word in (query or "").lower().replace('"', " ").split() if len(word) > 1]
    if not words:
        return
    # Each distinct line is lowered once (logs repeat their lines), and searched in C for the first word.
    distinct = list(dict.fromkeys(lines))
    lowered = list(map(str.lower, distinct))
    holding_first = itertools.compress(zip(distinct, lowered), map(contains, lowered, itertools.repeat(words[0])))
    asked = {line for line, lower in holding_first if all(word in lower for word in words[1:])}
    if not asked:
        return
    seen: Counter[str] = Counter()
    for index, line in itertools.compress(enumerate(lines), map(asked.__contains__, lines)):
        # What the caller asked about comes before other failures; the same line again only after them.
        masked = masked_text(line.strip())
        seen[masked] += 1
        rank = P.VERDICT if seen[masked] <= _ERROR_REPEATS else P.FAILURE
        priority[index] = min(priority.get(index, rank), rank)
        for after in range(index + 1, min(len(lines), index + 4)):
            if not signals.is_continuation(lines[after]):
                break
            priority[after] = min(priority.get(after, P.MESSAGE), P.MESSAGE)


def _warning_repeats(line: str) -> int:
    """How many of a warning class to keep: several when each names its own place, else the first."""
    return _WARNING_LOCATIONS if signals.has_location(line) else 1


def _short_summaries(lines: list[str], roles: list[Role]) -> list[tuple[int, int]]:
    """``(start, end)`` of each runner's short summary: its header down to the closing totals line."""
    found = []
    for index in [i for i in _starting(lines, "=") if "short test summary info" in lines[i]]:
        end = index + 1
        while end < len(lines) and roles[end] is not SUMMARY and not signals.is_separator(lines[end]):
            end += 1
        found.append((index, min(end + 1, len(lines))))
    return found


def _offer_context(lines: list[str], roles: list[Role], index: int, offer, at_best: int = P.CONTEXT) -> None:
    """The lines that explain an error: indented lines before it, its traceback or caret after it.

    Library frames (and the source lines under them) come last, so a tight
    budget keeps the project's own frames.
    """
    before = index
    while before > 0 and index - before < _CONTEXT_BEFORE and signals.is_continuation(lines[before - 1]):
        before -= 1
    after = index + 1
    while (
        after < len(lines)
        and after - index <= _CONTEXT_AFTER
        and (roles[after] is FRAME or roles[after] is CONTINUATION)
    ):
        after += 1
    frame_priority = P.CONTEXT
    for position in range(before, after):
        if position == index:
            continue
        if roles[position] is FRAME:
            frame_priority = P.EXTRA if signals.is_library_frame(lines[position]) else P.CONTEXT
        offer(position, max(frame_priority, at_best))


def _select(lines: list[str], ranked: list[tuple[int, int]], counts: TokenCounts, allowance: float) -> list[int]:
    """The notable lines that fit ``allowance`` tokens, most important first.

    ``ranked`` are the notable lines and their priorities, most important
    first. A line away from every kept line opens a new gap, whose note costs too.
    """
    used = 0.0
    kept: list[int] = []
    kept_set: set[int] = set()
    for index, value in ranked:
        line = lines[index]
        note = 0 if index - 1 in kept_set or index + 1 in kept_set else _GAP_NOTE_TOKENS
        # A line too long even at its fewest possible tokens is not worth counting.
        if used + counts.floor(line) + 1 + note > allowance or used + counts[line] + 1 + note > allowance:
            if value <= P.FAILURE:
                continue  # a later failure may be shorter
            break
        used += counts[line] + 1 + note
        kept.append(index)
        kept_set.add(index)
    return sorted(kept)


def _render(
    lines: list[str],
    kept: list[int],
    class_of: list[str],
    roles: list[Role],
    folder: GapFolder,
    counts: TokenCounts,
    budget: int,
    reports: set[int],
) -> tuple[str, int]:
    """The kept lines in order, with notes on repeats, and every gap between them folded."""
    kept_set = set(kept)
    kept_tokens = sum(counts[lines[i]] + 1 for i in kept)
    notes = _repeat_notes(lines, kept, class_of, roles, kept_set, reports)
    note_tokens = sum(counts[note] + 1 for note in notes.values())
    allowance = max(0, budget - kept_tokens - note_tokens)
    folded = folder.fold(kept, allowance)
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index in folded:
            end, text = folded[index]
            out.extend(text)
            index = end
            continue
        out.append(lines[index])
        if index in notes:
            out.append(notes[index])
        index += 1
    return "\n".join(out), len(kept)


def _repeat_notes(
    lines: list[str], kept: list[int], class_of: list[str], roles: list[Role], kept_set: set[int], reports: set[int]
) -> dict[int, str]:
    """After the first kept line of a repeated error or warning class: how often it occurs in all, and where else.

    Lines inside a failure's report are not counted: its ``E`` lines repeat across reports by nature.
    """
    notes: dict[int, str] = {}
    members_of: dict[str, list[int]] = {}
    for index in sorted(itertools.chain(_where(roles, ERROR), _where(roles, WARNING))):
        members_of.setdefault(class_of[index], []).append(index)
    noted: set[str] = set()
    for index in kept:
        if (roles[index] is not ERROR and roles[index] is not WARNING) or index in reports:
            continue
        key = class_of[index]
        if key in noted:
            continue
        noted.add(key)
        members = members_of[key]
        hidden = [i for i in members if i not in kept_set]
        if hidden:
            places = _places([lines[i] for i in hidden])
            where = f"; {len(hidden):,} more at {places}" if places else f"; {len(hidden):,} more not shown"
            notes[index] = f"[↑ ×{len(members):,} in all{where} ({line_span(hidden[0], hidden[-1] + 1)})]"
        elif len(members) > 1 and key.startswith("-W"):
            notes[index] = f"[↑ {key} ×{len(members):,} in all, each shown]"
    return notes


def _places(diagnostics: list[str]) -> str | None:
    """``a.c:12:5, 40:1; b.c:7:3``: where each diagnostic stands, by file; None unless every one says so.

    The location is what a repeated warning adds, and it costs a few tokens where the line costs thirty.
    """
    by_file: dict[str, dict[str, int]] = {}
    for line in diagnostics:
        match = _LOCATION.match(line)
        if match is None:
            return None
        spots = by_file.setdefault(match.group(1), {})
        spots[match.group(2)] = spots.get(match.group(2), 0) + 1
    listed = distinct = 0
    parts = []
    for path, spots in by_file.items():
        room = _MAX_PLACES - distinct
        if room <= 0:
            break
        # The same place again (a rebuild, a header included twice) is counted, not repeated.
        shown = list(spots.items())[:room]
        parts.append(f"{path}:{', '.join(spot if times == 1 else f'{spot} ×{times}' for spot, times in shown)}")
        distinct += len(shown)
        listed += sum(times for _, times in shown)
    rest = len(diagnostics) - listed
    return "; ".join(parts) + (f"; and {rest:,} more" if rest else "")


def _categories(lines: list[str], roles: list[Role], is_passing: Callable[[str], bool]) -> list[str | None]:
    """What each line counts as in the summary (``None`` for a blank line)."""
    # Each distinct line in each role is read once: logs repeat their lines.
    category_of: dict[tuple[str, Role], str | None] = {}
    for key in dict.fromkeys(zip(lines, roles)):
        line, role = key
        if not line.strip():
            category_of[key] = None
        elif role in _CATEGORY:
            category_of[key] = _CATEGORY[role]
        else:
            category_of[key] = "passing" if is_passing(line) else "other"
    return list(map(category_of.__getitem__, zip(lines, roles)))


def _summary(categories: list[str | None], kept: list[int], shown: int) -> str:
    omitted: Counter[str | None] = Counter(categories)
    del omitted[None]  # blank lines are not counted
    for index in kept:
        if categories[index]:
            omitted[categories[index]] -= 1
    omitted = +omitted
    parts = ", ".join(f"{count:,} {name}" for name, count in sorted(omitted.items(), key=lambda kv: (-kv[1], kv[0])))
    total = sum(omitted.values())
    return f"{len(categories):,} log lines → {shown:,} kept verbatim; {total:,} folded into counts ({parts})"
