"""The organisation directory in the store's tables: what org-relative approvers are
found in (``procdsl.runtime.Directory``), kept beside the cases.

``directory_departments`` (department, head, parent), ``directory_people`` (person,
department, manager when the reporting line is not the department's, out-of-office
delegate) and ``directory_roles`` (role, person).  The store hands it to every case it
starts or loads; an application keeps it current with ``set_department``,
``set_person`` and ``grant`` / ``revoke`` (each one transaction).
"""

from __future__ import annotations

from collections.abc import Collection

from ..runtime.directory import office_manager
from .db import Database


class StoreDirectory:
    """A ``Directory`` read from (and written to) the store's directory tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------ writing
    def set_department(self, department: str, *, head: str | None = None,
                       parent: str | None = None) -> None:
        """Add or replace a department: who heads it and the department above it."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM directory_departments WHERE department = ?", (department,))
            tx.execute("INSERT INTO directory_departments (department, head, parent) "
                       "VALUES (?, ?, ?)", (department, head, parent))

    def set_person(self, person: str, *, department: str | None = None,
                   manager: str | None = None, delegate: str | None = None) -> None:
        """Add or replace a person: their department, an explicit manager, a delegate."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM directory_people WHERE person = ?", (person,))
            tx.execute("INSERT INTO directory_people (person, department, manager, delegate) "
                       "VALUES (?, ?, ?, ?)", (person, department, manager, delegate))

    def grant(self, role: str, person: str) -> None:
        """Give person the role."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM directory_roles WHERE role = ? AND person = ?",
                       (role, person))
            tx.execute("INSERT INTO directory_roles (role, person) VALUES (?, ?)",
                       (role, person))

    def revoke(self, role: str, person: str) -> None:
        """Take the role from person."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM directory_roles WHERE role = ? AND person = ?",
                       (role, person))

    # ------------------------------------------------------------ the Directory protocol
    def _person(self, person: str, column: str) -> str | None:
        rows = self.db.query(f"SELECT {column} FROM directory_people WHERE person = ?",
                             (person,))
        return rows[0][0] if rows and rows[0][0] is not None else None

    def _department(self, department: str, column: str) -> str | None:
        rows = self.db.query(f"SELECT {column} FROM directory_departments WHERE department = ?",
                             (department,))
        return rows[0][0] if rows and rows[0][0] is not None else None

    def manager_of(self, person: str) -> str | None:
        found = self._person(person, "manager")
        if found is not None:
            return found
        return office_manager(self.department_of, self.head_of, self.parent_of, person)

    def department_of(self, person: str) -> str | None:
        return self._person(person, "department")

    def head_of(self, department: str) -> str | None:
        return self._department(department, "head")

    def parent_of(self, department: str) -> str | None:
        """Return the department above this one."""
        return self._department(department, "parent")

    def members(self, role: str) -> Collection[str]:
        return frozenset(str(r[0]) for r in self.db.query(
            "SELECT person FROM directory_roles WHERE role = ?", (role,)))

    def delegate_of(self, person: str) -> str | None:
        return self._person(person, "delegate")
