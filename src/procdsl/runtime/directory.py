"""Who is whose manager: the organisation directory an application gives its cases.

Org-relative approvers (``by requester's manager``, ``by managers up to director``,
``by department head``, ``by person in field X``, ``by requester's choice of R``) are
people, not roles: a case asks its ``Directory`` for them when the approval becomes
active.  The runtime never stores the directory (a snapshot holds the people it found);
``Workflow.start`` and ``Workflow.from_json`` take one (``directory=``).

Levels are counted as office systems (DingTalk, Feishu) count them: a person's
first-level manager is the head of their department, except for the head themself,
whose first-level manager is the head of the parent department; a department without a
head is skipped.  ``DictDirectory`` is a directory in memory (tests, small
applications); ``procdsl.store`` keeps one in tables (``Store.directory``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Protocol

USER = "@user:"  # a stage entry naming one person: "@user:" + id (the store's prefix too)


class Directory(Protocol):
    """What the runtime asks an application's directory (every answer may be None)."""

    def manager_of(self, person: str) -> str | None:
        """Return the person's first-level manager (office counting), or None."""
        ...

    def department_of(self, person: str) -> str | None:
        """Return the department the person belongs to."""
        ...

    def head_of(self, department: str) -> str | None:
        """Return who heads the department."""
        ...

    def members(self, role: str) -> Collection[str]:
        """Return the people who hold the role."""
        ...

    def delegate_of(self, person: str) -> str | None:
        """Return who acts for the person while they are out of office (代理), or None."""
        ...


class DictDirectory:
    """A directory held in dictionaries.

    ``departments``: department -> (head or None, parent department or None);
    ``people``: person -> department; ``roles``: role -> people; ``managers``: a
    person's manager when the reporting line is not the department's (optional);
    ``delegates``: person -> who acts for them while they are away.
    """

    def __init__(self, *, departments: Mapping[str, tuple[str | None, str | None]] | None = None,
                 people: Mapping[str, str] | None = None,
                 roles: Mapping[str, Collection[str]] | None = None,
                 managers: Mapping[str, str] | None = None,
                 delegates: Mapping[str, str] | None = None) -> None:
        self.departments = dict(departments or {})
        self.people = dict(people or {})
        self.roles = {role: frozenset(who) for role, who in (roles or {}).items()}
        self.managers = dict(managers or {})
        self.delegates = dict(delegates or {})

    def manager_of(self, person: str) -> str | None:
        found = self.managers.get(person)
        if found is not None:
            return found
        return office_manager(self.department_of, self.head_of, self.parent_of, person)

    def department_of(self, person: str) -> str | None:
        return self.people.get(person)

    def head_of(self, department: str) -> str | None:
        return self.departments.get(department, (None, None))[0]

    def parent_of(self, department: str) -> str | None:
        """Return the department above this one."""
        return self.departments.get(department, (None, None))[1]

    def members(self, role: str) -> Collection[str]:
        return self.roles.get(role, frozenset())

    def delegate_of(self, person: str) -> str | None:
        return self.delegates.get(person)


def office_manager(department_of: Callable[[str], str | None],
                   head_of: Callable[[str], str | None],
                   parent_of: Callable[[str], str | None], person: str) -> str | None:
    """Return the head of the person's department, or of the first department above it
    with a head other than the person (how office systems count the first level)."""
    seen: set[str] = set()
    department = department_of(person)
    while department is not None and department not in seen:
        seen.add(department)
        head = head_of(department)
        if head is not None and head != person:
            return head
        department = parent_of(department)
    return None


def managers(directory: Directory, person: str) -> Iterator[str]:
    """Yield the person's managers, level by level (first-level first), each once."""
    seen = {person}
    current = directory.manager_of(person)
    while current is not None and current not in seen:
        yield current
        seen.add(current)
        current = directory.manager_of(current)


def manager_at(directory: Directory, person: str, level: int) -> str | None:
    """Return the person's manager at level (1: the first-level manager), or None."""
    for n, found in enumerate(managers(directory, person), 1):
        if n == level:
            return found
    return None


def chain(directory: Directory, person: str, *, role: str | None = None,
          levels: int | None = None) -> list[str]:
    """Return the managers an ``up to`` chain asks, in order: up to (and with) the first
    one holding role, or the first ``levels`` levels (all the way up when no manager
    holds the role)."""
    out: list[str] = []
    holders = directory.members(role) if role is not None else ()
    for found in managers(directory, person):
        out.append(found)
        if (levels is not None and len(out) >= levels) or found in holders:
            break
    return out


def department_head(directory: Directory, person: str) -> str | None:
    """Return the head of the person's department (the first-level manager when the
    person heads it themself)."""
    department = directory.department_of(person)
    head = directory.head_of(department) if department is not None else None
    if head is None or head == person:
        return directory.manager_of(person)
    return head
